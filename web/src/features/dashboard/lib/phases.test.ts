import { describe, expect, it } from 'vitest';
import { phaseActions, type PhaseFacts } from './phases';

const base: PhaseFacts = {
  status: 'active',
  endAt: '2026-06-03T10:00:00.000Z',
  exitWindowMinutes: 10,
  entryClosesAt: '2026-06-03T09:10:00.000Z',
  earlyLeaveOpen: false,
  entryMethod: 'chain',
};
const at = (time: string) => Date.parse(`2026-06-03T${time}:00.000Z`);

describe('phase controls', () => {
  it('scheduled: start now or end, nothing else', () => {
    const actions = phaseActions({ ...base, status: 'scheduled' }, at('08:00'));
    expect(actions).toMatchObject({ start: true, entryOpen: false, openEarlyLeave: false, end: true });
  });

  it('active, before the cutoff: entry open (close it now), exit window not yet', () => {
    expect(phaseActions(base, at('09:05'))).toMatchObject({
      start: false,
      entryOpen: true,
      exitWindowOpen: false,
      openEarlyLeave: true,
      closeEarlyLeave: false,
    });
  });

  it('active, after the cutoff: entry closed; the exit window opens N minutes before the end', () => {
    expect(phaseActions(base, at('09:10')).entryOpen).toBe(false);
    expect(phaseActions(base, at('09:49')).exitWindowOpen).toBe(false);
    expect(phaseActions(base, at('09:50')).exitWindowOpen).toBe(true);
    expect(phaseActions(base, at('10:20')).exitWindowOpen).toBe(true);
  });

  it('early leave opens only while active and closes while open; ended offers nothing', () => {
    expect(phaseActions({ ...base, earlyLeaveOpen: true }, at('09:30'))).toMatchObject({
      openEarlyLeave: false,
      closeEarlyLeave: true,
    });
    expect(phaseActions({ ...base, status: 'ended' }, at('09:30'))).toEqual({
      start: false,
      entryOpen: false,
      exitWindowOpen: false,
      openEarlyLeave: false,
      closeEarlyLeave: false,
      end: false,
      exitWindowAt: at('09:50'),
    });
  });
});
