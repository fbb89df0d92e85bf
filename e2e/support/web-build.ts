/** The built web app the e2e host serves: `web/dist`, rebuilt when older than its sources. */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
export const webRoot = join(root, 'web/dist');

/** What the web build is made from (the same list as `npm start`'s staleness check). */
const WEB_SOURCES = [
  'web/src',
  'web/public',
  'web/index.html',
  'web/vite.config.ts',
  'web/package.json',
  'contract/src',
];

function newestChange(path: string): number {
  if (!existsSync(path)) return 0;
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    0,
    ...readdirSync(path)
      .filter((entry) => entry !== 'node_modules' && entry !== 'dist')
      .map((entry) => newestChange(join(path, entry))),
  );
}

/**
 * Builds the web app into `web/dist` when it is missing or older than its sources.
 * @throws Error when the build fails.
 */
export function ensureWebBuild(): void {
  const index = join(webRoot, 'index.html');
  const sources = Math.max(...WEB_SOURCES.map((path) => newestChange(join(root, path))));
  if (existsSync(index) && statSync(index).mtimeMs >= sources) return;
  const started = Date.now();
  const vite = join(root, 'node_modules/vite/bin/vite.js');
  const built = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
    cwd: join(root, 'web'),
    // The production build whatever the runner set (vitest sets NODE_ENV=test, which would bundle React's dev build).
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error(`web build failed (exit ${built.status ?? built.signal})`);
  console.warn(`[e2e] built the web app in ${Date.now() - started} ms`);
}
