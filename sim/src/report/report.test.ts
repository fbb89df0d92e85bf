import { describe, expect, it } from 'vitest';
import type { ClassResult } from '../class/run-class';
import { buildReport, SimReportSchema, type ReportInput } from './report';
import { columns, presenceLines, renderReport } from './table';

const T = 1_790_000_000_000;

function classResult(overrides: Partial<ClassResult> = {}): ClassResult {
  return {
    classIndex: 0,
    sessionId: 'sess1',
    roster: 4,
    onTime: 4,
    late: 0,
    noShow: 0,
    earlyLeave: 0,
    verified: 4,
    present: 4,
    unverified: [],
    exitVerified: 0,
    exitExpected: 0,
    initialChains: 1,
    teacherSeeds: 0,
    entryStart: T,
    entryMoments: [T + 1_000, T + 2_000, T + 3_000, T + 4_000],
    entryEnd: T + 4_000,
    exitStart: null,
    exitMoments: [],
    handoffs: 3,
    chainEnds: 1,
    exitCodeEnds: 0,
    teacherCloses: 0,
    stalls: 0,
    reseeds: 0,
    scanMs: [2, 3, 4, 40],
    realtime: [
      { ms: 5, instance: 0 },
      { ms: 7, instance: 1 },
      { ms: 9, instance: 1 },
      { ms: 30, instance: 0 },
    ],
    realtimeLost: 0,
    realtimeLostByInstance: {},
    exportCheck: { matches: true, rows: 4, mismatches: [], flags: { too_fast: 2 }, flaggedRows: 2 },
    insightsMismatches: [],
    exactness: {
      doubleVerifications: 0,
      batonsWithTwoWinners: 0,
      acceptedChainScans: 4,
      observedChainScans: 4,
      chainLengths: 4,
      chainVerificationsSeen: 4,
    },
    problems: [],
    setupMs: 1_000,
    runMs: 5_000,
    ...overrides,
  };
}

const input = (classes: ClassResult[], overrides: Partial<ReportInput> = {}): ReportInput => ({
  date: new Date(T),
  command: 'npm run sim',
  machine: { cpus: 2, cpuModel: 'Test CPU', memoryGb: 8, os: 'linux', node: 'v20' },
  target: 'local host',
  seed: 1,
  options: { students: 4 },
  classes,
  latencies: new Map([
    ['scansCreate', [2, 3, 4, 40]],
    ['authCode', [1]],
  ]),
  refusals: { BATON_TAKEN: 2 },
  scans: [
    { at: T + 500, instance: 0 },
    { at: T + 600, instance: 1 },
    { at: T + 2_100, instance: 0 },
  ],
  instanceUrls: ['http://a', 'http://b'],
  processes: [
    { name: 'host 1', url: 'http://a', rssPeakMb: 120 },
    { name: 'host 2', url: 'http://b', rssPeakMb: 140 },
    { name: 'azurite', rssPeakMb: 300 },
  ],
  setupMs: 1_000,
  runMs: 5_000,
  problems: [],
  ...overrides,
});

describe('buildReport', () => {
  it('adds up a passing run', () => {
    const report = buildReport(input([classResult()]));
    expect(SimReportSchema.parse(report)).toEqual(report);
    expect(report).toMatchObject({
      students: 4,
      present: 4,
      verified: 4,
      timeTo50Ms: 2_000,
      timeTo90Ms: 4_000,
      timeTo100Ms: 4_000,
      handoffs: 3,
      chainEnds: 1,
      refusals: { BATON_TAKEN: 2 },
      scansPerSecond: { peak: 2, mean: 0.8 },
      realtime: { count: 4, p50: 7, p95: 30, lost: 0 },
      rssPeakMb: 140,
      exportMatches: true,
      flags: { too_fast: 2 },
      passed: true,
      failures: [],
    });
    expect(report.latency.scansCreate).toEqual({ count: 4, p50: 3, p95: 40, p99: 40, max: 40 });
    expect(report.realtimeByInstance.map((i) => [i.instance, i.scans, i.count, i.p50])).toEqual([
      [1, 2, 2, 5],
      [2, 1, 2, 7],
    ]);
  });

  it('takes the slowest class for the times to 50/90/100 %', () => {
    const slow = classResult({ classIndex: 1, entryMoments: [T + 1_000, T + 9_000, T + 9_500, T + 20_000] });
    const report = buildReport(input([classResult(), slow]));
    expect([report.timeTo50Ms, report.timeTo100Ms, report.students]).toEqual([9_000, 20_000, 8]);
    expect(report.classes.map((c) => c.timeTo100Ms)).toEqual([4_000, 20_000]);
  });

  it('fails for anything a class must not do, naming it', () => {
    const bad = classResult({
      verified: 3,
      unverified: ['s4@student.test'],
      entryMoments: [T + 1_000, T + 2_000, T + 3_000],
      realtimeLost: 1,
      exportCheck: {
        matches: false,
        rows: 4,
        mismatches: ['s4@student.test: final is "absent"'],
        flags: {},
        flaggedRows: 0,
      },
      insightsMismatches: ['hand-offs: insights say 5, the simulation 4'],
      exactness: {
        doubleVerifications: 1,
        batonsWithTwoWinners: 1,
        acceptedChainScans: 5,
        observedChainScans: 4,
        chainLengths: 5,
        chainVerificationsSeen: 4,
      },
    });
    const report = buildReport(input([bad], { refusals: { BATON_TAKEN: 1, NOT_ELIGIBLE: 2 } }));
    expect(report.passed).toBe(false);
    expect(report.timeTo100Ms).toBeNull();
    expect(report.failures).toEqual([
      '1 of 4 present students not verified (s4@student.test)',
      'refusals besides BATON_TAKEN: NOT_ELIGIBLE 2',
      'the export differs from the simulated truth (1 differences)',
      'the insights differ from the simulated truth: class 1: hand-offs: insights say 5, the simulation 4',
      '1 students verified twice in one phase',
      '1 batons taken by two scans',
      'the audit log has 5 accepted chain scans, the students saw 4',
      "the chains' lengths add up to 5, the chain verifications seen to 4",
      "1 verifications never reached the teacher's dashboard",
    ]);
    expect(report.exportMismatches).toEqual(['class 1: s4@student.test: final is "absent"']);
  });
});

