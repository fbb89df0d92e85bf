import { describe, expect, it } from 'vitest';
import {
  chainOpening,
  entryClosesAt,
  isOpen,
  openProjectorKinds,
  phaseAt,
  type OpeningFacts,
  type PhaseFacts,
} from './phases';

const MIN = 60_000;
const START = '2030-01-10T09:00:00.000Z';
const END = '2030-01-10T10:30:00.000Z';
const startMs = Date.parse(START);
const endMs = Date.parse(END);

function facts(overrides: Partial<PhaseFacts> = {}): PhaseFacts {
  return {
    status: 'active',
    startAt: START,
    endAt: END,
    startedAt: START,
    lateCutoffMinutes: 10,
    exitWindowMinutes: 15,
    ...overrides,
  };
}

describe('entryClosesAt', () => {
  it('is the scheduled start plus the cutoff when started on time or not yet started', () => {
    expect(entryClosesAt(facts())).toBe(startMs + 10 * MIN);
    expect(entryClosesAt(facts({ startedAt: null, status: 'scheduled' }))).toBe(startMs + 10 * MIN);
  });

  it('keeps the scheduled start when the teacher started early', () => {
    expect(entryClosesAt(facts({ startedAt: '2030-01-10T08:50:00.000Z' }))).toBe(startMs + 10 * MIN);
  });

  it('gives a late-started session its full window from the actual start', () => {
    expect(entryClosesAt(facts({ startedAt: '2030-01-10T09:07:00.000Z' }))).toBe(startMs + 17 * MIN);
  });

  it('is when a teacher closed entry by hand, when that came before the cutoff', () => {
    expect(entryClosesAt(facts({ entryClosedAt: '2030-01-10T09:03:00.000Z' }))).toBe(startMs + 3 * MIN);
    expect(entryClosesAt(facts({ entryClosedAt: '2030-01-10T09:30:00.000Z' }))).toBe(startMs + 10 * MIN);
    expect(entryClosesAt(facts({ entryClosedAt: null }))).toBe(startMs + 10 * MIN);
  });

  it('honours time-zone offsets', () => {
    expect(entryClosesAt(facts({ startAt: '2030-01-10T10:00:00+01:00', startedAt: null }))).toBe(startMs + 10 * MIN);
  });

  it('closes at the start with cutoff 0', () => {
    expect(entryClosesAt(facts({ lateCutoffMinutes: 0 }))).toBe(startMs);
  });
});

