import type { Session, StudentSession } from '@qrca/contract';
import { describe, expect, it } from 'vitest';
import { formatWhen, groupSessions } from './group-sessions';

const at = (hour: number) => new Date(Date.UTC(2026, 5, 3, hour)).toISOString();
const session = (id: string, status: Session['status'], start: number, endedAt: string | null = null): Session => ({
  id,
  title: id,
  status,
  startAt: at(start),
  endAt: at(start + 1),
  lateCutoffMinutes: 10,
  exitWindowMinutes: 10,
  entryMethod: 'chain',
  entryClosesAt: at(start),
  joinCode: 'ABCDEFGH',
  joinUrl: '',
  rosterMode: 'strict',
  rosterCount: 0,
  constraints: {},
  ownerId: 'u1',
  coTeachers: [],
  earlyLeaveOpen: false,
  createdAt: at(0),
  startedAt: null,
  endedAt,
  yourRole: 'owner',
});

describe('groupSessions', () => {
  it('puts active and upcoming sessions in start order, ended ones most recent first, and leaves out joined ones', () => {
    const joined: StudentSession = { ...session('joined', 'active', 1), needsLocation: false, yourRole: 'student' };
    const groups = groupSessions([
      session('later', 'scheduled', 14),
      session('ended-early', 'ended', 2),
      session('running-2', 'active', 9),
      session('soon', 'scheduled', 12),
      session('ended-late', 'ended', 3),
      session('ended-by-hand', 'ended', 1, at(8)),
      session('running-1', 'active', 8),
      joined,
    ]);
    const ids = (list: readonly Session[]) => list.map((s) => s.id);
    expect(ids(groups.active)).toEqual(['running-1', 'running-2']);
    expect(ids(groups.upcoming)).toEqual(['soon', 'later']);
    expect(ids(groups.ended)).toEqual(['ended-by-hand', 'ended-late', 'ended-early']);
  });
});

describe('formatWhen', () => {
  it('reads as one range, and survives bad dates', () => {
    const text = formatWhen(at(9), at(10));
    expect(text).toMatch(/2026/);
    expect(text.match(/2026/g)).toHaveLength(1);
    expect(formatWhen('not a date', at(10))).toBe('not a date');
    expect(formatWhen(at(9), at(8))).toMatch(/2026/);
  });
});
