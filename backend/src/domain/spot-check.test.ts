import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { emptyAttendance, type AttendanceRecord } from './records';
import { isSpotCheckable, pickSpotCheck, spotCheckReason, spotCheckWeight, WEIGHT_PER_FLAG } from './spot-check';
import { seededRandom } from '../test-support/seeded-random';

const verified = (overrides: Partial<AttendanceRecord> = {}): AttendanceRecord => ({
  ...emptyAttendance('s1', 's1@students.example.edu'),
  joinedAt: '2026-06-01T09:00:00.000Z',
  entry: 'on_time',
  entryAt: '2026-06-01T09:01:00.000Z',
  entryMethod: 'chain',
  ...overrides,
});

describe('isSpotCheckable', () => {
  it('takes students verified on entry and counted present or late', () => {
    expect(isSpotCheckable(verified(), 'present')).toBe(true);
    expect(isSpotCheckable(verified({ entry: 'late' }), 'late')).toBe(true);
  });

  it('leaves out the unverified, those who left, and those overridden to absent', () => {
    expect(isSpotCheckable(verified({ entry: null }), 'absent')).toBe(false);
    expect(isSpotCheckable(verified({ joinedAt: null }), 'present')).toBe(false);
    expect(isSpotCheckable(verified(), 'early_leave')).toBe(false);
    expect(isSpotCheckable(verified(), 'left_early')).toBe(false);
    expect(isSpotCheckable(verified(), 'absent')).toBe(false);
  });

  it('leaves out a student already answered, not one only picked', () => {
    const mark = { spotCheckId: 'sc1', pickedAt: 'x', pickedBy: 't', at: null, by: null };
    expect(isSpotCheckable(verified({ spotCheck: { ...mark, answer: null } }), 'present')).toBe(true);
    expect(isSpotCheckable(verified({ spotCheck: { ...mark, answer: 'here' } }), 'present')).toBe(false);
  });
});

describe('spotCheckWeight', () => {
  it('is 1 plus a fixed amount per distinct flag', () => {
    expect(spotCheckWeight([])).toBe(1);
    expect(spotCheckWeight(['too_fast'])).toBe(1 + WEIGHT_PER_FLAG);
    expect(spotCheckWeight(['too_fast', 'too_fast', 'late_code'])).toBe(1 + 2 * WEIGHT_PER_FLAG);
  });
});

describe('pickSpotCheck', () => {
  const candidates = (n: number, flagged: (i: number) => string[] = () => []) =>
    Array.from({ length: n }, (_, i) => ({ studentId: `s${i}`, flags: flagged(i) }));

  it('returns min(count, candidates) distinct candidates and leaves the input untouched', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.constantFrom('too_fast', 'late_code', 'shared_device'), { maxLength: 3 }), {
          maxLength: 40,
        }),
        fc.integer({ min: -1, max: 50 }),
        fc.integer(),
        (flagLists, count, seed) => {
          const pool = Object.freeze(flagLists.map((flags, i) => ({ studentId: `s${i}`, flags })));
          const picked = pickSpotCheck(pool, count, seededRandom(seed));
          expect(picked).toHaveLength(Math.max(0, Math.min(count, pool.length)));
          expect(new Set(picked.map((p) => p.studentId)).size).toBe(picked.length);
          for (const p of picked) expect(pool).toContain(p);
        },
      ),
    );
  });

  it('is deterministic for a seeded generator', () => {
    const pool = candidates(30, (i) => (i % 5 === 0 ? ['too_fast'] : []));
    expect(pickSpotCheck(pool, 5, seededRandom(7))).toEqual(pickSpotCheck(pool, 5, seededRandom(7)));
  });

  it('picks a flagged student about five times as often as one without flags', () => {
    // One flagged among ten: weight 5 of 14 for the first pick.
    const pool = candidates(10, (i) => (i === 0 ? ['shared_device'] : []));
    const random = seededRandom(20261129);
    const runs = 20_000;
    let flaggedFirst = 0;
    for (let i = 0; i < runs; i++) if (pickSpotCheck(pool, 1, random)[0]?.studentId === 's0') flaggedFirst++;
    expect(flaggedFirst / runs).toBeGreaterThan(5 / 14 - 0.02);
    expect(flaggedFirst / runs).toBeLessThan(5 / 14 + 0.02);
  });

  it('stays in range for a generator that returns the extremes', () => {
    const pool = candidates(4);
    expect(pickSpotCheck(pool, 4, () => 0).map((p) => p.studentId)).toEqual(['s0', 's1', 's2', 's3']);
    expect(pickSpotCheck(pool, 4, () => 1).map((p) => p.studentId)).toEqual(['s3', 's2', 's1', 's0']);
  });

  it('returns nothing when nobody can be picked', () => {
    expect(pickSpotCheck([], 5, seededRandom(1))).toEqual([]);
  });
});

describe('spotCheckReason', () => {
  it('says a student without flags was picked at random', () => {
    expect(spotCheckReason([])).toBe('Picked at random among the students checked in; no flags.');
  });

  it('names the flags in words and how much more often', () => {
    expect(spotCheckReason(['shared_device', 'too_fast', 'shared_device'])).toBe(
      'Flagged (a phone shared with another student; a hand-off faster than a person can scan): ' +
        'picked 9 times as often as a student without flags.',
    );
    expect(spotCheckReason(['something_new'])).toContain('something_new');
  });
});
