/** The client endpoint over real HTTP and WebSockets: token checks, CORS, and robustness against bad clients. */
import * as signalR from '@microsoft/signalr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RECORD_SEPARATOR as RS } from './hub-protocol';
import { startSignalREmulator } from './server';
import type { SignalREmulator } from './server';
import { negotiate, RawClient, rest, upgradeStatus, withTimeout } from './test-support/test-clients';
import { clientAccessToken } from './tokens';

const HUB = 'attendance';

describe('client endpoint', () => {
  let emulator: SignalREmulator;
  const negotiateWith = (token: string | undefined, hub = HUB, init: RequestInit = {}) =>
    fetch(`${emulator.endpoint}/client/negotiate?hub=${hub}&negotiateVersion=1`, {
      method: 'POST',
      ...init,
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });

  beforeAll(async () => {
    emulator = await startSignalREmulator();
  });
  afterAll(async () => {
    await emulator.close();
  });

  describe('negotiate', () => {
    it('refuses a missing, expired, forged or other-hub token with 401', async () => {
      const expired = await clientAccessToken({
        ...emulator,
        hub: HUB,
        ttlSeconds: 60,
        now: () => Date.now() - 3_600_000,
      });
      const forged = await clientAccessToken({ ...emulator, accessKey: 'not-the-key', hub: HUB });
      const otherHub = await clientAccessToken({ ...emulator, hub: 'other' });
      const otherHost = await clientAccessToken({
        endpoint: 'http://example.com',
        accessKey: emulator.accessKey,
        hub: HUB,
      });

      for (const token of [
        undefined,
        expired.accessToken,
        forged.accessToken,
        otherHub.accessToken,
        otherHost.accessToken,
      ]) {
        const response = await negotiateWith(token);
        expect(response.status).toBe(401);
        expect(response.headers.get('www-authenticate')).toMatch(/Bearer/);
      }
      expect(emulator.stats().connections).toBe(0);
    });

    it('makes the official client fail to start with an expired token', async () => {
      const expired = await clientAccessToken({ ...emulator, hub: HUB, ttlSeconds: 1, now: () => Date.now() - 60_000 });
      const connection = new signalR.HubConnectionBuilder()
        .withUrl(expired.url, { accessTokenFactory: () => expired.accessToken })
        .configureLogging(signalR.LogLevel.None)
        .build();
      await expect(connection.start()).rejects.toThrow(/401/);
      expect(connection.state).toBe(signalR.HubConnectionState.Disconnected);
    });

    it('answers with a connection id, a token and WebSockets/Text only; accepts access_token in the query', async () => {
      const { accessToken } = await clientAccessToken({ ...emulator, hub: HUB, userId: 'u' });
      const response = await fetch(
        `${emulator.endpoint}/client/negotiate?hub=${HUB}&negotiateVersion=1&access_token=${accessToken}`,
        { method: 'POST' },
      );
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({
        negotiateVersion: 1,
        connectionId: expect.any(String),
        connectionToken: expect.any(String),
        availableTransports: [{ transport: 'WebSockets', transferFormats: ['Text'] }],
      });
    });

    it('speaks negotiate version 0 to old clients: the connection id is the token', async () => {
      const { accessToken } = await clientAccessToken({ ...emulator, hub: HUB });
      const response = await fetch(`${emulator.endpoint}/client/negotiate?hub=${HUB}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}` },
      });
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toMatchObject({ negotiateVersion: 0, connectionId: expect.any(String) });
      expect(body.connectionToken).toBeUndefined();
      expect(
        await upgradeStatus(emulator, `hub=${HUB}&id=${String(body.connectionId)}&access_token=${accessToken}`),
      ).toBe(101);
    });

    it('answers 400 for a bad hub, 405 for GET and 404 for other client paths', async () => {
      const { accessToken } = await clientAccessToken({ ...emulator, hub: HUB });
      expect((await negotiateWith(accessToken, 'bad-hub!')).status).toBe(400);
      expect((await negotiateWith(accessToken, HUB, { method: 'GET' })).status).toBe(405);
      expect((await fetch(`${emulator.endpoint}/client/?hub=${HUB}`)).status).toBe(404);
    });

    it('answers a CORS preflight and echoes the Origin with credentials', async () => {
      const preflight = await fetch(`${emulator.endpoint}/client/negotiate?hub=${HUB}&negotiateVersion=1`, {
        method: 'OPTIONS',
        headers: {
          origin: 'http://192.168.1.20:5173',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'authorization,x-requested-with,x-signalr-user-agent',
        },
      });
      expect(preflight.status).toBe(204);
      expect(preflight.headers.get('access-control-allow-origin')).toBe('http://192.168.1.20:5173');
      expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
      expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);
      const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase();
      for (const header of ['authorization', 'content-type', 'x-requested-with', 'x-signalr-user-agent']) {
        expect(allowed).toContain(header);
      }

      const { accessToken } = await clientAccessToken({ ...emulator, hub: HUB });
      const actual = await fetch(`${emulator.endpoint}/client/negotiate?hub=${HUB}&negotiateVersion=1`, {
        method: 'POST',
        headers: { origin: 'http://192.168.1.20:5173', authorization: `Bearer ${accessToken}` },
      });
      expect(actual.status).toBe(200);
      expect(actual.headers.get('access-control-allow-origin')).toBe('http://192.168.1.20:5173');
      expect(actual.headers.get('access-control-allow-credentials')).toBe('true');
    });
  });

  describe('WebSocket upgrade', () => {
    it('refuses an unknown or reused connection token, a missing token, and another user or hub', async () => {
      const { connectionToken, accessToken } = await negotiate(emulator, HUB, 'u1');
      const auth = { authorization: `Bearer ${accessToken}` };
      expect(await upgradeStatus(emulator, `hub=${HUB}&id=unknown`, auth)).toBe(401);
      expect(await upgradeStatus(emulator, `hub=${HUB}&id=${connectionToken}`)).toBe(401);
      const otherUser = await clientAccessToken({ ...emulator, hub: HUB, userId: 'u2' });
      expect(
        await upgradeStatus(emulator, `hub=${HUB}&id=${connectionToken}`, {
          authorization: `Bearer ${otherUser.accessToken}`,
        }),
      ).toBe(401);
      expect(await upgradeStatus(emulator, `hub=${HUB}&id=${connectionToken}&access_token=${accessToken}`)).toBe(101);
      expect(await upgradeStatus(emulator, `hub=${HUB}&id=${connectionToken}`, auth)).toBe(401); // single use
      expect(await upgradeStatus(emulator, `hub=other&id=${connectionToken}`, auth)).toBe(401);
    });

    it('refuses a connection token after its lifetime', async () => {
      let now = Date.now();
      const clocked = await startSignalREmulator({ connectionTokenTtlMs: 30_000, now: () => now });
      try {
        const { connectionToken, accessToken } = await negotiate(clocked, HUB);
        now += 30_001;
        expect(await upgradeStatus(clocked, `hub=${HUB}&id=${connectionToken}&access_token=${accessToken}`)).toBe(401);
      } finally {
        await clocked.close();
      }
    });
  });

  describe('hub protocol robustness', () => {
    it('answers a garbage handshake with a handshake error, closes, and keeps serving', async () => {
      const raw = await RawClient.connect(emulator, HUB, 'garbage', { handshake: false });
      raw.send(`this is not json${RS}`);
      expect(JSON.parse(await raw.nextFrame(() => true))).toEqual({ error: expect.stringMatching(/not valid JSON/) });
      await withTimeout(raw.closed, 5_000, 'the socket to close');
      expect((await rest(emulator, 'GET', '/api/v1/health', { token: null })).status).toBe(200);
    });

    it('refuses the MessagePack protocol in the handshake', async () => {
      const raw = await RawClient.connect(emulator, HUB, undefined, { handshake: false });
      raw.send(`{"protocol":"messagepack","version":1}${RS}`);
      expect(JSON.parse(await raw.nextFrame(() => true))).toEqual({
        error: expect.stringMatching(/JSON hub protocol/),
      });
      await withTimeout(raw.closed, 5_000, 'the socket to close');
    });

    it('closes with an error message on a malformed frame after the handshake', async () => {
      const raw = await RawClient.connect(emulator, HUB, 'messy');
      raw.send(`{"type":1,"target":5}${RS}`);
      const close = JSON.parse(await raw.nextFrame((f) => f.includes('"type":7'))) as Record<string, unknown>;
      expect(close).toMatchObject({ type: 7, error: expect.stringMatching(/target/) });
      expect(close.allowReconnect).toBeUndefined();
      await withTimeout(raw.closed, 5_000, 'the socket to close');
      expect(emulator.stats().connections).toBe(0);
    });

    it('closes a client that sends binary frames or oversized records', async () => {
      const binary = await RawClient.connect(emulator, HUB);
      binary.send(Buffer.from([0x93, 0x01, 0x02]));
      await withTimeout(binary.closed, 5_000, 'the binary client to be closed');

      const flood = await RawClient.connect(emulator, HUB);
      flood.send('x'.repeat(70 * 1024));
      await withTimeout(flood.closed, 5_000, 'the flooding client to be closed');
      expect((await rest(emulator, 'GET', '/api/v1/health', { token: null })).status).toBe(200);
    });

    it('answers a client invocation with a completion error and ignores pings and unknown types', async () => {
      const raw = await RawClient.connect(emulator, HUB, 'inv');
      raw.send(`{"type":6}${RS}{"type":99}${RS}{"type":1,"invocationId":"42","target":"Scan","arguments":[]}${RS}`);
      expect(JSON.parse(await raw.nextFrame((f) => f.includes('"type":3')))).toMatchObject({
        type: 3,
        invocationId: '42',
        error: expect.stringMatching(/serverless/),
      });
      expect(emulator.stats().connections).toBeGreaterThanOrEqual(1);
      raw.send(`{"type":7}${RS}`);
      await withTimeout(raw.closed, 5_000, 'the socket to close after the client close message');
    });
  });
});

