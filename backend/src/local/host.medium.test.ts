// The local host over real HTTP with real adapters: routing, errors, web app, health, dependencies.
import { HealthResponseSchema } from '@qrca/contract';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTestHost, type TestHost } from '../test-support/test-host';

const hosts: TestHost[] = [];
let webRoot: string;

beforeAll(() => {
  webRoot = mkdtempSync(join(tmpdir(), 'qrca-web-'));
  mkdirSync(join(webRoot, 'assets'));
  writeFileSync(join(webRoot, 'index.html'), '<!doctype html><title>QRCA test shell</title>');
  writeFileSync(join(webRoot, 'assets', 'app-abc123.js'), 'console.log(1)');
});

afterAll(async () => {
  for (const host of hosts.splice(0)) await host.close();
  rmSync(webRoot, { recursive: true, force: true });
});

async function start(env: NodeJS.ProcessEnv): Promise<TestHost> {
  const host = await startTestHost(env, { webRoot, logLevel: 'silent' });
  hosts.push(host);
  return host;
}

describe('local host on embedded defaults', () => {
  let host: TestHost;
  beforeAll(async () => {
    host = await start({});
  });

  it('serves GET /api/health: ok with the SQLite store and the in-memory cache', async () => {
    const response = await fetch(`${host.url}/api/health`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(response.headers.get('x-correlation-id')).toBeTruthy();
    const health = HealthResponseSchema.parse(await response.json());
    expect(health.status).toBe('ok');
    expect(health.checks.store).toMatchObject({ ok: true, kind: 'sqlite' });
    expect(health.checks.cache).toMatchObject({ ok: true, kind: 'memory' });
    expect(health.checks.realtime).toMatchObject({ ok: true, kind: 'none' });
  });

  it('echoes a well-formed caller correlation id and replaces a malformed one', async () => {
    const good = await fetch(`${host.url}/api/health`, { headers: { 'x-correlation-id': 'trace-12345678' } });
    expect(good.headers.get('x-correlation-id')).toBe('trace-12345678');
    const bad = await fetch(`${host.url}/api/health`, { headers: { 'x-correlation-id': '<script>alert(1)</script>' } });
    expect(bad.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('answers unknown API paths with a 404 error body and wrong methods with 405', async () => {
    const missing = await fetch(`${host.url}/api/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    const wrong = await fetch(`${host.url}/api/health`, { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
    expect(await wrong.json()).toMatchObject({ error: { code: 'METHOD_NOT_ALLOWED' } });
  });

  it('refuses a body over 1 MiB with 413 before any handler runs (the host), and one over 512 KiB (the route)', async () => {
    const post = (bytes: number) =>
      fetch(`${host.url}/api/auth/code`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: 'a@student.test', pad: 'x'.repeat(bytes) }),
      });
    const huge = await post(2 * 1024 * 1024);
    expect(huge.status).toBe(413);
    expect(huge.headers.get('connection')).toBe('close');
    expect(await huge.json()).toMatchObject({
      error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('1048576') },
    });
    const large = await post(600 * 1024);
    expect(large.status).toBe(413);
    expect(await large.json()).toMatchObject({
      error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('524288') },
    });
    expect((await fetch(`${host.url}/api/health`)).status).toBe(200);
  });

  it('serves the web app on / with a fallback to index.html for client routes', async () => {
    const index = await fetch(`${host.url}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('QRCA test shell');
    const deepLink = await fetch(`${host.url}/join/abc?code=XYZ`);
    expect(deepLink.status).toBe(200);
    expect(await deepLink.text()).toContain('QRCA test shell');
    const asset = await fetch(`${host.url}/assets/app-abc123.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('local host with other adapters', () => {
  it('reports the Azure Tables store when AzureWebJobsStorage points at Azurite', async () => {
    const host = await start({ AzureWebJobsStorage: inject('azuriteConnectionString') });
    const health = HealthResponseSchema.parse(await (await fetch(`${host.url}/api/health`)).json());
    expect(health.checks.store).toMatchObject({ ok: true, kind: 'tables' });
  });

  it.skipIf(!inject('redisUrl'))('reports the Redis cache when REDIS_URL is set', async () => {
    const host = await start({ REDIS_URL: inject('redisUrl') });
    const health = HealthResponseSchema.parse(await (await fetch(`${host.url}/api/health`)).json());
    expect(health.checks.cache).toMatchObject({ ok: true, kind: 'redis' });
  });

  it('answers 503 degraded, without internals, when a dependency is down', async () => {
    // Nothing listens on port 1: the Redis cache cannot connect.
    const host = await start({ REDIS_URL: 'redis://127.0.0.1:1' });
    const response = await fetch(`${host.url}/api/health`);
    expect(response.status).toBe(503);
    const health = HealthResponseSchema.parse(await response.json());
    expect(health.status).toBe('degraded');
    expect(health.checks.cache).toMatchObject({ ok: false, kind: 'redis' });
    expect(health.checks.store.ok).toBe(true);
    expect(JSON.stringify(health)).not.toContain('127.0.0.1');
  });
});