describe('renderReport', () => {
  it('shows the figures and the verdict', () => {
    const text = renderReport(buildReport(input([classResult()])));
    expect(text).toContain('to 100 %');
    expect(text).toContain('4.0 s');
    expect(text).toContain('scansCreate');
    expect(text).toContain('instance 2 (http://b)');
    expect(text).toContain('host 2 140 MB');
    expect(text.trim().endsWith('PASSED')).toBe(true);
  });

  it('aligns columns', () => {
    expect(
      columns([
        ['a', 'bb'],
        ['ccc', 'd'],
      ]),
    ).toBe('a    bb\nccc   d');
  });

  it('adds up the attack and the honest students over the classes, and keeps honest flags from the export without one', () => {
    const tally = (cheaters: number, unflagged: number, flagged: number) => ({
      tally: {
        cheaters,
        verifiedUnflagged: unflagged,
        flagged,
        refused: cheaters - unflagged - flagged,
        anyFlag: flagged,
        byFlag: { network_mismatch: flagged },
      },
      honest: { students: 45, flagged: 1, flaggedNextToCheater: 1, byFlag: { network_mismatch: 1 } },
      relays: [
        { attempts: 2, accepted: 1, passedBack: true },
        { attempts: 1, accepted: 0, passedBack: false },
      ],
    });
    const classes = [
      classResult({
        attack: { ...tally(5, 1, 3), catchRateExpected: 0.8, spotChecks: { drawn: 10, caught: 7, named: 30 } },
      }),
      classResult({
        classIndex: 1,
        attack: { ...tally(5, 0, 5), catchRateExpected: 0.6, spotChecks: { drawn: 10, caught: 6, named: 28 } },
      }),
    ];
    const report = buildReport(
      input(classes, { options: { attack: 'live-relay', cheaters: 0.1 }, attackRefusals: { EXPIRED: 2 } }),
    );
    expect(report.attack).toEqual({
      kind: 'live-relay',
      cheaters: 10,
      verifiedUnflagged: 1,
      flagged: 8,
      refused: 1,
      anyFlag: 8,
      byFlag: { network_mismatch: 8 },
      verifiedUnflaggedRate: 0.1,
      flaggedRate: 0.8,
      verifiedRate: 0.9,
      refusals: { EXPIRED: 2 },
      relays: { attempts: 6, accepted: 2, passedBack: 2 },
      spotCheck: { names: 5, expectedCatchRate: 0.7, drawn: 20, caught: 13, measuredCatchRate: 0.65 },
    });
    expect(report.honest).toEqual({
      students: 90,
      flagged: 2,
      flaggedNextToCheater: 2,
      rate: 0.0222,
      byFlag: { network_mismatch: 2 },
    });
    expect(SimReportSchema.parse(JSON.parse(JSON.stringify(report)))).toEqual(report);
    expect(presenceLines(report).join('\n')).toMatch(
      /attack live-relay: 10 cheaters — verified without a flag 1 \(10.0 %\)/,
    );

    const plain = buildReport(input([classResult()]));
    expect(plain.attack).toBeUndefined();
    expect(plain.honest).toEqual({
      students: 4,
      flagged: 2,
      flaggedNextToCheater: 0,
      rate: 0.5,
      byFlag: { too_fast: 2 },
    });
  });
});
