import { describe, expect, it } from 'vitest';
import {
  ATTACK_KINDS,
  CALL_DELAY,
  callDelay,
  photoDelay,
  PHOTO_DELAY,
  planAttack,
  spotCheckCatchRate,
  spotCheckWeight,
  tallyRows,
  type RowSeen,
} from './attack';
import { planClass } from './plan';
import { seededRandom } from '../util/random';

const plan = planClass({
  classIndex: 0,
  students: 100,
  late: 0.05,
  noShow: 0.05,
  earlyLeave: 0,
  seed: 1,
  runTag: 'abc1234',
  teacherDomain: 'teacher.test',
  studentDomain: 'student.test',
});

describe('planAttack', () => {
  it('makes round(N × share) cheaters among the students on time, each with an honest friend on time', () => {
    for (const kind of ATTACK_KINDS) {
      const attack = planAttack({ kind, share: 0.1, students: plan.students, seed: 1, classIndex: 0 });
      expect(attack.cheaters).toHaveLength(10);
      const cheaters = new Set(attack.cheaters.map((c) => c.index));
      expect(cheaters.size).toBe(10);
      for (const c of attack.cheaters) {
        expect(plan.students[c.index]?.arrival).toBe('on_time');
        expect(plan.students[c.friendIndex]?.arrival).toBe('on_time');
        expect(cheaters.has(c.friendIndex)).toBe(false);
        expect(c.startAfterMs).toBeGreaterThanOrEqual(1_000);
        expect(c.startAfterMs).toBeLessThanOrEqual(15_000);
      }
    }
  });

  it('draws photo delays for the screenshot relay (half of a holder, half of the projector) and call delays for a call', () => {
    const photo = planAttack({ kind: 'screenshot-relay', share: 0.1, students: plan.students, seed: 1, classIndex: 0 });
    expect(photo.cheaters.filter((c) => c.via === 'projector')).toHaveLength(5);
    for (const c of photo.cheaters) {
      expect(c.delayMs).toBeGreaterThanOrEqual(PHOTO_DELAY.minMs);
      expect(c.delayMs).toBeLessThanOrEqual(PHOTO_DELAY.maxMs);
    }
    const call = planAttack({ kind: 'live-relay', share: 0.1, students: plan.students, seed: 1, classIndex: 0 });
    expect(call.cheaters.every((c) => c.via === 'chain')).toBe(true);
    for (const c of call.cheaters) {
      expect(c.delayMs).toBeGreaterThanOrEqual(CALL_DELAY.minMs);
      expect(c.delayMs).toBeLessThanOrEqual(CALL_DELAY.maxMs);
    }
  });

  it('is the same for the same seed, and leaves one honest student to be the friend', () => {
    const again = () => planAttack({ kind: 'live-relay', share: 0.3, students: plan.students, seed: 7, classIndex: 2 });
    expect(again()).toEqual(again());
    const all = planAttack({ kind: 'proxy-phone', share: 1, students: plan.students, seed: 1, classIndex: 0 });
    const onTime = plan.students.filter((s) => s.arrival === 'on_time').length;
    expect(all.cheaters).toHaveLength(onTime - 1);
    expect(
      planAttack({ kind: 'proxy-phone', share: 0, students: plan.students, seed: 1, classIndex: 0 }).cheaters,
    ).toEqual([]);
  });
});

describe('relay delays', () => {
  it('keeps messenger photos within 5–60 s around a median of 17 s, and calls within 1–3 s', () => {
    const random = seededRandom(3, 'delays');
    const photos = Array.from({ length: 2_000 }, () => photoDelay(random)).sort((a, b) => a - b);
    expect(photos[0]).toBeGreaterThanOrEqual(5_000);
    expect(photos.at(-1)).toBeLessThanOrEqual(60_000);
    expect(photos[1_000]).toBeGreaterThan(14_000);
    expect(photos[1_000]).toBeLessThan(21_000);
    const calls = Array.from({ length: 500 }, () => callDelay(random));
    expect(Math.min(...calls)).toBeGreaterThanOrEqual(1_000);
    expect(Math.max(...calls)).toBeLessThanOrEqual(3_000);
  });
});

const row = (studentId: string, entry: string | null, flags: string[], others: string[] = []): RowSeen => ({
  studentId,
  joined: true,
  entry,
  flags,
  flagEvidence: flags.map((flag, i) => ({ flag, ...(others[i] ? { otherStudentId: others[i] } : {}) })),
});

describe('tallyRows', () => {
  it('counts each cheater once as verified without a flag, verified with one, or not verified', () => {
    const rows = [
      row('c1', 'on_time', []),
      row('c2', 'on_time', ['network_mismatch', 'late_code']),
      row('c3', null, ['network_mismatch']),
      row('h1', 'on_time', []),
      row('h2', 'on_time', ['network_mismatch'], ['c2']),
      row('h3', 'late', ['too_fast']),
      row('absent', null, []),
    ];
    const { attack, honest } = tallyRows(rows, new Set(['c1', 'c2', 'c3', 'c4']), new Set(['h1', 'h2', 'h3']));
    expect(attack).toEqual({
      cheaters: 4,
      verifiedUnflagged: 1,
      flagged: 1,
      refused: 2, // c3 not verified, c4 without a row
      anyFlag: 2,
      byFlag: { network_mismatch: 2, late_code: 1 },
    });
    expect(honest).toEqual({
      students: 3,
      flagged: 2,
      flaggedNextToCheater: 1,
      byFlag: { network_mismatch: 1, too_fast: 1 },
    });
  });
});

describe('spot checks', () => {
  it('weighs a row 1 + 4 per distinct flag', () => {
    expect(spotCheckWeight([])).toBe(1);
    expect(spotCheckWeight(['late_code', 'network_mismatch', 'late_code'])).toBe(9);
  });

  it('gives the hypergeometric chance with equal weights', () => {
    const pool = Array.from({ length: 100 }, (_, i) => ({ weight: 1, cheater: i < 10 }));
    const none = (90 * 89 * 88 * 87 * 86) / (100 * 99 * 98 * 97 * 96);
    expect(spotCheckCatchRate(pool, 5)).toBeCloseTo(1 - none, 10);
  });

  it('follows the weights: one flagged cheater among nine honest students, one name', () => {
    const pool = [{ weight: 5, cheater: true }, ...Array.from({ length: 9 }, () => ({ weight: 1, cheater: false }))];
    expect(spotCheckCatchRate(pool, 1)).toBeCloseTo(5 / 14, 10);
    // Two names: caught first (5/14), or honest first then caught (9/14 × 5/13).
    expect(spotCheckCatchRate(pool, 2)).toBeCloseTo(5 / 14 + (9 / 14) * (5 / 13), 10);
  });

  it('is certain when the pool is no larger than the check, and null without a cheater in it', () => {
    expect(
      spotCheckCatchRate(
        [
          { weight: 1, cheater: true },
          { weight: 9, cheater: false },
        ],
        5,
      ),
    ).toBeCloseTo(1, 10);
    expect(spotCheckCatchRate([{ weight: 1, cheater: false }], 5)).toBeNull();
    expect(spotCheckCatchRate([], 5)).toBeNull();
  });
});
