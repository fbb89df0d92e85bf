import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finalStatus, minutesLate, type AttendanceFacts } from './final-status';

const facts = (overrides: Partial<AttendanceFacts>): AttendanceFacts => ({
  entry: null,
  exitVerified: false,
  earlyLeaveAt: null,
  ...overrides,
});

describe('finalStatus (PRODUCT §4.5)', () => {
  it.each([
    ['left early', facts({ entry: 'on_time', earlyLeaveAt: '2026-11-26T09:30:00Z' }), true, 'early_leave'],
    ['on time, exit verified', facts({ entry: 'on_time', exitVerified: true }), true, 'present'],
    ['late, exit verified', facts({ entry: 'late', exitVerified: true }), true, 'late'],
    ['entry verified, exit chains run, not exit verified', facts({ entry: 'on_time' }), true, 'left_early'],
    ['on time, no exit run', facts({ entry: 'on_time' }), false, 'present'],
    ['late, no exit run', facts({ entry: 'late' }), false, 'late'],
    ['never verified', facts({}), true, 'absent'],
    ['never verified, no exit run', facts({}), false, 'absent'],
    ['override wins', facts({ entry: 'on_time', override: { final: 'absent' } }), false, 'absent'],
  ] as const)('%s', (_name, input, exitRun, expected) => {
    expect(finalStatus(input, exitRun)).toBe(expected);
  });

  it('is total and deterministic', () => {
    fc.assert(
      fc.property(
        fc.record({
          entry: fc.constantFrom('on_time', 'late', null),
          exitVerified: fc.boolean(),
          earlyLeaveAt: fc.option(fc.constant('2026-11-26T09:30:00Z'), { nil: null }),
        }),
        fc.boolean(),
        (input, exitRun) => {
          const first = finalStatus(input, exitRun);
          expect(['present', 'late', 'early_leave', 'left_early', 'absent']).toContain(first);
          expect(finalStatus(input, exitRun)).toBe(first);
        },
      ),
    );
  });
});

describe('minutesLate', () => {
  const planned = { startAt: '2026-11-29T09:00:00.000Z', startedAt: null };
  const late = (entryAt: string) => ({ entry: 'late' as const, entryAt });

  it('counts rounded minutes after the planned start, or after the actual start when the class began later', () => {
    expect(minutesLate(late('2026-11-29T09:12:20.000Z'), planned)).toBe(12);
    expect(minutesLate(late('2026-11-29T09:12:40.000Z'), planned)).toBe(13);
    expect(minutesLate(late('2026-11-29T09:12:20.000Z'), { ...planned, startedAt: '2026-11-29T09:05:00.000Z' })).toBe(
      7,
    );
    // Started early by the teacher: late still counts from the planned start.
    expect(minutesLate(late('2026-11-29T09:12:20.000Z'), { ...planned, startedAt: '2026-11-29T08:55:00.000Z' })).toBe(
      12,
    );
  });

  it('is null unless the entry is late, and never negative', () => {
    expect(minutesLate({ entry: 'on_time', entryAt: '2026-11-29T09:01:00.000Z' }, planned)).toBeNull();
    expect(minutesLate({ entry: null, entryAt: null }, planned)).toBeNull();
    expect(minutesLate(late('2026-11-29T08:58:00.000Z'), planned)).toBe(0);
  });
});
