/** Session phases in time: when on-time entry closes, when the exit window opens. */
import type { SessionStatus } from '@qrca/contract';

const MINUTE_MS = 60_000;

/** The session facts the phase depends on; times are ISO 8601 strings already validated by the contract. */
export interface PhaseFacts {
  readonly status: SessionStatus;
  readonly startAt: string;
  readonly endAt: string;
  readonly startedAt: string | null;
  readonly lateCutoffMinutes: number;
  readonly exitWindowMinutes: number;
}

export type Phase = 'not_started' | 'entry' | 'late' | 'ended';

/**
 * Epoch ms at which on-time entry closes: the later of the scheduled and the actual start, plus the cutoff,
 * so a session the teacher started late still gets its full entry window. Throws nothing.
 */
export function entryClosesAt(facts: PhaseFacts): number {
  const scheduled = Date.parse(facts.startAt);
  const started = Date.parse(facts.startedAt ?? facts.startAt);
  return Math.max(scheduled, started) + facts.lateCutoffMinutes * MINUTE_MS;
}

/**
 * The phase at `nowMs`: 'not_started' while scheduled, 'ended' once ended; an active session is in 'entry'
 * before {@link entryClosesAt} and 'late' from then on. The exit window is open while active from
 * `endAt − exitWindowMinutes` on (also past `endAt`, until the teacher ends the session). Throws nothing.
 */
export function phaseAt(facts: PhaseFacts, nowMs: number): { phase: Phase; exitWindowOpen: boolean } {
  if (facts.status === 'scheduled') return { phase: 'not_started', exitWindowOpen: false };
  if (facts.status === 'ended') return { phase: 'ended', exitWindowOpen: false };
  return {
    phase: nowMs < entryClosesAt(facts) ? 'entry' : 'late',
    exitWindowOpen: nowMs >= Date.parse(facts.endAt) - facts.exitWindowMinutes * MINUTE_MS,
  };
}
