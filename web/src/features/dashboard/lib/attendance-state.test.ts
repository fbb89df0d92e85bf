import type { AttendanceCounts } from '@qrca/contract';
import { describe, expect, it } from 'vitest';
import { applyAttendanceChanges, rowsOf, toAttendanceState } from './attendance-state';
import { buildRow } from './test-rows';

const counts: AttendanceCounts = { present: 0, late: 0, early_leave: 0, left_early: 0, absent: 2, unverified: 2 };

describe('the cached attendance list', () => {
  const state = toAttendanceState({ counts, rows: [buildRow('a'), buildRow('b')] });

  it('replaces a row in place, keeping the order and the other rows as they were', () => {
    const a2 = buildRow('a', { entry: 'on_time', final: 'present' });
    const next = applyAttendanceChanges(state, [a2]);
    expect(rowsOf(next)).toEqual([a2, state.byId.get('b')]);
    expect(next.byId.get('b')).toBe(state.byId.get('b'));
    expect(next.ids).toBe(state.ids);
    expect(state.byId.get('a')?.entry).toBeNull(); // the old state is untouched
  });

  it('appends a new student and applies counts; the last change to a row wins', () => {
    const next = applyAttendanceChanges(state, [buildRow('c'), buildRow('c', { name: 'Cy' })], {
      ...counts,
      absent: 3,
      unverified: 3,
    });
    expect(next.ids).toEqual(['a', 'b', 'c']);
    expect(next.byId.get('c')?.name).toBe('Cy');
    expect(next.counts.absent).toBe(3);
  });

  it('skips a row older than the one shown (a delta queued before a fresher snapshot)', () => {
    const fresh = applyAttendanceChanges(state, [buildRow('a', { entry: 'on_time', final: 'present', version: 3 })]);
    const stale = buildRow('a', { version: 2 });
    expect(applyAttendanceChanges(fresh, [stale])).toBe(fresh);
    const newer = buildRow('a', { entry: 'on_time', final: 'present', name: 'Ana', version: 4 });
    expect(applyAttendanceChanges(fresh, [stale, newer]).byId.get('a')).toBe(newer);
  });

  it('returns the same state when there is nothing to apply', () => {
    expect(applyAttendanceChanges(state, [])).toBe(state);
  });
});
