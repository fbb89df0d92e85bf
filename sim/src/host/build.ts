/**
 * Builds what a host started by the simulator runs, as `npm start` does (scripts/start.mjs): the backend with
 * incremental `tsc -b` (also the contract and the emulator it references), and for --demo the web app when its
 * sources are newer than its build (the e2e tier builds it the same way).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The repository root (sim/src/host → three levels up). */
export const ROOT = join(__dirname, '..', '..', '..');

function run(label: string, args: readonly string[], cwd = ROOT, env: NodeJS.ProcessEnv = {}): void {
  const result = spawnSync(process.execPath, [...args], {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`${label} failed (exit ${result.status ?? result.signal})`);
}

/** Newest modification time under the given files and directories (node_modules and dist left out). */
function newest(paths: readonly string[]): number {
  let latest = 0;
  const visit = (path: string) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules' && entry !== 'dist') visit(join(path, entry));
    } else latest = Math.max(latest, stat.mtimeMs);
  };
  paths.forEach(visit);
  return latest;
}

/** `tsc -b backend` (quick when nothing changed). @throws Error when the build fails. */
export function buildBackend(): void {
  run('backend build', [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'backend']);
}

/** The built web app (`web/dist`), as the local host serves it. */
export const WEB_DIST = join(ROOT, 'web/dist');
/** What the web build is made from (the same list as `npm start`'s staleness check, scripts/start.mjs). */
const WEB_SOURCES = [
  'web/src',
  'web/public',
  'web/index.html',
  'web/vite.config.ts',
  'web/package.json',
  'contract/src',
];

/**
 * Builds the web app into `web/dist` when it is missing or older than its sources — the production build whatever
 * the runner set (vitest sets NODE_ENV=test, which would bundle React's development build). Says whether it built.
 * @throws Error when the build fails.
 */
export function buildWebIfStale(log: (line: string) => void): boolean {
  const index = join(WEB_DIST, 'index.html');
  if (existsSync(index) && newest(WEB_SOURCES.map((p) => join(ROOT, p))) <= statSync(index).mtimeMs) return false;
  log('building the web app…');
  run('web build', [join(ROOT, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], join(ROOT, 'web'), {
    NODE_ENV: 'production',
  });
  return true;
}
