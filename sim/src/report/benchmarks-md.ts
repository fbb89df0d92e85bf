/**
 * The class benchmark's section of BENCHMARKS.md: a Markdown table of the fixed runs (date, machine, command, the
 * figures) between two markers, replaced on every run so the file keeps one current section. Pure.
 */
import type { SimReport } from './report';

export const SECTION_START = '<!-- bench:class:start -->';
export const SECTION_END = '<!-- bench:class:end -->';

export interface BenchRun {
  readonly name: string;
  /** The command that produced it, as a person would type it. */
  readonly command: string;
  readonly report: SimReport;
}

const sec = (ms: number | null) => (ms === null ? '–' : (ms / 1000).toFixed(1));
const ms = (v: number | null) => (v === null ? '–' : String(Math.round(v * 10) / 10));

/** The section (markers included). Throws nothing. */
export function renderClassBench(
  runs: readonly BenchRun[],
  meta: { readonly date: Date; readonly note: string },
): string {
  const first = runs[0]?.report;
  const machine = first
    ? `${first.machine.cpus} vCPUs (${first.machine.cpuModel}), ${first.machine.memoryGb} GiB RAM, ${first.machine.os}, Node ${first.machine.node}`
    : 'unknown';
  const lines = [
    SECTION_START,
    '',
    `Command: \`npm run bench:class\` (runs \`node --import tsx sim/bench/class.bench.ts\`: each run below is \`npm run sim\` with`,
    `the options shown, one after the other, each on a fresh local host). Run on ${meta.date.toISOString().slice(0, 10)},`,
    `${machine}; one run each (no median). ${meta.note}`,
    '',
    '| run | classes × students | chains | to 50 % s | to 90 % s | to 100 % s | scan p50 / p95 / p99 ms | scans/s peak / mean | dashboard p50 / p95 ms | host RSS peak MB | BATON_TAKEN | other refusals | export = truth |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | :---: |',
  ];
  for (const { name, report: r } of runs) {
    const scan = r.latency.scansCreate;
    const classes = r.classes.length;
    const other = Object.entries(r.refusals)
      .filter(([code]) => code !== 'BATON_TAKEN')
      .map(([code, n]) => `${code} ${n}`);
    lines.push(
      `| ${name} | ${classes} × ${r.students / classes} | ${r.chains} | ${sec(r.timeTo50Ms)} | ${sec(r.timeTo90Ms)} | ${sec(r.timeTo100Ms)} | ` +
        `${ms(scan?.p50 ?? null)} / ${ms(scan?.p95 ?? null)} / ${ms(scan?.p99 ?? null)} | ${r.scansPerSecond.peak} / ${r.scansPerSecond.mean} | ` +
        `${ms(r.realtime.p50)} / ${ms(r.realtime.p95)} | ${r.rssPeakMb ?? '–'} | ${r.refusals.BATON_TAKEN ?? 0} | ${other.join(', ') || '0'} | ` +
        `${r.exportMatches ? 'yes' : '**no**'} |`,
    );
  }
  lines.push('');
  lines.push('Commands:');
  lines.push('');
  for (const run of runs) lines.push(`- ${run.name}: \`${run.command}\``);
  const multi = runs.find((r) => r.report.classes.length > 1);
  if (multi) {
    lines.push('');
    lines.push(`${multi.name}, class by class (all on one host at once):`);
    lines.push('');
    lines.push('| class | students | verified | to 50 % s | to 90 % s | to 100 % s | scan p95 ms |');
    lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
    for (const c of multi.report.classes) {
      lines.push(
        `| ${c.class} | ${c.students} | ${c.verified} | ${sec(c.timeTo50Ms)} | ${sec(c.timeTo90Ms)} | ${sec(c.timeTo100Ms)} | ${ms(c.scanP95Ms)} |`,
      );
    }
  }
  lines.push('');
  lines.push(SECTION_END);
  return lines.join('\n');
}

/**
 * `markdown` with the section replaced, or appended under `heading` when it has none yet. Throws nothing.
 */
export function replaceSection(markdown: string, section: string, heading: string): string {
  const start = markdown.indexOf(SECTION_START);
  const end = markdown.indexOf(SECTION_END);
  if (start >= 0 && end > start) return markdown.slice(0, start) + section + markdown.slice(end + SECTION_END.length);
  return `${markdown.trimEnd()}\n\n${heading}\n\n${section}\n`;
}
