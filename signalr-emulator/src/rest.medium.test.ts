/** The REST data plane over real HTTP: authentication, validation, limits and status codes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSignalREmulator } from './server';
import type { SignalREmulator } from './server';
import { rest } from './test-support/test-clients';
import { serverAccessToken } from './tokens';

const HUB = 'attendance';
const V = 'api-version=2022-06-01';
const MESSAGE = { target: 'notice', arguments: [] };

describe('REST API', () => {
  let emulator: SignalREmulator;
  const url = (path: string) => `${emulator.endpoint}${path}`;

  beforeAll(async () => {
    emulator = await startSignalREmulator();
  });
  afterAll(async () => {
    await emulator.close();
  });

  describe('authentication', () => {
    const path = `/api/v1/hubs/${HUB}`;

    it('refuses a missing, forged, expired or wrong-audience token with 401', async () => {
      const forged = await serverAccessToken({ accessKey: 'not-the-key', audience: url(path) });
      const expired = await serverAccessToken({
        accessKey: emulator.accessKey,
        audience: url(path),
        ttlSeconds: 60,
        now: () => Date.now() - 3_600_000,
      });
      const otherPath = await serverAccessToken({ accessKey: emulator.accessKey, audience: url(`${path}/users/u1`) });
      const otherHub = await serverAccessToken({ accessKey: emulator.accessKey, audience: url('/api/v1/hubs/other') });
      const otherHost = await serverAccessToken({
        accessKey: emulator.accessKey,
        audience: `http://example.com${path}`,
      });

      for (const token of [null, 'garbage', forged, expired, otherPath, otherHub, otherHost]) {
        const response = await rest(emulator, 'POST', path, { body: MESSAGE, token });
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/Bearer/);
      }
      const wrongScheme = await rest(emulator, 'POST', path, {
        body: MESSAGE,
        headers: { authorization: 'Basic abc' },
        token: null,
      });
      expect(wrongScheme.status).toBe(401);
    });

    it('says in the 401 which audience it expected', async () => {
      const token = await serverAccessToken({ accessKey: emulator.accessKey, audience: url(`${path}/users/u1`) });
      const response = await rest(emulator, 'POST', path, { body: MESSAGE, token });
      expect(await response.json()).toMatchObject({
        code: 'Unauthorized',
        message: expect.stringContaining(`${emulator.endpoint}${path} (got "${url(`${path}/users/u1`)}")`),
      });
    });

    it('refuses an audience that includes the query string, and accepts one without it (and the port-less form)', async () => {
      const sendPath = `/api/hubs/${HUB}/:send?${V}`;
      const withQuery = await serverAccessToken({ accessKey: emulator.accessKey, audience: url(sendPath) });
      // serverAccessToken drops the query; sign a query-bearing audience by hand to check the refusal.
      const { SignJWT } = await import('jose');
      const handMade = await new SignJWT({})
        .setProtectedHeader({ alg: 'HS256' })
        .setAudience(url(sendPath))
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(emulator.accessKey));
      const portless = await serverAccessToken({
        accessKey: emulator.accessKey,
        audience: `http://127.0.0.1/api/hubs/${HUB}/:send`,
      });

      expect((await rest(emulator, 'POST', sendPath, { body: MESSAGE, token: handMade })).status).toBe(401);
      expect((await rest(emulator, 'POST', sendPath, { body: MESSAGE, token: withQuery })).status).toBe(202);
      expect((await rest(emulator, 'POST', sendPath, { body: MESSAGE, token: portless })).status).toBe(202);
    });

    it('checks the token before the names (401 before 400)', async () => {
      expect((await rest(emulator, 'POST', '/api/v1/hubs/9bad', { body: MESSAGE, token: null })).status).toBe(401);
      expect((await rest(emulator, 'POST', '/api/v1/hubs/9bad', { body: MESSAGE })).status).toBe(400);
    });

    it('serves health without a token, on both path families', async () => {
      expect((await fetch(url(`/api/health?${V}`), { method: 'HEAD' })).status).toBe(200);
      expect((await fetch(url('/api/v1/health'))).status).toBe(200);
      expect((await fetch(url('/api/health'), { method: 'HEAD' })).status).toBe(400);
    });
  });

  describe('validation', () => {
    const path = `/api/v1/hubs/${HUB}/groups/g1`;

    it.each([
      ['invalid JSON', '{"target":'],
      ['a non-object body', '["notice"]'],
      ['a missing target', { arguments: [] }],
      ['an empty target', { target: '', arguments: [] }],
      ['arguments that are not an array', { target: 'notice', arguments: 'x' }],
    ])('answers 400 for %s', async (_name, body) => {
      const response = await rest(emulator, 'POST', path, { body });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'BadRequest', message: expect.any(String) });
    });

    it('answers 415 for a body that is not declared as JSON', async () => {
      const response = await rest(emulator, 'POST', path, {
        body: JSON.stringify(MESSAGE),
        headers: { 'content-type': 'text/plain;charset=UTF-8' },
      });
      expect(response.status).toBe(415);
    });

    it('answers 413 for a body over 1 MiB, and keeps serving', async () => {
      const big = { target: 'notice', arguments: ['x'.repeat(1024 * 1024)] };
      expect((await rest(emulator, 'POST', path, { body: big })).status).toBe(413);
      expect((await rest(emulator, 'POST', path, { body: MESSAGE })).status).toBe(202);
    });

    it.each([
      ['a hub with a dash', 'POST', '/api/v1/hubs/my-hub'],
      ['a group with a space', 'POST', `/api/v1/hubs/${HUB}/groups/a%20b`],
      ['a group over 1024 characters', 'POST', `/api/v1/hubs/${HUB}/groups/${'g'.repeat(1025)}`],
      ['a blank user', 'POST', `/api/v1/hubs/${HUB}/users/%20`],
      ['a negative ttl', 'PUT', `/api/v1/hubs/${HUB}/groups/g/users/u?ttl=-5`],
      ['a missing api-version', 'POST', `/api/hubs/${HUB}/:send`],
    ])('answers 400 for %s', async (_name, method, path) => {
      expect((await rest(emulator, method, path, { body: MESSAGE })).status).toBe(400);
    });

    it('answers 404 for unknown paths and 405 with Allow for a wrong method', async () => {
      expect((await rest(emulator, 'POST', `/api/v1/hubs/${HUB}/nothing`, { body: MESSAGE })).status).toBe(404);
      expect((await fetch(url('/somewhere'))).status).toBe(404);
      const wrong = await rest(emulator, 'GET', `/api/v1/hubs/${HUB}`);
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('POST');
    });
  });

  describe('status codes of membership changes', () => {
    it('answers as each API version documents', async () => {
      expect((await rest(emulator, 'PUT', `/api/v1/hubs/${HUB}/groups/g/users/u`)).status).toBe(202);
      expect((await rest(emulator, 'GET', `/api/v1/hubs/${HUB}/groups/g/users/u`)).status).toBe(200);
      expect((await rest(emulator, 'DELETE', `/api/v1/hubs/${HUB}/groups/g/users/u`)).status).toBe(202);
      expect((await rest(emulator, 'GET', `/api/v1/hubs/${HUB}/groups/g/users/u`)).status).toBe(404);
      expect((await rest(emulator, 'DELETE', `/api/v1/hubs/${HUB}/users/u/groups`)).status).toBe(200);

      expect((await rest(emulator, 'PUT', `/api/hubs/${HUB}/users/u/groups/g?${V}&ttl=60`)).status).toBe(200);
      expect((await rest(emulator, 'HEAD', `/api/hubs/${HUB}/users/u/groups/g?${V}`)).status).toBe(200);
      expect((await rest(emulator, 'DELETE', `/api/hubs/${HUB}/users/u/groups?${V}`)).status).toBe(204);
      expect((await rest(emulator, 'HEAD', `/api/hubs/${HUB}/users/u/groups/g?${V}`)).status).toBe(404);
      expect((await rest(emulator, 'POST', `/api/hubs/${HUB}/:closeConnections?${V}`)).status).toBe(204);
    });
  });
});
