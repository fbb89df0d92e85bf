/**
 * The projector: the join QR and short link, the rotating code of each open phase (entry, late, early leave,
 * exit) with its typed code and a countdown, pushed by `codeRotated`, and live counts. Made to be read from
 * the back of a lecture hall: black on white, large, with a quiet zone.
 */
import type { ProjectorCode, ProjectorKind, Session } from '@qrca/contract';
import { useEffect, useState } from 'react';
import { useParams } from 'react-router';
import { Busy, ErrorNotice, PageMessage } from '../../../components/notice';
import { QrCode } from '../../../components/qr-code';
import { useRealtime } from '../../../lib/realtime';
import { serverNow } from '../../../lib/server-clock';
import { useSession } from '../../student/api/session';
import { useCodes, useCounts, useProjectorWriter } from '../api/projector';

const KIND_TITLE: Record<ProjectorKind, string> = {
  entry: 'Check in',
  late: 'Arriving late? Scan this',
  'early-leave': 'Leaving early? Scan this',
  exit: 'Check out',
};

/** Seconds until `expiresAt`, ticking. */
function useSecondsLeft(expiresAt: string | undefined): number {
  const [now, setNow] = useState(serverNow());
  useEffect(() => {
    const timer = setInterval(() => setNow(serverNow()), 250);
    return () => clearInterval(timer);
  }, []);
  return expiresAt ? Math.max(0, Math.ceil((Date.parse(expiresAt) - now) / 1000)) : 0;
}

function CodePanel({ code, refresh }: { code: ProjectorCode; refresh: () => void }) {
  const left = useSecondsLeft(code.expiresAt);
  // A code past its time that no push replaced: fetch it (real time may be down).
  useEffect(() => {
    if (left > 0) return;
    const timer = setTimeout(refresh, 1_500);
    return () => clearTimeout(timer);
  }, [left, refresh]);
  return (
    <section className="code-panel" aria-labelledby={`code-${code.kind}`}>
      <h2 id={`code-${code.kind}`}>{KIND_TITLE[code.kind]}</h2>
      <QrCode text={code.payload} label={`${KIND_TITLE[code.kind]}: QR code`} className="projector-qr" />
      <p className="typed" aria-label={`Typed code ${code.typed.split('').join(' ')}`}>
        {code.typed}
      </p>
      <p className="countdown" aria-live="off">
        New code in {left} s
      </p>
    </section>
  );
}

export function ProjectorPage() {
  const { sessionId = '' } = useParams();
  const session = useSession(sessionId);
  const writer = useProjectorWriter(sessionId);
  const realtime = useRealtime(
    sessionId,
    'display',
    {
      codeRotated: (event) => writer.setCode(event.code),
      countsChanged: (event) => writer.setCounts(event.counts),
      // A phase opened or closed (entry closed early, early leave, the end): which codes are open changed.
      sessionChanged: () => void writer.refetch(),
    },
    () => void writer.refetch(),
  );
  const codes = useCodes(sessionId);
  const counts = useCounts(sessionId, realtime === 'connected' ? false : 5_000);

  if (session.isPending) return <Busy label="Loading the session…" />;
  if (session.error || session.data.yourRole === 'student') {
    return (
      <PageMessage title="The projector view is for the session’s teachers">
        <ErrorNotice error={session.error} />
      </PageMessage>
    );
  }
  const data = session.data as Session;
  const open = codes.flatMap((query) => (query.data ? [query.data] : []));
  const shortLink = data.joinUrl.replace(/^https?:\/\//, '');
  return (
    <main className={`projector ${open.length > 0 ? 'with-codes' : ''}`}>
      <header className="projector-head">
        <h1>{data.title}</h1>
        <button type="button" className="secondary" onClick={() => void document.documentElement.requestFullscreen?.()}>
          Full screen
        </button>
      </header>
      <div className="projector-body">
        <section className="join-panel" aria-labelledby="join-title">
          <h2 id="join-title">Join the class</h2>
          <QrCode text={data.joinUrl} label="Join QR code" className="projector-qr join-qr" />
          <p className="short-link">{shortLink}</p>
        </section>
        {open.map((code) => (
          <CodePanel key={code.kind} code={code} refresh={() => void writer.refetch()} />
        ))}
        {open.length === 0 && data.status === 'active' && (
          <section className="code-panel hint-panel">
            <h2>Students: scan a classmate’s baton</h2>
            <p>Holders show a rotating code on their phone. Late arrivals get a code here after the cutoff.</p>
          </section>
        )}
      </div>
      {counts.data && (
        <section className="counts" aria-live="polite" aria-label="Counts">
          <span>
            <strong>{counts.data.present}</strong> present
          </span>
          <span>
            <strong>{counts.data.late}</strong> late
          </span>
          <span>
            <strong>{counts.data.unverified}</strong> waiting
          </span>
          <span>
            <strong>{counts.data.early_leave}</strong> left early
          </span>
        </section>
      )}
      {realtime === 'offline' && (
        <p className="banner" role="status">
          Live updates are paused; codes refresh when they expire.
        </p>
      )}
    </main>
  );
}
