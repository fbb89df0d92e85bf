/** The report as text for a terminal: a few aligned tables and the verdict. Pure. */
import type { SimReport } from './report';

const sec = (ms: number | null) => (ms === null ? '–' : `${(ms / 1000).toFixed(1)} s`);
const num = (n: number | null) => (n === null ? '–' : String(n));

/** Aligns rows of cells into columns (the first left, the others right). */
export function columns(rows: readonly (readonly string[])[]): string {
  const widths = rows.reduce<number[]>((w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)), []);
  return rows
    .map((row) =>
      row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('  '),
    )
    .map((line) => line.trimEnd())
    .join('\n');
}

/** The report's text form. Throws nothing. */
export function renderReport(r: SimReport): string {
  const out: string[] = [];
  out.push(`QR Chain Attendance — classroom simulation (${r.target}), seed ${r.seed}`);
  out.push(
    `${r.machine.cpus} × ${r.machine.cpuModel}, ${r.machine.memoryGb} GB, ${r.machine.os}, Node ${r.machine.node}`,
  );
  out.push('');
  out.push(
    columns([
      [
        'students',
        'present',
        'verified',
        'chains',
        'to 50 %',
        'to 90 %',
        'to 100 %',
        'exit to 100 %',
        'handoffs',
        'ends',
        'stalls',
        'reseeds',
      ],
      [
        String(r.students),
        String(r.present),
        String(r.verified),
        String(r.chains),
        sec(r.timeTo50Ms),
        sec(r.timeTo90Ms),
        sec(r.timeTo100Ms),
        sec(r.exitTimeTo100Ms),
        String(r.handoffs),
        `${r.chainEnds}+${r.exitCodeEnds}+${r.teacherCloses}`,
        String(r.stalls),
        String(r.reseeds),
      ],
    ]),
  );
  if (r.classes.length > 1) {
    out.push('');
    out.push(
      columns([
        ['class', 'students', 'verified', 'to 50 %', 'to 90 %', 'to 100 %', 'scan p95', 'export'],
        ...r.classes.map((c) => [
          String(c.class),
          String(c.students),
          String(c.verified),
          sec(c.timeTo50Ms),
          sec(c.timeTo90Ms),
          sec(c.timeTo100Ms),
          c.scanP95Ms === null ? '–' : `${c.scanP95Ms} ms`,
          c.exportMatches ? 'matches' : 'DIFFERS',
        ]),
      ]),
    );
  }
  out.push('');
  out.push(
    columns([
      ['endpoint', 'calls', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
      ...Object.entries(r.latency).map(([route, s]) => [
        route,
        String(s.count),
        num(s.p50),
        num(s.p95),
        num(s.p99),
        num(s.max),
      ]),
    ]),
  );
  out.push('');
  const refusals = Object.entries(r.refusals).map(([code, n]) => `${code} ${n}`);
  out.push(
    `scans/s: peak ${r.scansPerSecond.peak}, mean ${r.scansPerSecond.mean}; refusals: ${refusals.join(', ') || 'none'}`,
  );
  out.push(
    `real time (answer → teacher's dashboard): p50 ${num(r.realtime.p50)} ms, p95 ${num(r.realtime.p95)} ms, ` +
      `p99 ${num(r.realtime.p99)} ms over ${r.realtime.count}, lost ${r.realtime.lost}`,
  );
  if (r.realtimeByInstance.length > 1) {
    for (const i of r.realtimeByInstance) {
      out.push(
        `  instance ${i.instance} (${i.url}): ${i.scans} scans; real time p50 ${num(i.p50)} ms, p95 ${num(i.p95)} ms over ${i.count}, lost ${i.lost}`,
      );
    }
  }
  out.push(
    `peak memory: ${r.processes.map((p) => `${p.name} ${p.rssPeakMb} MB`).join(', ') || 'not measured (a deployment the simulator did not start)'}`,
  );
  const flags = Object.entries(r.flags).map(([flag, n]) => `${flag} ${n}`);
  out.push(`flags in the export: ${flags.join(', ') || 'none'}`);
  const e = r.exactness;
  out.push(
    `export matches the simulated truth: ${r.exportMatches ? 'yes' : 'NO'}; ` +
      `insights match it: ${r.insightsMismatches.length === 0 ? 'yes' : 'NO'}; batons with two winners: ${e.batonsWithTwoWinners}; ` +
      `verified twice: ${e.doubleVerifications}; accepted chain scans ${e.acceptedChainScans} (seen ${e.observedChainScans}); ` +
      `chain lengths ${e.chainLengths} (chain verifications seen ${e.chainVerificationsSeen})`,
  );
  for (const m of r.exportMismatches.slice(0, 10)) out.push(`  ${m}`);
  out.push(...presenceLines(r));
  out.push(`set-up ${sec(r.setupMs)}, class ${sec(r.runMs)}`);
  out.push('');
  out.push(r.passed ? 'PASSED' : `FAILED:\n${r.failures.map((f) => `  - ${f}`).join('\n')}`);
  return out.join('\n');
}

const pct = (share: number | null) => (share === null ? '–' : `${(share * 100).toFixed(1)} %`);
const counts = (record: Readonly<Record<string, number>>) =>
  Object.entries(record)
    .map(([key, n]) => `${key} ${n}`)
    .join(', ') || 'none';

/** The honest students' flags and, with --attack, what the server made of the cheaters. Throws nothing. */
export function presenceLines(r: SimReport): string[] {
  const h = r.honest;
  const out = [
    `honest students flagged: ${h.flagged} of ${h.students} (${pct(h.rate)})` +
      (r.attack ? `, ${h.flaggedNextToCheater} only next to a cheater` : '') +
      `; by flag: ${counts(h.byFlag)}`,
  ];
  const a = r.attack;
  if (!a) return out;
  const spot = a.spotCheck;
  out.push(
    `attack ${a.kind}: ${a.cheaters} cheaters — verified without a flag ${a.verifiedUnflagged} (${pct(a.verifiedUnflaggedRate)}), ` +
      `verified with a flag ${a.flagged}, not verified ${a.refused}; flagged ${a.anyFlag} (${pct(a.flaggedRate)}); by flag: ${counts(a.byFlag)}`,
    `  relays: ${a.relays.attempts} tried, ${a.relays.accepted} accepted, ${a.relays.passedBack} batons passed back; ` +
      `refusals: ${counts(a.refusals)}`,
    `  a ${spot.names}-name spot check names a verified cheater: expected ${pct(spot.expectedCatchRate)}` +
      (spot.drawn > 0 ? `, drawn by the server ${spot.caught} of ${spot.drawn} (${pct(spot.measuredCatchRate)})` : '') +
      (spot.note ? ` (server spot checks: ${spot.note})` : ''),
  );
  return out;
}
