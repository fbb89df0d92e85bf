import { describe, expect, it } from 'vitest';
import { renderClassBench, replaceSection, SECTION_END, SECTION_START } from './benchmarks-md';
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
