// `npm start`'s entry as a real process: starts on embedded defaults, serves health, and Ctrl-C (SIGINT)
// exits 0 within 5 s with the store closed cleanly; bad configuration refuses to start, listing every key.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteTableStore } from '../adapters/sqlite/sqlite-table-store';

const ENTRY = join(__dirname, 'main.ts');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function launch(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no URL printed within 20 s:\n${output}`)), 20_000);
    child.stdout.on('data', () => {
      const match = /running at (http:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => reject(new Error(`exited ${code} before listening:\n${output}`)));
  });
  url.catch(() => undefined); // a run that is meant to fail never prints a URL
  return { child, url, exited, output: () => output };
}

describe('local host process', () => {
  it('serves health on embedded defaults and exits 0 within 5 s of SIGINT', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'qrca-main-'));
    dirs.push(dataDir);
    const run = launch({ PORT: '0', DATA_DIR: dataDir });
    const url = await run.url;
    const health = (await (await fetch(`${url}/api/health`)).json()) as {
      status: string;
      checks: Record<string, { kind: string }>;
    };
    expect(health.status).toBe('ok');
    expect(health.checks.store?.kind).toBe('sqlite');
    expect(health.checks.cache?.kind).toBe('memory');

    const signalled = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);
    // The store was closed cleanly: it reopens and works.
    const store = openSqliteTableStore({ file: join(dataDir, 'attendance.sqlite') });
    await store.ping();
    await store.close();
  });

  it('refuses to start on bad settings and names every bad key', async () => {
    const run = launch({ PORT: 'abc', REDIS_URL: 'http://x', NODE_ENV: 'production' });
    expect(await run.exited).toBe(1);
    for (const key of ['PORT', 'REDIS_URL', 'JWT_SECRET', 'PUBLIC_URL']) expect(run.output()).toContain(key);
  });
});
