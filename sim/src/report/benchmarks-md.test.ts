import { describe, expect, it } from 'vitest';
import {
  PRESENCE_MARKERS,
  presenceTarget,
  renderClassBench,
  renderPresenceBench,
  replaceSection,
  SECTION_END,
  SECTION_START,
} from './benchmarks-md';
import type { SimReport } from './report';

const report = (overrides: Partial<SimReport> = {}): SimReport =>
  ({
    machine: { cpus: 2, cpuModel: 'AMD EPYC', memoryGb: 23, os: 'Linux 6', node: 'v20.20.2' },
    students: 500,
    chains: 42,
    timeTo50Ms: 30_000,
    timeTo90Ms: 70_000,
    timeTo100Ms: 98_400,
    latency: { scansCreate: { count: 600, p50: 5.4, p95: 16.5, p99: 28.3, max: 40 } },
    scansPerSecond: { peak: 12, mean: 5.1 },
    realtime: { count: 500, p50: 4, p95: 17, p99: 40, max: 60, lost: 0 },
    rssPeakMb: 180,
    refusals: { BATON_TAKEN: 9 },
    exportMatches: true,
    classes: [
      {
        class: 1,
        students: 500,
        verified: 500,
        timeTo50Ms: 30_000,
        timeTo90Ms: 70_000,
        timeTo100Ms: 98_400,
        scanP95Ms: 16.5,
      },
    ],
    ...overrides,
  }) as SimReport;

describe('renderClassBench', () => {
  it('tabulates each run with its command, and the classes of a multi-class run', () => {
    const ten = report({
      students: 1_000,
      refusals: { BATON_TAKEN: 3, RATE_LIMITED: 1 },
      exportMatches: false,
      classes: [1, 2].map((c) => ({
        class: c,
        students: 500,
        verified: 500,
        timeTo50Ms: 1_000,
        timeTo90Ms: 2_000,
        timeTo100Ms: null,
        scanP95Ms: 9,
      })) as SimReport['classes'],
    });
    const text = renderClassBench(
      [
        { name: '500 students', command: 'npm run sim -- --students 500', report: report() },
        { name: 'two classes', command: 'npm run sim -- --classes 2', report: ten },
      ],
      { date: new Date(Date.UTC(2026, 10, 29)), note: 'A note.' },
    );
    expect(text.startsWith(SECTION_START)).toBe(true);
    expect(text.endsWith(SECTION_END)).toBe(true);
    expect(text).toContain(
      'Run on 2026-11-29,\n2 vCPUs (AMD EPYC), 23 GiB RAM, Linux 6, Node v20.20.2; one run each (no median). A note.',
    );
    expect(text).toContain(
      '| 500 students | 1 × 500 | 42 | 30.0 | 70.0 | 98.4 | 5.4 / 16.5 / 28.3 | 12 / 5.1 | 4 / 17 | 180 | 9 | 0 | yes |',
    );
    expect(text).toContain('| two classes | 2 × 500 | 42 | 30.0 | 70.0 | 98.4 |');
    expect(text).toContain('| 3 | RATE_LIMITED 1 | **no** |');
    expect(text).toContain('- two classes: `npm run sim -- --classes 2`');
    expect(text).toContain('| 2 | 500 | 500 | 1.0 | 2.0 | – | 9 |');
  });
});

describe('replaceSection', () => {
  it('appends under a heading the first time, then replaces only between the markers', () => {
    const first = replaceSection('# Benchmarks\n\nOther.\n', `${SECTION_START}\nA\n${SECTION_END}`, '## Classes');
    expect(first).toBe(`# Benchmarks\n\nOther.\n\n## Classes\n\n${SECTION_START}\nA\n${SECTION_END}\n`);
    const edited = first.replace('## Classes\n', '## Classes\n\nProse kept.\n');
    const second = replaceSection(edited, `${SECTION_START}\nB\n${SECTION_END}`, '## Classes');
    expect(second).toBe(`# Benchmarks\n\nOther.\n\n## Classes\n\nProse kept.\n\n${SECTION_START}\nB\n${SECTION_END}\n`);
  });
});

