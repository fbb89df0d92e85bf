import { describe, expect, it } from 'vitest';
import { AppError } from '../middleware/errors';
import type { OpeningFacts } from './phases';
import { projectorScanEffect } from './projector-scan';
import { emptyAttendance, type AttendanceRecord } from './records';

const MIN = 60_000;
const START = Date.UTC(2030, 0, 10, 9, 0);
const session = (overrides: Partial<OpeningFacts> = {}): OpeningFacts => ({
  status: 'active',
  startAt: new Date(START).toISOString(),
  endAt: new Date(START + 90 * MIN).toISOString(),
  startedAt: new Date(START).toISOString(),
  lateCutoffMinutes: 10,
  exitWindowMinutes: 15,
  entryMethod: 'chain',
  earlyLeaveOpen: false,
  ...overrides,
});
const row = (overrides: Partial<AttendanceRecord> = {}): AttendanceRecord => ({
  ...emptyAttendance('s', 's@students.example.edu'),
  joinedAt: new Date(START).toISOString(),
  ...overrides,
});
const codeOf = (run: () => unknown) => {
  try {
    run();
  } catch (error) {
    return error instanceof AppError ? error.code : String(error);
  }
  return 'OK';
};

describe('projectorScanEffect', () => {
  it('late code: refused during entry (NOT_LATE_YET), marks late once after the cutoff', () => {
    expect(codeOf(() => projectorScanEffect(session(), row(), 'late', START + 5 * MIN))).toBe('NOT_LATE_YET');
    const late = projectorScanEffect(session(), row(), 'late', START + 20 * MIN, ['off_network']);
    expect(late.outcome).toBe('late_entry');
    expect(late.next).toMatchObject({ entry: 'late', entryMethod: 'projector', flags: ['off_network'] });
    expect(projectorScanEffect(session(), row({ entry: 'late' }), 'late', START + 21 * MIN).next).toBeUndefined();
    expect(codeOf(() => projectorScanEffect(session(), row({ entry: 'on_time' }), 'late', START + 20 * MIN))).toBe(
      'ALREADY_VERIFIED',
    );
  });

  it('entry code only when entry may be by projector; a holder of an entry chain ends it', () => {
    expect(codeOf(() => projectorScanEffect(session(), row(), 'entry', START + MIN))).toBe('WRONG_PHASE');
    const effect = projectorScanEffect(
      session({ entryMethod: 'both' }),
      row({ holding: { chainId: 'c1', phase: 'entry' } }),
      'entry',
      START + MIN,
    );
    expect(effect).toMatchObject({ outcome: 'entry', endsChain: 'c1', next: { entry: 'on_time', holding: null } });
  });

  it('early leave: only while open and only for students who came', () => {
    const open = session({ earlyLeaveOpen: true });
    expect(
      codeOf(() => projectorScanEffect(session(), row({ entry: 'on_time' }), 'early-leave', START + 30 * MIN)),
    ).toBe('WRONG_PHASE');
    expect(codeOf(() => projectorScanEffect(open, row(), 'early-leave', START + 30 * MIN))).toBe('NOT_ELIGIBLE');
    expect(
      projectorScanEffect(open, row({ entry: 'on_time' }), 'early-leave', START + 30 * MIN).next?.earlyLeaveAt,
    ).toBe(new Date(START + 30 * MIN).toISOString());
  });

  it('exit code: in the exit window, through a chain unless last holder or awaiting', () => {
    const inWindow = START + 80 * MIN;
    expect(codeOf(() => projectorScanEffect(session(), row({ entry: 'on_time' }), 'exit', START + 30 * MIN))).toBe(
      'WRONG_PHASE',
    );
    expect(codeOf(() => projectorScanEffect(session(), row({ entry: 'on_time' }), 'exit', inWindow))).toBe(
      'NOT_ELIGIBLE',
    );
    const awaiting = projectorScanEffect(session(), row({ entry: 'on_time', awaitingExit: true }), 'exit', inWindow);
    expect(awaiting.next).toMatchObject({ exitVerified: true, awaitingExit: false });
    const holder = projectorScanEffect(
      session(),
      row({ entry: 'on_time', holding: { chainId: 'x', phase: 'exit' } }),
      'exit',
      inWindow,
    );
    expect(holder).toMatchObject({ endsChain: 'x', next: { holding: null, exitVerified: true } });
    expect(codeOf(() => projectorScanEffect(session({ status: 'ended' }), row(), 'exit', inWindow))).toBe(
      'WRONG_PHASE',
    );
  });
});
