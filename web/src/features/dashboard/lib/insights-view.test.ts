import type { CurvePoint, InsightFigures } from '@qrca/contract';
import { describe, expect, it } from 'vitest';
import {
  chartSeries,
  curveSentence,
  flagRows,
  formatDuration,
  formatTick,
  methodRows,
  sampleCurve,
  stallRows,
  stallTotal,
  students,
} from './insights-view';

const figures = (entry: Partial<InsightFigures['entry']> = {}, people: Partial<InsightFigures['students']> = {}) =>
  ({
    students: { joined: 60, verified: 57, onTime: 57, late: 0, ...people },
    entry: {
      startedAt: '2025-06-03T09:00:00.000Z',
      timeTo50Ms: 42_000,
      timeTo90Ms: 70_000,
      timeTo100Ms: 91_000,
      curve: [
        { atMs: 5_000, verified: 1 },
        { atMs: 91_000, verified: 57 },
      ],
      byMethod: { chain: 50, projector: 5, teacherClose: 2 },
      ...entry,
    },
    handOffs: { count: 50, medianMs: 8_200 },
    chains: {
      started: 4,
      entry: 3,
      exit: 1,
      stalls: { idle: 2, holder_offline: 1, holder_off_network: 0 },
      reseeds: 3,
      endedByClassmate: 2,
      closedByTeacher: 1,
    },
    flags: { byKind: {}, flaggedStudents: 0 },
    spotChecks: { picked: 0, here: 0, notHere: 0, unanswered: 0 },
  }) satisfies InsightFigures;

describe('durations', () => {
  it('says nothing known as a dash', () => {
    expect(formatDuration(null)).toBe('—');
    expect(formatDuration(undefined)).toBe('—');
    expect(formatDuration(Number.NaN)).toBe('—');
    expect(formatDuration(-5)).toBe('—');
  });

  it('gives tenths under 10 s, whole seconds under a minute', () => {
    expect(formatDuration(0)).toBe('0 s');
    expect(formatDuration(30)).toBe('under 0.1 s');
    expect(formatDuration(50)).toBe('0.1 s');
    expect(formatDuration(820)).toBe('0.8 s');
    expect(formatDuration(5_000)).toBe('5 s');
    expect(formatDuration(9_940)).toBe('9.9 s');
    expect(formatDuration(9_960)).toBe('10 s');
    expect(formatDuration(42_300)).toBe('42 s');
    expect(formatDuration(59_400)).toBe('59 s');
  });

  it('gives minutes with two-digit seconds, then hours with two-digit minutes', () => {
    expect(formatDuration(59_600)).toBe('1 min 00 s');
    expect(formatDuration(65_000)).toBe('1 min 05 s');
    expect(formatDuration(91_000)).toBe('1 min 31 s');
    expect(formatDuration(59 * 60_000 + 59_000)).toBe('59 min 59 s');
    expect(formatDuration(3_600_000)).toBe('1 h 00 min');
    expect(formatDuration(3_600_000 + 2 * 60_000 + 10_000)).toBe('1 h 02 min');
    expect(formatDuration(2 * 3_600_000 - 1_000)).toBe('2 h 00 min');
  });

  it('labels axis ticks short', () => {
    expect(formatTick(0)).toBe('0');
    expect(formatTick(30)).toBe('30 s');
    expect(formatTick(60)).toBe('1 min');
    expect(formatTick(90)).toBe('1 min 30 s');
    expect(formatTick(3600)).toBe('1 h');
    expect(formatTick(4500)).toBe('1 h 15 min');
  });
});

describe('breakdowns', () => {
  it('lists stalls by reason in words, in a fixed order, with their total', () => {
    const stalls = { holder_off_network: 4, idle: 2, holder_offline: 1 };
    expect(stallRows(stalls)).toEqual([
      { key: 'idle', label: 'No hand-off for a while', count: 2 },
      { key: 'holder_offline', label: 'Holder offline', count: 1 },
      { key: 'holder_off_network', label: 'Holder off the class network', count: 4 },
    ]);
    expect(stallTotal(stalls)).toBe(7);
  });

  it('lists entry methods in a fixed order', () => {
    expect(methodRows({ teacherClose: 2, projector: 5, chain: 50 }).map((r) => [r.label, r.count])).toEqual([
      ['Chain', 50],
      ['Projector code', 5],
      ['Teacher close', 2],
    ]);
  });

  it('lists flags carried by their badge label in the console order, unknown ones last, none with zero', () => {
    expect(flagRows({ zz_new: 1, off_network: 3, not_on_roster: 2, too_fast: 0, aa_new: 1 })).toEqual([
      { key: 'not_on_roster', label: 'Not on the roster', count: 2 },
      { key: 'off_network', label: 'Off the school network', count: 3 },
      { key: 'aa_new', label: 'aa_new', count: 1 },
      { key: 'zz_new', label: 'zz_new', count: 1 },
    ]);
    expect(flagRows({})).toEqual([]);
  });

  it('counts students in words', () => {
    expect(students(1)).toBe('1 student');
    expect(students(0)).toBe('0 students');
    expect(students(3)).toBe('3 students');
  });
});

