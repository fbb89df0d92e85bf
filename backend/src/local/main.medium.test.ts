// `npm start`'s entry as a real process: starts on embedded defaults, serves health, and Ctrl-C (SIGINT)
// exits 0 within 5 s with the store closed cleanly; bad configuration refuses to start, listing every key;
// classroom mode (HOST=0.0.0.0) serves HTTPS and prints the join address and the certificate's fingerprint.
import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSqliteTableStore } from '../adapters/sqlite/sqlite-table-store';
import { lanHost, SYSTEM_MACHINE, urlHost } from './lan-address';

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
      const match = /running at (https?:\/\/\S+)/.exec(output);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    void exited.then((code) => reject(new Error(`exited ${code} before listening:\n${output}`)));
  });
  url.catch(() => undefined); // a run that is meant to fail never prints a URL
  /** Resolves once the output contains `text`, within 10 s. */
  const printed = async (text: string) => {
    const deadline = Date.now() + 10_000;
    while (!output.includes(text)) {
      if (Date.now() > deadline) throw new Error(`"${text}" not printed within 10 s:\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { child, url, exited, printed, output: () => output };
}

/** A port nobody listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** GET over HTTPS trusting `ca` only; the status. */
function httpsStatus(url: string, ca: string): Promise<number> {
  return new Promise((resolve, reject) => {
    httpsRequest(url, { ca, agent: false }, (answer) => {
      answer.resume();
      resolve(answer.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

describe('local host process', () => {
  it('serves health on embedded defaults and exits 0 within 5 s of SIGINT', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'qrca-main-'));
    dirs.push(dataDir);
    const run = launch({ PORT: '0', DATA_DIR: dataDir });
    const url = await run.url;
    // The address the README gives: localhost, over plain HTTP (a secure context already).
    expect(url).toMatch(/^http:\/\/localhost:\d+$/);
    expect(run.output()).not.toContain('Classroom mode');
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
    const run = launch({ PORT: 'abc', REDIS_URL: 'http://x', NODE_ENV: 'production', TLS_CERT: '/nowhere/cert.pem' });
    expect(await run.exited).toBe(1);
    for (const key of ['PORT', 'REDIS_URL', 'JWT_SECRET', 'PUBLIC_URL', 'TLS_KEY']) expect(run.output()).toContain(key);
  });

  it('classroom mode: HTTPS on every interface, the join address and fingerprint printed, SIGINT exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'qrca-main-'));
    dirs.push(dataDir);
    const port = await freePort();
    const run = launch({ HOST: '0.0.0.0', PORT: String(port), DATA_DIR: dataDir });
    expect(await run.url).toBe(`https://localhost:${port}`);
    const cert = readFileSync(join(dataDir, 'tls', 'cert.pem'), 'utf8');
    const { fingerprint256 } = new X509Certificate(cert);
    await run.printed(fingerprint256);
    const output = run.output();
    expect(output).toContain(`phones on this network join at  https://${urlHost(lanHost(SYSTEM_MACHINE))}:${port}`);
    expect(output).toContain('self-signed');
    expect(output).toContain('"Advanced" → "Proceed to');
    expect(output).toContain('"Show Details" → "visit this website"');
    expect(await httpsStatus(`https://127.0.0.1:${port}/api/health`, cert)).toBe(200);

    const signalled = Date.now();
    run.child.kill('SIGINT');
    expect(await run.exited).toBe(0);
    expect(Date.now() - signalled).toBeLessThan(5_000);
  });
});
