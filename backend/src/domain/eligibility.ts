/** Who may hold or take a baton, and who still needs verifying in a phase (PRODUCT §4.1, §4.4). */
import type { ChainPhase } from '@qrca/contract';
import type { AttendanceRecord } from './records';
import { networkVerdict, type NetworkPolicy } from './scan-policy';

type Facts = Pick<AttendanceRecord, 'entry' | 'exitVerified' | 'earlyLeaveAt' | 'holding'>;

/** Whether the student is still to be verified in `phase`: entry not verified, or exit not verified. */
export function needsVerification(row: Facts, phase: ChainPhase): boolean {
  return phase === 'entry' ? row.entry === null : !row.exitVerified;
}

/**
 * Whether the student may hold (or take) a baton of `phase`: holding none, and for entry not yet verified;
 * for exit verified on entry, not yet on exit, and not gone early. Joining is checked by the caller.
 * Throws nothing.
 */
export function canHold(row: Facts, phase: ChainPhase): boolean {
  if (row.holding) return false;
  return phase === 'entry' ? row.entry === null : row.entry !== null && !row.exitVerified && !row.earlyLeaveAt;
}

/**
 * Whether a student last seen from `ip` may be offered a baton, or pass one on, under the session's network list:
 * from anywhere unless the list is enforced; then only from inside it. Under `enforce` a phone outside can neither
 * scan nor be scanned: otherwise a friend in the room could verify a student at home by scanning their baton.
 * Throws nothing.
 */
export function mayHoldFrom(networks: NetworkPolicy | undefined, ip: string | undefined): boolean {
  return networks?.mode !== 'enforce' || networkVerdict(networks, ip) === 'pass';
}