describe('the curve in words', () => {
  it('says when half, 90 % and all of the on-time check-ins were in', () => {
    expect(curveSentence(figures())).toBe(
      'Check-ins over time: 50 % after 42 s, 90 % after 1 min 10 s, all 57 after 1 min 31 s.',
    );
  });

  it('adds the late ones after the on-time ones', () => {
    const curve = [
      { atMs: 5_000, verified: 1 },
      { atMs: 91_000, verified: 55 },
      { atMs: 725_000, verified: 57 },
    ];
    expect(curveSentence(figures({ curve }, { onTime: 55, late: 2 }))).toBe(
      'Check-ins over time: 50 % after 42 s, 90 % after 1 min 10 s, all 55 on time after 1 min 31 s, 57 in all after 12 min 05 s.',
    );
  });

  it('says how many came in when none came on time, and when nobody came', () => {
    const late = figures(
      { timeTo50Ms: null, timeTo90Ms: null, timeTo100Ms: null, curve: [{ atMs: 700_000, verified: 3 }] },
      { onTime: 0, late: 3, verified: 3 },
    );
    expect(curveSentence(late)).toBe('Check-ins over time: 3 in all after 11 min 40 s.');
    const none = figures({ timeTo50Ms: null, timeTo90Ms: null, timeTo100Ms: null, curve: [] }, { onTime: 0 });
    expect(curveSentence(none)).toBe('Check-ins over time: nobody has checked in yet.');
  });
});

describe('the curve as a table and a chart', () => {
  const curveOf = (n: number): CurvePoint[] =>
    Array.from({ length: n }, (_, i) => ({ atMs: (i + 1) * 1000, verified: i + 1 }));

  it('keeps every point of a short curve', () => {
    expect(sampleCurve(curveOf(3))).toEqual([
      { atMs: 1000, time: '1 s', verified: 1 },
      { atMs: 2000, time: '2 s', verified: 2 },
      { atMs: 3000, time: '3 s', verified: 3 },
    ]);
    expect(sampleCurve([])).toEqual([]);
    expect(sampleCurve(curveOf(20))).toHaveLength(20);
  });

  it('samples a long curve to at most 20 rows, first and last always in, in order', () => {
    for (const n of [21, 25, 39, 100, 1234]) {
      const rows = sampleCurve(curveOf(n));
      expect(rows.length).toBeLessThanOrEqual(20);
      expect(rows.length).toBeGreaterThanOrEqual(19);
      expect(rows[0]?.verified).toBe(1);
      expect(rows.at(-1)?.verified).toBe(n);
      for (let i = 1; i < rows.length; i++) {
        expect((rows[i] as { atMs: number }).atMs).toBeGreaterThan((rows[i - 1] as { atMs: number }).atMs);
      }
    }
    expect(sampleCurve(curveOf(50), 5).map((row) => row.verified)).toEqual([1, 13, 26, 38, 50]);
  });

  it('starts the chart from nobody at 0 s, in seconds, and holds the last count a little longer', () => {
    expect(
      chartSeries([
        { atMs: 4_000, verified: 2 },
        { atMs: 9_500, verified: 5 },
      ]),
    ).toEqual([
      [0, 4, 9.5, 10.5],
      [0, 2, 5, 5],
    ]);
    expect(chartSeries([{ atMs: 0, verified: 1 }])).toEqual([
      [0, 1],
      [1, 1],
    ]);
    expect(chartSeries([{ atMs: 100_000, verified: 30 }])).toEqual([
      [0, 100, 105],
      [0, 30, 30],
    ]);
    expect(chartSeries([])).toEqual([[], []]);
  });
});
