/** The final attendance status: one pure function of a student's facts and the session (PRODUCT §4.5). */
import type { FinalStatus } from '@qrca/contract';

export interface AttendanceFacts {
  readonly entry: 'on_time' | 'late' | null;
  readonly exitVerified: boolean;
  readonly earlyLeaveAt: string | null;
  /** A teacher's override wins over everything. */
  readonly override?: { readonly final: FinalStatus } | null;
}

/**
 * @param exitRun whether exit verification was run in this session (exit chains started or exit codes shown);
 * without it, entry alone decides.
 */
export function finalStatus(facts: AttendanceFacts, exitRun: boolean): FinalStatus {
  if (facts.override) return facts.override.final;
  if (facts.earlyLeaveAt) return 'early_leave';
  if (facts.entry === null) return 'absent';
  const fromEntry = facts.entry === 'late' ? 'late' : 'present';
  if (facts.exitVerified || !exitRun) return fromEntry;
  return 'left_early';
}

/**
 * Whole minutes (rounded) a late entry came after the class began: the planned start, or the actual start
 * when it began later. Null unless the entry is late. One rule for the dashboard's rows and the export.
 */
export function minutesLate(
  facts: { readonly entry: 'on_time' | 'late' | null; readonly entryAt: string | null },
  session: { readonly startAt: string; readonly startedAt?: string | null },
): number | null {
  if (facts.entry !== 'late' || !facts.entryAt) return null;
  const began = Math.max(Date.parse(session.startAt), Date.parse(session.startedAt ?? session.startAt));
  const late = Date.parse(facts.entryAt) - began;
  return Number.isNaN(late) ? null : Math.max(0, Math.round(late / 60_000));
}
