/**
 * Phase controls: start now, close on-time entry now, the early-leave window, exit chains, end the session —
 * each offered only when the server would allow it, with "Working…" at once and errors in words.
 */
import type { Session } from '@qrca/contract';
import { useState } from 'react';
import { ConfirmModal } from '../../../components/modal';
import { ErrorNotice } from '../../../components/notice';
import { useStartChains } from '../api/chains';
import { useSessionAction, type SessionAction } from '../api/session-actions';
import { formatTime } from '../lib/labels';
import { phaseActions } from '../lib/phases';
import { ActionButton } from './action-button';

/** How students check in on time, as the session is set up. */
const ON_TIME_BY: Record<Session['entryMethod'], string> = {
  chain: 'students check in through chains',
  projector: 'students check in with the projector’s code',
  both: 'students check in through chains or with the projector’s code',
};

/** Where the session is now, in one sentence. */
function phaseSentence(session: Session, now: number, exitWindowAt: number): string {
  if (session.status === 'scheduled') return `Not started: starts by itself at ${formatTime(session.startAt)}.`;
  if (session.status === 'ended') return `Ended${session.endedAt ? ` at ${formatTime(session.endedAt)}` : ''}.`;
  const closes = Date.parse(session.entryClosesAt);
  if (now < closes) {
    const minutes = Math.ceil((closes - now) / 60_000);
    return `On-time entry is open until ${formatTime(session.entryClosesAt)} (${minutes} min left): ${ON_TIME_BY[session.entryMethod]}.`;
  }
  const exit =
    now >= exitWindowAt
      ? ' The exit window is open.'
      : ` The exit window opens at ${formatTime(new Date(exitWindowAt).toISOString())}.`;
  return `On-time entry closed at ${formatTime(session.entryClosesAt)}: late arrivals use the projector’s late code.${exit}`;
}

/** Throws nothing. */
export function PhaseControls({ session, now }: { session: Session; now: number }) {
  const action = useSessionAction(session.id);
  const exitChains = useStartChains(session.id);
  const [confirming, setConfirming] = useState<'closeEntry' | 'end'>();
  const can = phaseActions(session, now);
  const running = (which: SessionAction) => action.isPending && action.variables === which;
  const run = (which: SessionAction) =>
    action.mutate(which, { onSuccess: () => setConfirming((open) => (open === which ? undefined : open)) });

  return (
    <section className="dash-card dash-phase" aria-labelledby="phase-title">
      <h2 id="phase-title">Phase</h2>
      <p>{phaseSentence(session, now, can.exitWindowAt)}</p>
      {session.earlyLeaveOpen && <p className="dash-pill dash-tone-neutral">The early-leave window is open.</p>}
      <div className="dash-actions">
        {can.start && (
          <ActionButton className="primary" busy={running('start')} onClick={() => run('start')}>
            Start now
          </ActionButton>
        )}
        {can.entryOpen && (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              action.reset();
              setConfirming('closeEntry');
            }}
          >
            Close on-time entry now
          </button>
        )}
        {can.openEarlyLeave && (
          <ActionButton busy={running('openEarlyLeave')} onClick={() => run('openEarlyLeave')}>
            Open early-leave window
          </ActionButton>
        )}
        {can.closeEarlyLeave && (
          <ActionButton busy={running('closeEarlyLeave')} onClick={() => run('closeEarlyLeave')}>
            Close early-leave window
          </ActionButton>
        )}
        {can.exitWindowOpen && (
          <ActionButton
            className="primary"
            busy={exitChains.isPending}
            onClick={() => exitChains.mutate({ phase: 'exit', count: 'auto' })}
          >
            Start exit chains
          </ActionButton>
        )}
        {can.end && (
          <button
            type="button"
            className="secondary dash-danger-outline"
            onClick={() => {
              action.reset();
              setConfirming('end');
            }}
          >
            End the session
          </button>
        )}
      </div>
      {!confirming && <ErrorNotice error={action.error ?? exitChains.error} />}
      {exitChains.isSuccess && (
        <p role="status" className="dash-hint">
          Started {exitChains.data.chains.length} exit {exitChains.data.chains.length === 1 ? 'chain' : 'chains'}.
        </p>
      )}
      {confirming === 'closeEntry' && (
        <ConfirmModal
          title="Close on-time entry now?"
          confirmLabel="Close entry now"
          busy={running('closeEntry')}
          error={action.error}
          onConfirm={() => run('closeEntry')}
          onClose={() => setConfirming(undefined)}
        >
          <p>
            On-time entry ends at once and entry chains close; their holders stay unverified. Anyone not checked in yet
            is late from now on and checks in with the projector’s late code.
          </p>
        </ConfirmModal>
      )}
      {confirming === 'end' && (
        <ConfirmModal
          title="End the session?"
          confirmLabel="End session"
          tone="danger"
          busy={running('end')}
          error={action.error}
          onConfirm={() => run('end')}
          onClose={() => setConfirming(undefined)}
        >
          <p>
            Scanning stops, open chains close and every student’s status is frozen as it is now. You can still override
            statuses afterwards.
          </p>
        </ConfirmModal>
      )}
    </section>
  );
}