const honest = { students: 90, flagged: 1, flaggedNextToCheater: 1, rate: 0.0111, byFlag: { network_mismatch: 1 } };
const attack = (overrides: Partial<NonNullable<SimReport['attack']>> = {}): NonNullable<SimReport['attack']> => ({
  kind: 'live-relay',
  cheaters: 10,
  verifiedUnflagged: 1,
  flagged: 8,
  refused: 1,
  anyFlag: 9,
  byFlag: { network_mismatch: 9 },
  verifiedUnflaggedRate: 0.1,
  flaggedRate: 0.9,
  verifiedRate: 0.9,
  refusals: { EXPIRED: 2 },
  relays: { attempts: 12, accepted: 9, passedBack: 7 },
  spotCheck: { names: 5, expectedCatchRate: 0.8123, drawn: 0, caught: 0, measuredCatchRate: null },
  ...overrides,
});

describe('presence bench', () => {
  it('holds each scenario to its target', () => {
    // Live relay: the flagged share of every cheater, checked in or not (8 of 10 is too few).
    const caught = report({ attack: attack({ verifiedUnflagged: 0, refused: 1, anyFlag: 9 }), honest });
    expect(presenceTarget(caught).text).toBe('flagged ≥ 90 %');
    expect(presenceTarget(caught).met(caught)).toBe(true);
    const keptOutUnflagged = report({
      attack: attack({ verifiedUnflagged: 0, refused: 2, anyFlag: 8, flaggedRate: 0.8 }),
      honest,
    });
    expect(presenceTarget(keptOutUnflagged).met(keptOutUnflagged)).toBe(false);
    const weak = report({ attack: attack({ verifiedUnflagged: 2, flagged: 7, anyFlag: 7 }), honest });
    expect(presenceTarget(weak).met(weak)).toBe(false);
    const photo = report({ attack: attack({ kind: 'screenshot-relay' }), honest });
    expect(presenceTarget(photo).text).toBe('verified without a flag 0 %');
    expect(presenceTarget(photo).met(photo)).toBe(false);
    const offNet = report({
      attack: attack({ kind: 'off-network', verifiedUnflagged: 0, flagged: 0, refused: 10 }),
      honest,
    });
    expect(presenceTarget(offNet).met(offNet)).toBe(true);
    const proxy = report({ attack: attack({ kind: 'proxy-phone' }), honest });
    expect(presenceTarget(proxy).met(proxy)).toBeNull();
    const plain = report({ honest: { ...honest, students: 500, flagged: 2, rate: 0.004 } });
    expect(presenceTarget(plain).met(plain)).toBe(true);
  });

  it('renders one row per run between its own markers, which replaceSection keeps apart from the class table', () => {
    const section = renderPresenceBench(
      [
        {
          name: 'live-relay, 100 students',
          command: 'npm run sim -- --attack live-relay',
          report: report({ attack: attack({ flagged: 7, refused: 2, anyFlag: 8 }), honest }),
        },
        {
          name: 'honest 500',
          command: 'npm run sim -- --students 500',
          report: report({ honest: { ...honest, students: 500, flagged: 0, rate: 0 } }),
        },
      ],
      { date: new Date('2026-11-29T11:00:00Z'), note: 'Note.' },
    );
    expect(section.startsWith(PRESENCE_MARKERS.start)).toBe(true);
    expect(section.endsWith(PRESENCE_MARKERS.end)).toBe(true);
    expect(section).toContain(
      '| live-relay, 100 students | 10 | 1 (10.0 %) | 7 (70.0 %) | 2 (20.0 %) | 8 (80.0 %) | 81.2 % / – | 1 of 90 (1.1 %) | flagged ≥ 90 % | **no** |',
    );
    expect(section).toContain(
      '| honest 500 | 0 | – | – | – | – | – | 0 of 500 (0.0 %) | honest flagged ≤ 0.5 % | yes |',
    );
    const doc = `# B\n\n${SECTION_START}\nclass\n${SECTION_END}\n`;
    const once = replaceSection(doc, section, '## Presence proof', PRESENCE_MARKERS);
    expect(once).toContain(`${SECTION_START}\nclass\n${SECTION_END}`);
    expect(once).toContain('## Presence proof');
    expect(replaceSection(once, section, '## Presence proof', PRESENCE_MARKERS)).toBe(once);
  });
});
