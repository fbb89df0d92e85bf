// `npm start`: builds what is stale (backend with incremental tsc, web when its sources changed), then runs the
// local host in this process so Ctrl-C reaches it directly.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(label, args, cwd = root) {
  const started = Date.now();
  const result = spawnSync(process.execPath, args, { cwd, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`[start] ${label} failed.`);
    process.exit(result.status ?? 1);
  }
  return Date.now() - started;
}

/** Newest modification time under the given files and directories. */
function newest(paths) {
  let latest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) {
      for (const entry of readdirSync(path)) if (entry !== 'node_modules' && entry !== 'dist') visit(join(path, entry));
    } else latest = Math.max(latest, stat.mtimeMs);
  };
  paths.forEach(visit);
  return latest;
}

run('backend build', [join(root, 'node_modules/typescript/bin/tsc'), '-b', 'backend']);

const webIndex = join(root, 'web/dist/index.html');
const webSources = [
  'web/src',
  'web/public',
  'web/index.html',
  'web/vite.config.ts',
  'web/package.json',
  'contract/src',
];
if (!existsSync(webIndex) || newest(webSources.map((p) => join(root, p))) > statSync(webIndex).mtimeMs) {
  console.log('[start] building the web app…');
  run('web build', [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], join(root, 'web'));
}

await import(pathToFileURL(join(root, 'backend/dist/local/main.js')).href);
