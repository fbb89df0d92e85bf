import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finalStatus, type AttendanceFacts } from './final-status';

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