describe('phaseAt', () => {
  it('is not_started while scheduled and ended once ended, whatever the clock', () => {
    const scheduled = facts({ status: 'scheduled', startedAt: null });
    expect(phaseAt(scheduled, startMs + 20 * MIN)).toEqual({ phase: 'not_started', exitWindowOpen: false });
    expect(phaseAt(scheduled, endMs)).toEqual({ phase: 'not_started', exitWindowOpen: false });
    expect(phaseAt(facts({ status: 'ended' }), startMs)).toEqual({ phase: 'ended', exitWindowOpen: false });
    expect(phaseAt(facts({ status: 'ended' }), endMs)).toEqual({ phase: 'ended', exitWindowOpen: false });
  });

  it('switches from entry to late exactly at the cutoff', () => {
    const closes = startMs + 10 * MIN;
    expect(phaseAt(facts(), closes - 1).phase).toBe('entry');
    expect(phaseAt(facts(), closes).phase).toBe('late');
    expect(phaseAt(facts(), endMs + 60 * MIN).phase).toBe('late');
  });

  it('is in entry before the scheduled start when started early', () => {
    const early = facts({ startedAt: '2030-01-10T08:50:00.000Z' });
    expect(phaseAt(early, startMs - 5 * MIN).phase).toBe('entry');
    expect(phaseAt(early, startMs + 10 * MIN - 1).phase).toBe('entry');
    expect(phaseAt(early, startMs + 10 * MIN).phase).toBe('late');
  });

  it('extends entry for a session started late', () => {
    const late = facts({ startedAt: '2030-01-10T09:30:00.000Z' });
    expect(phaseAt(late, startMs + 39 * MIN).phase).toBe('entry');
    expect(phaseAt(late, startMs + 40 * MIN - 1).phase).toBe('entry');
    expect(phaseAt(late, startMs + 40 * MIN).phase).toBe('late');
  });

  it('is late from the first millisecond with cutoff 0', () => {
    const noGrace = facts({ lateCutoffMinutes: 0 });
    expect(phaseAt(noGrace, startMs - 1).phase).toBe('entry');
    expect(phaseAt(noGrace, startMs).phase).toBe('late');
  });

  it('opens the exit window exactly exitWindowMinutes before the end, and keeps it open past the end', () => {
    const opens = endMs - 15 * MIN;
    expect(phaseAt(facts(), opens - 1).exitWindowOpen).toBe(false);
    expect(phaseAt(facts(), opens).exitWindowOpen).toBe(true);
    expect(phaseAt(facts(), endMs).exitWindowOpen).toBe(true);
    expect(phaseAt(facts(), endMs + 30 * MIN).exitWindowOpen).toBe(true);
  });

  it('opens the exit window at the end with exit window 0', () => {
    const none = facts({ exitWindowMinutes: 0 });
    expect(phaseAt(none, endMs - 1).exitWindowOpen).toBe(false);
    expect(phaseAt(none, endMs).exitWindowOpen).toBe(true);
  });

  it('can be late and in the exit window at once', () => {
    expect(phaseAt(facts(), endMs - 1 * MIN)).toEqual({ phase: 'late', exitWindowOpen: true });
    // A short session whose exit window overlaps its entry window.
    const short = facts({ endAt: '2030-01-10T09:05:00.000Z' });
    expect(phaseAt(short, startMs)).toEqual({ phase: 'entry', exitWindowOpen: true });
  });
});

describe('isOpen and openProjectorKinds', () => {
  const open = (overrides: Partial<OpeningFacts> = {}): OpeningFacts => ({
    ...facts(),
    entryMethod: 'chain',
    earlyLeaveOpen: false,
    ...overrides,
  });
  const duringEntry = startMs + 5 * MIN;
  const afterCutoff = startMs + 30 * MIN;
  const inExitWindow = endMs - 5 * MIN;

  it('opens nothing unless the session is active', () => {
    for (const status of ['scheduled', 'ended'] as const) {
      const session = open({ status, earlyLeaveOpen: true, entryMethod: 'both' });
      for (const what of ['entry-chain', 'exit-chain', 'entry', 'late', 'early-leave', 'exit'] as const) {
        expect(isOpen(session, what, inExitWindow), `${status} ${what}`).toBe(false);
        expect(isOpen(session, what, duringEntry), `${status} ${what}`).toBe(false);
      }
    }
  });

  it('runs entry chains during entry only, exit chains and the exit code in the exit window only', () => {
    expect(isOpen(open(), 'entry-chain', duringEntry)).toBe(true);
    expect(isOpen(open(), 'entry-chain', afterCutoff)).toBe(false);
    expect(isOpen(open(), 'exit-chain', afterCutoff)).toBe(false);
    expect(isOpen(open(), 'exit-chain', inExitWindow)).toBe(true);
    expect(isOpen(open(), 'exit', inExitWindow)).toBe(true);
    expect(isOpen(open(), 'exit', endMs + 20 * MIN)).toBe(true); // until the teacher ends it
  });

  it('shows the entry code during entry unless entry is by chains only; the late code after the cutoff', () => {
    expect(openProjectorKinds(open(), duringEntry)).toEqual([]);
    expect(openProjectorKinds(open({ entryMethod: 'projector' }), duringEntry)).toEqual(['entry']);
    expect(openProjectorKinds(open({ entryMethod: 'both' }), afterCutoff)).toEqual(['late']);
    expect(openProjectorKinds(open({ earlyLeaveOpen: true }), inExitWindow)).toEqual(['late', 'early-leave', 'exit']);
  });

  it('maps a chain phase to its opening', () => {
    expect(chainOpening('entry')).toBe('entry-chain');
    expect(chainOpening('exit')).toBe('exit-chain');
  });
});
