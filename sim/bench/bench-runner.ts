/**
 * What the simulator's benchmarks share: run a fixed set of `npm run sim` runs one after the other (each on a fresh
 * local host), read their JSON reports, render a section and write it into BENCHMARKS.md between its markers
 * (formatted as `npm run lint` wants it). Options of every bench script: `--only KEY[,KEY]`, `--no-write`.
 * Exit code 1 when a run failed its checks or left no report (the section is still written, so it is on record).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { replaceSection, type BenchRun } from '../src/report/benchmarks-md';
import { SimReportSchema } from '../src/report/report';

const ROOT = join(__dirname, '..', '..');

/** One run of the set: `key` for `--only`, `name` in the table, `args` after `npm run sim --`. */
export interface BenchSpec {
  readonly key: string;
  readonly name: string;
  readonly args: readonly string[];
}

export interface BenchDefinition {
  readonly runs: readonly BenchSpec[];
  /** The heading the section goes under when BENCHMARKS.md has none yet. */
  readonly heading: string;
  readonly markers?: { readonly start: string; readonly end: string };
  /** Prefix of the temp directory holding the reports. */
  readonly tmpPrefix: string;
  readonly render: (runs: readonly BenchRun[], meta: { date: Date; note: string }) => string;
  readonly note: string;
}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/** Runs `npm run sim -- args --json FILE` (as the sim entry, directly); resolves with its exit code. */
async function simulate(args: readonly string[], file: string): Promise<number | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'sim/src/main.ts', ...args, '--json', file], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return new Promise<number | null>((resolve) => child.once('exit', resolve));
}

async function runBench(bench: BenchDefinition): Promise<number> {
  const only = option('only')?.split(',');
  const chosen = bench.runs.filter((run) => !only || only.includes(run.key));
  const dir = mkdtempSync(join(tmpdir(), bench.tmpPrefix));
  const runs: BenchRun[] = [];
  let failed = false;
  try {
    for (const run of chosen) {
      console.error(`\n== ${run.name}`);
      const file = join(dir, `${run.key}.json`);
      const code = await simulate(run.args, file);
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
  const section = bench.render(runs, { date: new Date(), note: bench.note });
  console.log(`\n${section}`);
  if (!process.argv.includes('--no-write') && runs.length > 0) {
    const file = join(ROOT, 'BENCHMARKS.md');
    const updated = replaceSection(readFileSync(file, 'utf8'), section, bench.heading, bench.markers);
    const options = (await prettier.resolveConfig(file)) ?? {};
    writeFileSync(file, await prettier.format(updated, { ...options, filepath: file }));
    console.error(`\nBENCHMARKS.md updated (${bench.heading}).`);
  }
  return failed ? 1 : 0;
}

/** Runs `bench` as the script's main and sets the exit code. */
export function main(bench: BenchDefinition): void {
  runBench(bench).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
