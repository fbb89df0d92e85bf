// The SignalR adapter with Microsoft Entra ID (AuthType=azure.msi), against a local HTTP server that plays Azure
// SignalR Service's data plane: REST calls must carry an Entra token for https://signalr.azure.com, client tokens
// must be signed with the temporary access key from GET /api/v1/auth/accessKey (its KeyId as `kid`). Tokens come
// from the managed identity credential asking a local server that plays the Functions identity endpoint.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test-support/fake-clock';
import { createAzureCredential } from '../azure-identity/azure-credential';
import { startTokenEndpoint, TEST_TENANT_ID, type TokenEndpoint } from '../azure-identity/token-endpoint.fixture';
import { SignalRRealtime } from './signalr-realtime';

const CLIENT = '6f1c2a5e-3b4d-4c8e-9a0b-1c2d3e4f5a6b';
const MINUTE = 60_000;

interface Seen {
  readonly method: string;
  readonly path: string;
  readonly authorization: string;
}

/** Azure SignalR's data plane as far as the adapter uses it, checking Entra tokens the way the service would. */
class SignalRStandIn {
  readonly seen: Seen[] = [];
  keys = 0;
  /** Answer the access key request with this status instead (e.g. 503). */
  failKeys: number | undefined;
  private server!: Server;
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      const path = (req.url ?? '').split('?')[0] ?? '';
      const authorization = req.headers.authorization ?? '';
      this.seen.push({ method: req.method ?? '', path, authorization });
      req.resume();
      if (path === '/api/v1/health') return void res.writeHead(200).end();
      const claims = (() => {
        try {
          return decodeJwt(authorization.replace(/^Bearer /, ''));
        } catch {
          return undefined;
        }
      })();
      if (claims?.aud !== 'https://signalr.azure.com' || claims.iss !== `https://sts.windows.net/${TEST_TENANT_ID}/`) {
        return void res.writeHead(401).end();
      }
      if (path === '/api/v1/auth/accessKey' && req.method === 'GET') {
        if (this.failKeys) return void res.writeHead(this.failKeys).end();
        this.keys += 1;
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.end(
          JSON.stringify({ AccessKey: `temporary-key-${this.keys}-0123456789abcdef`, KeyId: `kid-${this.keys}` }),
        );
      }
      if (/^\/api\/v1\/hubs\/attendance\/(users|groups)\//.test(path)) return void res.writeHead(202).end();
      res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

let tokens: TokenEndpoint;
let restore: () => void;
let service: SignalRStandIn;

beforeAll(async () => {
  tokens = await startTokenEndpoint({ lifetimeSeconds: 3_600 });
  restore = tokens.useForManagedIdentity();
  service = new SignalRStandIn();
  await service.start();
});

afterEach(() => {
  service.failKeys = undefined;
});

afterAll(async () => {
  restore();
  await tokens.close();
  await service.stop();
});

function adapter(clock = new FakeClock(Date.now())): SignalRRealtime {
  return new SignalRRealtime({
    endpoint: service.url,
    hub: 'attendance',
    credential: createAzureCredential({ kind: 'managed-identity', clientId: CLIENT }),
    clock,
  });
}

describe('SignalR with Microsoft Entra ID', () => {
  it("sends and manages groups with the identity's SignalR token", async () => {
    const realtime = adapter();
    expect(realtime.authentication).toBe('entra-id');
    const before = service.seen.length;
    await realtime.send({ group: 's1:dashboard' }, 'countsChanged', { present: 3 });
    await realtime.addUserToGroup('s1:dashboard', 'teacher-1', 600);
    await realtime.send({ user: 'student-1' }, 'holdChanged', { seq: 1 });
    const calls = service.seen.slice(before);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /api/v1/hubs/attendance/groups/s1%3Adashboard',
      'PUT /api/v1/hubs/attendance/groups/s1%3Adashboard/users/teacher-1',
      'POST /api/v1/hubs/attendance/users/student-1',
    ]);
    const token = calls[0]?.authorization.replace(/^Bearer /, '') ?? '';
    expect(decodeJwt(token)).toMatchObject({ aud: 'https://signalr.azure.com', appid: CLIENT });
    expect(tokens.minted.some((m) => m.token === token && m.clientId === CLIENT)).toBe(true);
    // One Entra token serves every call until it is due for renewal.
    expect(new Set(calls.map((c) => c.authorization)).size).toBe(1);
  });

  it('signs client tokens with the temporary access key, its KeyId in the header', async () => {
    const realtime = adapter();
    const keysBefore = service.keys;
    const { url, accessToken } = await realtime.clientConnection('student-7', 3_600);
    expect(url).toBe(`${service.url}/client/?hub=attendance`);
    expect(service.keys).toBe(keysBefore + 1);
    const kid = `kid-${service.keys}`;
    expect(decodeProtectedHeader(accessToken)).toMatchObject({ alg: 'HS256', kid });
    const key = new TextEncoder().encode(`temporary-key-${service.keys}-0123456789abcdef`);
    const { payload } = await jwtVerify(accessToken, key, { audience: url });
    expect(payload).toMatchObject({ nameid: 'student-7' });
    // The key is reused, not fetched per negotiation.
    await realtime.clientConnection('student-8', 3_600);
    expect(service.keys).toBe(keysBefore + 1);
  });

  it('fetches a new access key after 55 minutes, and rides out a failed renewal for up to 90', async () => {
    const clock = new FakeClock(Date.now());
    const realtime = adapter(clock);
    const kidOf = async () =>
      decodeProtectedHeader((await realtime.clientConnection('student-1', 600)).accessToken).kid as string;
    const first = await kidOf();
    clock.advance(55 * MINUTE);
    const second = await kidOf();
    expect(second).not.toBe(first);

    service.failKeys = 503;
    clock.advance(56 * MINUTE);
    expect(await kidOf()).toBe(second);
    clock.advance(34 * MINUTE);
    await expect(realtime.clientConnection('student-1', 600)).rejects.toMatchObject({ status: 503 });

    service.failKeys = undefined;
    expect(await kidOf()).not.toBe(second);
  });

  it('answers health without asking for an access key', async () => {
    const realtime = adapter();
    const keysBefore = service.keys;
    await realtime.ping();
    expect(service.keys).toBe(keysBefore);
  });
});
