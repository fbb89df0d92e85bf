/**
 * Class benchmark (`npm run bench:class`): the fixed set of `npm run sim` runs, one after the other, each on a
 * fresh local host with embedded defaults, then their table written into BENCHMARKS.md (the section between the
 * bench:class markers, with date, machine and commands):
 * - a 500-student class at a 5 s median scan time, `auto` chains;
 * - a 1,000-student class, likewise;
 * - ten 100-student classes at once on one host.
 * Each with the SignalR emulator as a process of its own (`--signalr-process`): the host's memory is its own.
 * Options: `--only NAME[,NAME]` (500, 1000, ten), `--no-write` (print the section only). Exits 1 when a run failed
 * its checks or did not complete (the section is still written, so the failure is on record).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { renderClassBench, replaceSection, type BenchRun } from '../src/report/benchmarks-md';
import { SimReportSchema } from '../src/report/report';

const ROOT = join(__dirname, '..', '..');
const HEADING = '## Classes (bench:class)';

const RUNS = [
  {
    key: '500',
    name: '500 students, 5 s median scan, auto chains',
    args: ['--students', '500', '--scan-time', '5000', '--signalr-process'],
  },
  {
    key: '1000',
    name: '1,000 students, 5 s median scan, auto chains',
    args: ['--students', '1000', '--scan-time', '5000', '--signalr-process'],
  },
  {
    key: 'ten',
    name: 'ten classes of 100 at once, 5 s median scan',
    args: ['--classes', '10', '--students', '100', '--scan-time', '5000', '--signalr-process'],
  },
] as const;

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/** Runs `npm run sim -- args --json FILE` (as the sim entry, directly) and reads its report. */
async function simulate(args: readonly string[], file: string): Promise<{ code: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sim/src/main.ts', ...args, '--json', file], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code };
}

async function main(): Promise<number> {
  const only = option('only')?.split(',');
  const chosen = RUNS.filter((run) => !only || only.includes(run.key));
  const dir = mkdtempSync(join(tmpdir(), 'qrca-bench-class-'));
  const runs: BenchRun[] = [];
  let failed = false;
  try {
    for (const run of chosen) {
      console.error(`\n== ${run.name}`);
      const file = join(dir, `${run.key}.json`);
      const { code } = await simulate(run.args, file);
      if (code !== 0) failed = true;
      let report;
      try {
        report = SimReportSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
      } catch {
        console.error(`${run.name}: no report (exit ${code})`);
        continue;
      }
      runs.push({ name: run.name, command: `npm run sim -- ${run.args.join(' ')}`, report });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const section = renderClassBench(runs, {
    date: new Date(),
    note:
      'Times run from the teacher starting the entry chains to the last student in the room verified (set-up — sign-in, joining, connecting — is not counted). ' +
      'The SignalR emulator runs as a process of its own (`--signalr-process`), as Azure SignalR Service holds the phones’ connections outside the Functions host: the RSS column is the host’s alone.',
  });
  console.log(`\n${section}`);
  if (!process.argv.includes('--no-write') && runs.length > 0) {
    const file = join(ROOT, 'BENCHMARKS.md');
    // Formatted as `npm run lint` wants it (tables padded by Prettier).
    const updated = replaceSection(readFileSync(file, 'utf8'), section, HEADING);
    const options = (await prettier.resolveConfig(file)) ?? {};
    writeFileSync(file, await prettier.format(updated, { ...options, filepath: file }));
    console.error(`\nBENCHMARKS.md updated (${HEADING}).`);
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  },
);
