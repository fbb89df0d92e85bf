// Runs before `npm start` and `npm test`: installs dependencies when node_modules is missing or older than
// package-lock.json, so both commands work on a fresh clone. Uses Node built-ins only.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const lock = join(root, 'package-lock.json');
const marker = join(root, 'node_modules', '.package-lock.json');

const fresh = !existsSync(marker);
const stale = !fresh && statSync(lock).mtimeMs > statSync(marker).mtimeMs;
if (fresh || stale) {
  const command = fresh ? 'ci' : 'install';
  console.log(`[setup] ${fresh ? 'installing' : 'updating'} dependencies (npm ${command})…`);
  const npm = process.env.npm_execpath;
  const args = [command, '--no-audit', '--no-fund'];
  const result = npm?.endsWith('.js')
    ? spawnSync(process.execPath, [npm, ...args], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    console.error(`[setup] npm ${command} failed (exit ${result.status ?? result.signal}).`);
    process.exit(result.status ?? 1);
  }
}
