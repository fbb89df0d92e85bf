/**
 * Presence-proof benchmark (`npm run bench:presence`): the simulator's cheating scenarios, one after the other,
 * each on a fresh local host, then their table written into BENCHMARKS.md (the section between the bench:presence
 * markers, with date, machine, commands and PRODUCT §5's targets):
 * - each `--attack` kind in a class of 100 with 10 % cheaters;
 * - the honest students' flags in a 500-student class (no attack).
 * Options: `--only NAME[,NAME]` (the kinds, and `honest`), `--no-write` (print the section only). Exits 1 when a
 * run failed its checks or did not complete (the section is still written, so the failure is on record); a target
 * not met is in the table, not in the exit code.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as prettier from 'prettier';
import { PRESENCE_MARKERS, renderPresenceBench, replaceSection, type BenchRun } from '../src/report/benchmarks-md';
import { SimReportSchema } from '../src/report/report';

const ROOT = join(__dirname, '..', '..');
const HEADING = '## Presence proof (bench:presence)';

const attack = (kind: string) => ({
  key: kind,
  name: `${kind}, 100 students, 10 % cheaters`,
  args: ['--attack', kind, '--cheaters', '0.1', '--students', '100', '--scan-time', '5000'],
});

const RUNS = [
  attack('screenshot-relay'),
  attack('live-relay'),
  attack('shared-device'),
  attack('off-network'),
  attack('proxy-phone'),
  {
    key: 'honest',
    name: 'honest class of 500, no attack',
    args: ['--students', '500', '--scan-time', '5000', '--signalr-process'],
  },
] as const;

function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

/** Runs `npm run sim -- args --json FILE` (as the sim entry, directly). */
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
  const dir = mkdtempSync(join(tmpdir(), 'qrca-bench-presence-'));
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
  const section = renderPresenceBench(runs, {
    date: new Date(),
    note:
      'A cheater is a student of the roster who stays at home (relays, off-network) or is in the room only as a phone (shared device, proxy phone); ' +
      '“verified” is a row checked in on entry once the teacher has closed the chains, “flagged” a row with any flag; ' +
      'the hall reaches the server from 4 /24s of a campus block (198.18.0.0/16) through NAT, the hosts run with `FLAG_NETWORK_IPV4_PREFIX=16` (the campus block, as docs/operations.md advises), homes from 198.19.j.0/24. ' +
      'The spot-check catch rate is the chance that one check of 5 names names a verified cheater: expected from the rows’ flags and the weighting (1 + 4 per distinct flag), and drawn by the server when it has spot checks.',
  });
  console.log(`\n${section}`);
  if (!process.argv.includes('--no-write') && runs.length > 0) {
    const file = join(ROOT, 'BENCHMARKS.md');
    const updated = replaceSection(readFileSync(file, 'utf8'), section, HEADING, PRESENCE_MARKERS);
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