describe('client endpoint timers and shutdown', () => {
  it('pings, closes silent clients and sockets without a handshake', async () => {
    const emulator = await startSignalREmulator({ keepAliveMs: 50, clientTimeoutMs: 400, handshakeTimeoutMs: 100 });
    try {
      const silent = await RawClient.connect(emulator, HUB, 'silent');
      expect(await silent.nextFrame((f) => f === '{"type":6}')).toBe('{"type":6}');
      const close = JSON.parse(await silent.nextFrame((f) => f.includes('"type":7'), 5_000)) as Record<string, unknown>;
      expect(close.error).toMatch(/timeout/i);
      await withTimeout(silent.closed, 5_000, 'the silent client to be closed');

      const mute = await RawClient.connect(emulator, HUB, 'mute', { handshake: false });
      expect(JSON.parse(await mute.nextFrame(() => true))).toEqual({ error: expect.stringMatching(/Handshake/) });
      await withTimeout(mute.closed, 5_000, 'the mute socket to be closed');
    } finally {
      await emulator.close();
    }
  });

  it('sends close messages that allow reconnecting when it stops', async () => {
    const emulator = await startSignalREmulator();
    const raw = await RawClient.connect(emulator, HUB, 'leaving');
    const closing = emulator.close();
    expect(JSON.parse(await raw.nextFrame((f) => f.includes('"type":7')))).toMatchObject({
      type: 7,
      allowReconnect: true,
    });
    await closing;
    await withTimeout(raw.closed, 5_000, 'the socket to close');
  });
});
