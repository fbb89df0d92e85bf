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
