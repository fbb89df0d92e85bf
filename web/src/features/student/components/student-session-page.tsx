/**
 * A student in a session: their status live, the baton while they hold it, a big Scan button with the camera
 * (and the typed-code fallback for projector codes), heartbeats while the page is visible, and scans that
 * survive a bad network (sent again, once, when it returns).
 */
import type { ScanRequest, StudentSession } from '@qrca/contract';
import { useCallback, useState } from 'react';
import { useParams } from 'react-router';
import { Busy, ErrorNotice, PageMessage } from '../../../components/notice';
import { useRealtime } from '../../../lib/realtime';
import { useMe } from '../../auth/api/me';
import { CameraScanner } from '../../scan/components/camera-scanner';
import { TypedCodeForm } from '../../scan/components/typed-code-form';
import { useMyView, useMyViewWriter, useSession } from '../api/session';
import { useHeartbeat } from '../hooks/use-heartbeat';
import { useOnline } from '../hooks/use-online';
import { useScans, type ScanOutcome } from '../hooks/use-scans';
import { HolderView } from './holder-view';
import { StatusCard } from './status-card';

const OUTCOME_TEXT: Record<string, string> = {
  verified_holder: 'Scanned! Your classmate is checked in, and you now hold the baton.',
  late_entry: 'You are checked in (late).',
  entry: 'You are checked in.',
  early_leave: 'Your early leave is recorded.',
  exit_holder: 'You are checked out. See you next time!',
};
/** A verified classmate scanned a last holder: the holder is verified and the chain ends there. */
const ENDED_CHAIN_TEXT = 'Scanned! Your classmate is checked in. That was the end of their chain: nothing to pass on.';

/** The device's position, when the session needs it (asked only then). */
function locate(): Promise<ScanRequest['location'] | undefined> {
  return new Promise((resolve) => {
    if (!('geolocation' in navigator)) return resolve(undefined);
    navigator.geolocation.getCurrentPosition(
      (p) => resolve({ lat: p.coords.latitude, lon: p.coords.longitude, accuracyM: p.coords.accuracy }),
      () => resolve(undefined),
      { enableHighAccuracy: true, timeout: 10_000, maximumAge: 30_000 },
    );
  });
}

export function StudentSessionPage() {
  const { sessionId = '' } = useParams();
  const session = useSession(sessionId);
  const me = useMe();
  const online = useOnline();
  const writer = useMyViewWriter(sessionId);
  const realtime = useRealtime(
    sessionId,
    'student',
    {
      statusChanged: (event) => writer.setStatus(event.status),
      holdAssigned: (event) => writer.setHold(event.hold),
      holdReleased: (event) => writer.releaseHold(event.chainId),
      sessionChanged: () => void writer.refetch(),
    },
    () => void writer.refetch(),
  );
  const view = useMyView(sessionId, realtime === 'connected' ? false : 5_000);
  const ended = session.data?.status === 'ended';
  useHeartbeat(sessionId, session.data !== undefined && !ended);
  const [scanning, setScanning] = useState(false);
  const [message, setMessage] = useState<{ text: string; tone: 'good' | 'bad' | 'neutral' }>();

  const onOutcome = useCallback(
    (outcome: ScanOutcome) => {
      if (outcome.kind === 'answered') {
        const { answer } = outcome;
        const ended = answer.outcome === 'verified_holder' && !answer.youAreHolder;
        setMessage({ text: ended ? ENDED_CHAIN_TEXT : (OUTCOME_TEXT[answer.outcome] ?? 'Done.'), tone: 'good' });
        if (answer.hold) writer.setHold(answer.hold);
        void writer.refetch();
      } else if (outcome.kind === 'refused') setMessage({ text: outcome.error.message, tone: 'bad' });
      else
        setMessage({
          text: 'No connection: your scan is saved and will be sent when you are back online.',
          tone: 'neutral',
        });
    },
    [writer],
  );
  // Behind RequireAuth: the signed-in user is known by now.
  const scans = useScans(sessionId, me.data?.id ?? '', onOutcome);

  const submit = async (payload: string) => {
    setScanning(false);
    setMessage({ text: 'Checking…', tone: 'neutral' });
    const needsLocation = (session.data as StudentSession | undefined)?.needsLocation === true;
    await scans.submit(payload, needsLocation ? await locate() : undefined);
  };

  if (session.isPending || view.isPending) return <Busy label="Loading your session…" />;
  if (session.error || view.error) {
    return (
      <PageMessage title="This session is not available">
        <ErrorNotice error={session.error ?? view.error} />
      </PageMessage>
    );
  }
  const { status, hold } = view.data;
  return (
    <main className="page student">
      {(!online || realtime === 'offline') && (
        <p className="banner" role="status">
          {online ? 'Live updates are paused; the page refreshes every few seconds.' : 'You are offline.'}
          {scans.pending.length > 0 && ` ${scans.pending.length} scan(s) waiting to be sent.`}
        </p>
      )}
      <h1 className="eyebrow">{session.data.title}</h1>
      <StatusCard status={status} holding={hold !== null} ended={ended} />
      {message && (
        <p className={`notice notice-${message.tone}`} role="status" aria-live="polite">
          {message.text}
        </p>
      )}
      {hold && !ended && <HolderView sessionId={sessionId} hold={hold} />}
      {!hold && !ended && (
        <section className="scan-panel" aria-label="Scan">
          {scanning ? (
            <CameraScanner onResult={(payload) => void submit(payload)} onClose={() => setScanning(false)} />
          ) : (
            <button type="button" className="primary huge" onClick={() => setScanning(true)} disabled={scans.busy}>
              Scan
            </button>
          )}
          <TypedCodeForm busy={scans.busy} onSubmit={(code) => void submit(code)} />
        </section>
      )}
    </main>
  );
}
