/** Which phase controls a session offers at a moment (mirrors the server's rules in backend domain/phases). */
import type { Session } from '@qrca/contract';

const MINUTE_MS = 60_000;

/** The session facts the controls depend on (a session, possibly updated by `sessionChanged`). */
export type PhaseFacts = Pick<
  Session,
  'status' | 'endAt' | 'exitWindowMinutes' | 'entryClosesAt' | 'earlyLeaveOpen' | 'entryMethod'
>;

export interface PhaseActions {
  /** "Start now": only while scheduled. */
  readonly start: boolean;
  /** On-time entry is open: entry chains may start, "Close on-time entry now" is offered. */
  readonly entryOpen: boolean;
  /** The exit window is open: exit chains may start. */
  readonly exitWindowOpen: boolean;
  readonly openEarlyLeave: boolean;
  readonly closeEarlyLeave: boolean;
  /** "End the session": until it ended. */
  readonly end: boolean;
  /** Epoch ms the exit window opens. */
  readonly exitWindowAt: number;
}

/** The controls open at `nowMs`. Throws nothing. */
export function phaseActions(session: PhaseFacts, nowMs: number): PhaseActions {
  const active = session.status === 'active';
  const exitWindowAt = Date.parse(session.endAt) - session.exitWindowMinutes * MINUTE_MS;
  return {
    start: session.status === 'scheduled',
    entryOpen: active && nowMs < Date.parse(session.entryClosesAt),
    exitWindowOpen: active && nowMs >= exitWindowAt,
    openEarlyLeave: active && !session.earlyLeaveOpen,
    closeEarlyLeave: session.status !== 'ended' && session.earlyLeaveOpen,
    end: session.status !== 'ended',
    exitWindowAt,
  };
}
