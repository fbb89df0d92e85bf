/** A class's insight figures for tests of what is made of them (the summary's prompt, the summarizer). */
import type { InsightFigures } from '@qrca/contract';

/** 31 joined, 29 checked in; every count distinct, so a test can tell them apart in a text. */
export const sampleFigures = (overrides: Partial<InsightFigures> = {}): InsightFigures => ({
  students: { joined: 31, verified: 29, onTime: 27, late: 2 },
  entry: {
    startedAt: '2026-06-01T09:00:00.000Z',
    timeTo50Ms: 41_000,
    timeTo90Ms: 95_400,
    timeTo100Ms: 132_000,
    curve: [
      { atMs: 12_000, verified: 1 },
      { atMs: 41_000, verified: 14 },
      { atMs: 301_000, verified: 29 },
    ],
    byMethod: { chain: 23, projector: 4, teacherClose: 2 },
  },
  handOffs: { count: 22, medianMs: 3_400 },
  chains: {
    started: 3,
    entry: 2,
    exit: 1,
    stalls: { idle: 5, holder_offline: 6, holder_off_network: 7 },
    reseeds: 8,
    endedByClassmate: 9,
    closedByTeacher: 10,
  },
  flags: { byKind: { network_mismatch: 11, too_fast: 12 }, flaggedStudents: 13 },
  spotChecks: { picked: 14, here: 15, notHere: 16, unanswered: 17 },
  ...overrides,
});
