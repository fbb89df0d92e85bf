/**
 * Spot checks: which students a teacher asks for in the room — those verified on entry and still counted in
 * (present or late), drawn at random without replacement, a flagged student more often than one without flags —
 * and why each was picked, in one sentence.
 */
import type { FinalStatus } from '@qrca/contract';
import type { AttendanceRecord } from './records';

/** Added to a candidate's weight (base 1) for each distinct flag on the row. */
export const WEIGHT_PER_FLAG = 4;

/** A student who may be picked, with the flags the pick is weighted by. */
export interface SpotCheckCandidate {
  readonly studentId: string;
  readonly flags: readonly string[];
}

/**
 * Whether a student can be spot-checked: verified on entry, counted present or late (not left, not overridden to
 * absent), and not already answered in an earlier spot check. Throws nothing.
 */
export function isSpotCheckable(row: AttendanceRecord, final: FinalStatus): boolean {
  if (row.entry === null || row.joinedAt === null) return false;
  if (final !== 'present' && final !== 'late') return false;
  return (row.spotCheck?.answer ?? null) === null;
}

/** 1, plus {@link WEIGHT_PER_FLAG} for each distinct flag. Throws nothing. */
export function spotCheckWeight(flags: readonly string[]): number {
  return 1 + WEIGHT_PER_FLAG * new Set(flags).size;
}

/**
 * Up to `count` distinct candidates, drawn one after another with probability proportional to their weight
 * among those not drawn yet. `random` returns values in [0, 1), like Math.random; `candidates` is not mutated.
 * Throws nothing.
 */
export function pickSpotCheck<T extends SpotCheckCandidate>(
  candidates: readonly T[],
  count: number,
  random: () => number,
): T[] {
  const pool = [...candidates];
  const weights = pool.map((c) => spotCheckWeight(c.flags));
  const picked: T[] = [];
  const size = Math.max(0, Math.min(Math.floor(count), pool.length));
  while (picked.length < size) {
    const total = weights.reduce((sum, w) => sum + w, 0);
    let target = random() * total;
    let index = 0;
    // The last index catches a generator that returns exactly 1 (and rounding at the end).
    while (index < pool.length - 1 && target >= (weights[index] as number)) {
      target -= weights[index] as number;
      index++;
    }
    picked.push(pool[index] as T);
    pool.splice(index, 1);
    weights.splice(index, 1);
  }
  return picked;
}

/** Flags in a teacher's words, for the pick's reason (unknown flags as they are). */
const FLAG_WORDS: Record<string, string> = {
  not_on_roster: 'not on the roster',
  off_network: 'scanned off the school network',
  outside_geofence: 'away from the classroom',
  unsigned_scan: 'phone not verified',
  shared_device: 'a phone shared with another student',
  device_changed: 'changed phone',
  late_code: 'a code used late',
  too_fast: 'a hand-off faster than a person can scan',
  network_mismatch: 'hand-off phones on different networks',
  holder_offline: 'a baton passed on while the holder’s phone was offline',
};

/** Why a student was picked, as one sentence. Throws nothing. */
export function spotCheckReason(flags: readonly string[]): string {
  const distinct = [...new Set(flags)];
  if (distinct.length === 0) return 'Picked at random among the students checked in; no flags.';
  const words = distinct.map((flag) => FLAG_WORDS[flag] ?? flag);
  const times = spotCheckWeight(distinct);
  return `Flagged (${words.join('; ')}): picked ${times} times as often as a student without flags.`;
}
