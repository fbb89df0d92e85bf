import type { InsightFigures } from '@qrca/contract';
import { describe, expect, it } from 'vitest';
import { compareInsights, timeToBounds, type InsightsTruth } from './insights-check';

const T = 1_000_000;
const w = (from: number, to: number) => ({ from: T + from, to: T + to });

const truth: InsightsTruth = {
  joined: 4,
  entry: [
    { kind: 'entry', method: 'chain', window: w(1_000, 1_020) },
    { kind: 'entry', method: 'chain', window: w(2_000, 2_030) },
    { kind: 'entry', method: 'teacher_close', window: w(5_000, 5_010) },
    { kind: 'late', method: 'projector', window: w(60_000, 60_015) },
  ],
  entryStart: w(0, 10),
  acceptedChainScans: 2,
  chainsStarted: { entry: 1, exit: 0 },
  endedByClassmate: 0,
  closedByTeacher: 1,
  stalls: 0,
  flags: {},
  spotCheckPicked: 0,
};

const figures: InsightFigures = {
  students: { joined: 4, verified: 4, onTime: 3, late: 1 },
  entry: {
    startedAt: new Date(T + 5).toISOString(),
    timeTo50Ms: 2_010,
    timeTo90Ms: 4_998,
    timeTo100Ms: 4_998,
    curve: [{ atMs: 60_000, verified: 4 }],
    byMethod: { chain: 2, projector: 1, teacherClose: 1 },
  },
  handOffs: { count: 2, medianMs: 1_000 },
  chains: {
    started: 1,
    entry: 1,
    exit: 0,
    stalls: { idle: 0, holder_offline: 0, holder_off_network: 0 },
    reseeds: 0,
    endedByClassmate: 0,
    closedByTeacher: 1,
  },
  flags: { byKind: {}, flaggedStudents: 0 },
  spotChecks: { picked: 0, here: 0, notHere: 0, unanswered: 0 },
};

describe('timeToBounds', () => {
  it('puts the k-th moment anywhere in the windows, measured from anywhere in the start’s', () => {
    const windows = truth.entry.filter((v) => v.kind === 'entry').map((v) => v.window);
    expect(timeToBounds(windows, 0.5, w(0, 10))).toEqual({ min: 1_990, max: 2_030 });
    expect(timeToBounds(windows, 1, w(0, 10))).toEqual({ min: 4_990, max: 5_010 });
    expect(timeToBounds([], 1, w(0, 10))).toBeNull();
  });
});

describe('compareInsights', () => {
  it('agrees with figures that match the truth', () => {
    expect(compareInsights(figures, truth, 0)).toEqual([]);
  });

  it('names each count that differs, and a time outside the windows', () => {
    const wrong: InsightFigures = {
      ...figures,
      students: { ...figures.students, late: 0, verified: 3 },
      handOffs: { count: 3, medianMs: 1_000 },
      entry: { ...figures.entry, timeTo100Ms: 5_100 },
      flags: { byKind: { too_fast: 1 }, flaggedStudents: 1 },
    };
    expect(compareInsights(wrong, truth, 25)).toEqual([
      'students: insights say {"joined":4,"verified":3,"onTime":3,"late":0}, the simulation {"joined":4,"verified":4,"onTime":3,"late":1}',
      'hand-offs: insights say 3, the simulation 2',
      'flags by kind: insights say {"too_fast":1}, the simulation {}',
      'time to 100 %: insights say 5100 ms, the simulation saw 4990–5010 ms',
    ]);
    // Within the tolerance a time still agrees.
    expect(compareInsights({ ...figures, entry: { ...figures.entry, timeTo100Ms: 5_030 } }, truth, 25)).toEqual([]);
  });
});
