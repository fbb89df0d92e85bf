/**
 * The class benchmark's and the presence benchmark's sections of BENCHMARKS.md: a Markdown table of the fixed runs (date, machine, command, the
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

/** The machine the runs were made on, from the first run's report ("unknown" without runs). */
function machineOf(runs: readonly BenchRun[]): string {
  const m = runs[0]?.report.machine;
  return m ? `${m.cpus} vCPUs (${m.cpuModel}), ${m.memoryGb} GiB RAM, ${m.os}, Node ${m.node}` : 'unknown';
}

const sec = (ms: number | null) => (ms === null ? '–' : (ms / 1000).toFixed(1));
const ms = (v: number | null) => (v === null ? '–' : String(Math.round(v * 10) / 10));

/** The section (markers included). Throws nothing. */
export function renderClassBench(
  runs: readonly BenchRun[],
  meta: { readonly date: Date; readonly note: string },
): string {
  const machine = machineOf(runs);
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
 * `markdown` with the section between `markers` (default the class benchmark's) replaced, or appended under
 * `heading` when it has none yet. Throws nothing.
 */
export function replaceSection(
  markdown: string,
  section: string,
  heading: string,
  markers: { readonly start: string; readonly end: string } = { start: SECTION_START, end: SECTION_END },
): string {
  const start = markdown.indexOf(markers.start);
  const end = markdown.indexOf(markers.end);
  if (start >= 0 && end > start) return markdown.slice(0, start) + section + markdown.slice(end + markers.end.length);
  return `${markdown.trimEnd()}\n\n${heading}\n\n${section}\n`;
}

// --- Presence proof (bench:presence) ----------------------------------------------------------------------------

export const PRESENCE_MARKERS = { start: '<!-- bench:presence:start -->', end: '<!-- bench:presence:end -->' } as const;

/** PRODUCT §5's target for a scenario (none for the proxy phone: the spot check is its defence). */
export interface PresenceTarget {
  readonly text: string;
  readonly met: (report: SimReport) => boolean | null;
}

const HONEST_TARGET: PresenceTarget = {
  text: 'honest flagged ≤ 0.5 %',
  met: (r) => (r.honest.rate === null ? null : r.honest.rate <= 0.005),
};

/** The target a run is held to: by its attack, or the honest rate for a class without one. Throws nothing. */
export function presenceTarget(report: SimReport): PresenceTarget {
  const a = report.attack;
  switch (a?.kind) {
    case undefined:
      return HONEST_TARGET;
    case 'screenshot-relay':
      return { text: 'verified without a flag 0 %', met: () => a.cheaters > 0 && a.verifiedUnflagged === 0 };
    case 'off-network':
      return { text: 'verified 0 %', met: () => a.cheaters > 0 && a.verifiedUnflagged + a.flagged === 0 };
    case 'shared-device':
      return { text: 'flagged 100 %', met: () => a.cheaters > 0 && a.anyFlag === a.cheaters };
    case 'live-relay':
      // Every cheater counts, checked in or not: a relay that lost the baton still tried, and its row says so.
      return { text: 'flagged ≥ 90 %', met: () => a.cheaters > 0 && a.anyFlag / a.cheaters >= 0.9 };
    default:
      return { text: '– (the spot check is the defence)', met: () => null };
  }
}

const percent = (share: number | null) => (share === null ? '–' : `${(share * 100).toFixed(1)} %`);
const of = (n: number, whole: number) => `${n} (${percent(whole === 0 ? null : n / whole)})`;

/** The presence-proof section (markers included). Throws nothing. */
export function renderPresenceBench(
  runs: readonly BenchRun[],
  meta: { readonly date: Date; readonly note: string },
): string {
  const machine = machineOf(runs);
  const lines = [
    PRESENCE_MARKERS.start,
    '',
    `Command: \`npm run bench:presence\` (runs \`node --import tsx sim/bench/presence.bench.ts\`: each run below is \`npm run sim\``,
    `with the options shown, one after the other, each on a fresh local host). Run on ${meta.date.toISOString().slice(0, 10)},`,
    `${machine}; one run each. ${meta.note}`,
    '',
    '| scenario | cheaters | verified, no flag | verified, flagged | not verified | flagged (any) | spot check of 5 names catches (expected / drawn) | honest flagged | target | met |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | :---: |',
  ];
  for (const { name, report: r } of runs) {
    const a = r.attack;
    const target = presenceTarget(r);
    const met = target.met(r);
    const spot = a
      ? `${percent(a.spotCheck.expectedCatchRate)} / ${a.spotCheck.drawn > 0 ? `${percent(a.spotCheck.measuredCatchRate)} of ${a.spotCheck.drawn}` : '–'}`
      : '–';
    lines.push(
      `| ${name} | ${a ? a.cheaters : 0} | ${a ? of(a.verifiedUnflagged, a.cheaters) : '–'} | ${a ? of(a.flagged, a.cheaters) : '–'} | ` +
        `${a ? of(a.refused, a.cheaters) : '–'} | ${a ? of(a.anyFlag, a.cheaters) : '–'} | ${spot} | ` +
        `${r.honest.flagged} of ${r.honest.students} (${percent(r.honest.rate)}) | ${target.text} | ${met === null ? '–' : met ? 'yes' : '**no**'} |`,
    );
  }
  lines.push('');
  lines.push('Flags by kind (cheaters; honest students):');
  lines.push('');
  const kinds = (record: Readonly<Record<string, number>>) =>
    Object.entries(record)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ') || 'none';
  for (const { name, report: r } of runs) {
    const refusals = r.attack ? `; cheaters' refusals: ${kinds(r.attack.refusals)}` : '';
    lines.push(
      `- ${name}: ${r.attack ? kinds(r.attack.byFlag) : '–'}; ${kinds(r.honest.byFlag)}${refusals}` +
        (r.attack?.spotCheck.note ? `; server spot checks: ${r.attack.spotCheck.note}` : ''),
    );
  }
  lines.push('');
  lines.push('Commands:');
  lines.push('');
  for (const run of runs) lines.push(`- ${run.name}: \`${run.command}\``);
  lines.push('');
  lines.push(PRESENCE_MARKERS.end);
  return lines.join('\n');
}
