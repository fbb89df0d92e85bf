/** Session phases in time: when on-time entry closes, when the exit window opens, and what is open when. */
import { PROJECTOR_KINDS, type ProjectorKind, type SessionStatus } from '@qrca/contract';

const MINUTE_MS = 60_000;

/** The session facts the phase depends on; times are ISO 8601 strings already validated by the contract. */
export interface PhaseFacts {
  readonly status: SessionStatus;
  readonly startAt: string;
  readonly endAt: string;
  readonly startedAt: string | null;
  readonly lateCutoffMinutes: number;
  readonly exitWindowMinutes: number;
  /** A teacher closed on-time entry early, at this moment. */
  readonly entryClosedAt?: string | null;
}

export type Phase = 'not_started' | 'entry' | 'late' | 'ended';

/**
 * Epoch ms at which on-time entry closes: the later of the scheduled and the actual start, plus the cutoff,
 * so a session the teacher started late still gets its full entry window — or earlier, when a teacher closed
 * it by hand. Throws nothing.
 */
export function entryClosesAt(facts: PhaseFacts): number {
  const scheduled = Date.parse(facts.startAt);
  const started = Date.parse(facts.startedAt ?? facts.startAt);
  const byCutoff = Math.max(scheduled, started) + facts.lateCutoffMinutes * MINUTE_MS;
  return facts.entryClosedAt ? Math.min(byCutoff, Date.parse(facts.entryClosedAt)) : byCutoff;
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

/** What a session opens and closes over time: chains of each phase, and each projector code. */
export type Opening = 'entry-chain' | 'exit-chain' | ProjectorKind;

/** The session facts openings depend on, besides its phase. */
export interface OpeningFacts extends PhaseFacts {
  readonly entryMethod: 'chain' | 'projector' | 'both';
  readonly earlyLeaveOpen: boolean;
}

/**
 * Whether `what` is open at `nowMs`; only ever in an active session. Entry chains run while on-time entry is
 * open; exit chains and the exit code in the exit window; the projector's entry code during entry unless
 * entry is by chains only; the late code after the cutoff; the early-leave code while the teacher keeps that
 * window open. The one rule every flow asks. Throws nothing.
 */
export function isOpen(facts: OpeningFacts, what: Opening, nowMs: number): boolean {
  if (facts.status !== 'active') return false;
  const { phase, exitWindowOpen } = phaseAt(facts, nowMs);
  switch (what) {
    case 'entry-chain':
      return phase === 'entry';
    case 'exit-chain':
    case 'exit':
      return exitWindowOpen;
    case 'entry':
      return phase === 'entry' && facts.entryMethod !== 'chain';
    case 'late':
      return phase === 'late';
    case 'early-leave':
      return facts.earlyLeaveOpen;
  }
}

/** The projector codes open at `nowMs`, in the order entry, late, early leave, exit. Throws nothing. */
export function openProjectorKinds(facts: OpeningFacts, nowMs: number): ProjectorKind[] {
  return PROJECTOR_KINDS.filter((kind) => isOpen(facts, kind, nowMs));
}

/** The opening of a chain phase. */
export const chainOpening = (phase: 'entry' | 'exit'): Opening => (phase === 'entry' ? 'entry-chain' : 'exit-chain');
