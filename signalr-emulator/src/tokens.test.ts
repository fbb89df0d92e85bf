import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import {
  AccessTokenError,
  bearerToken,
  clientAccessToken,
  clientUserId,
  matchesClientAudience,
  matchesRestAudience,
  requestOrigins,
  serverAccessToken,
  USER_ID_CLAIM_LONG,
  verifyAccessToken,
} from './tokens';

const KEY = 'unit-test-access-key-0123456789';
const NOW = Date.UTC(2026, 0, 5, 9, 0, 0);
const clock = () => NOW;

async function reason(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AccessTokenError) return error.reason;
    throw error;
  }
  return 'accepted';
}

describe('clientAccessToken', () => {
  it('builds the client URL with a lower-cased hub and a token whose aud is that URL and nameid the user', async () => {
    const info = await clientAccessToken({
      endpoint: 'http://127.0.0.1:8888',
      accessKey: KEY,
      hub: 'Attendance',
      userId: 'stu-1',
      ttlSeconds: 60,
      now: clock,
    });
    expect(info.url).toBe('http://127.0.0.1:8888/client/?hub=attendance');
    const payload = await verifyAccessToken(info.accessToken, KEY, NOW);
    expect(payload.aud).toBe(info.url);
    expect(payload.nameid).toBe('stu-1');
    expect(payload.exp).toBe(NOW / 1000 + 60);
  });

  it('omits nameid without a user and refuses bad input', async () => {
    const info = await clientAccessToken({ endpoint: 'http://h:1', accessKey: KEY, hub: 'h', now: clock });
    expect(clientUserId(await verifyAccessToken(info.accessToken, KEY, NOW))).toBeUndefined();
    await expect(clientAccessToken({ endpoint: 'http://h', accessKey: KEY, hub: '1bad' })).rejects.toThrow(TypeError);
    await expect(clientAccessToken({ endpoint: 'nope', accessKey: KEY, hub: 'h' })).rejects.toThrow(TypeError);
    await expect(clientAccessToken({ endpoint: 'http://h', accessKey: KEY, hub: 'h', ttlSeconds: 0 })).rejects.toThrow(
      TypeError,
    );
  });
});

describe('serverAccessToken', () => {
  it('binds aud to the URL without its query string', async () => {
    const token = await serverAccessToken({
      accessKey: KEY,
      audience: 'http://127.0.0.1:8888/api/hubs/h/:send?api-version=2022-06-01',
      now: clock,
    });
    expect((await verifyAccessToken(token, KEY, NOW)).aud).toBe('http://127.0.0.1:8888/api/hubs/h/:send');
  });
});

describe('verifyAccessToken', () => {
  const sign = (alg: string, key: string, exp: number | undefined) => {
    const jwt = new SignJWT({}).setProtectedHeader({ alg }).setAudience('http://h/api/v1/hubs/x');
    if (exp !== undefined) jwt.setExpirationTime(exp);
    return jwt.sign(new TextEncoder().encode(key));
  };

  it('accepts HS256 and HS512 signed with the access key', async () => {
    expect(await reason(verifyAccessToken(await sign('HS256', KEY, NOW / 1000 + 10), KEY, NOW))).toBe('accepted');
    expect(await reason(verifyAccessToken(await sign('HS512', KEY, NOW / 1000 + 10), KEY, NOW))).toBe('accepted');
  });

  it('refuses missing, malformed, forged, expired, exp-less and unsigned tokens', async () => {
    expect(await reason(verifyAccessToken(undefined, KEY, NOW))).toBe('missing');
    expect(await reason(verifyAccessToken('abc.def', KEY, NOW))).toBe('malformed');
    expect(await reason(verifyAccessToken(await sign('HS256', 'another-key', NOW / 1000 + 10), KEY, NOW))).toBe(
      'signature',
    );
    expect(await reason(verifyAccessToken(await sign('HS256', KEY, NOW / 1000 - 1), KEY, NOW))).toBe('expired');
    expect(await reason(verifyAccessToken(await sign('HS256', KEY, undefined), KEY, NOW))).toBe('claims');
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const body = Buffer.from(JSON.stringify({ aud: 'x', exp: NOW / 1000 + 10 })).toString('base64url');
    expect(await reason(verifyAccessToken(`${header}.${body}.`, KEY, NOW))).toMatch(/algorithm|malformed/);
  });

  it('refuses a token used before nbf', async () => {
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setNotBefore(NOW / 1000 + 60)
      .setExpirationTime(NOW / 1000 + 120)
      .sign(new TextEncoder().encode(KEY));
    expect(await reason(verifyAccessToken(token, KEY, NOW))).toBe('claims');
  });
});

describe('requestOrigins', () => {
  it('adds the port-less origin, which the .NET SDKs put in audiences', () => {
    expect(requestOrigins('http', '127.0.0.1:8888').origins).toEqual(['http://127.0.0.1:8888', 'http://127.0.0.1']);
    expect(requestOrigins('https', 'x.service.signalr.net').origins).toEqual(['https://x.service.signalr.net']);
    expect(requestOrigins('http', '[::1]:9').origins).toEqual(['http://[::1]:9', 'http://[::1]']);
  });

  it('refuses a Host header that is not a host', () => {
    expect(() => requestOrigins('http', 'a/b')).toThrow(TypeError);
    expect(() => requestOrigins('http', '')).toThrow(TypeError);
  });
});

describe('matchesRestAudience', () => {
  const target = { ...requestOrigins('http', '127.0.0.1:8888'), pathname: '/api/v1/hubs/chat/users/a%40b' };

  it('matches the request URL, with or without a trailing slash, encoded or not, port or not', () => {
    expect(matchesRestAudience('http://127.0.0.1:8888/api/v1/hubs/chat/users/a%40b', target)).toBe(true);
    expect(matchesRestAudience('http://127.0.0.1:8888/api/v1/hubs/chat/users/a@b/', target)).toBe(true);
    expect(matchesRestAudience('http://127.0.0.1/api/v1/hubs/chat/users/a@b', target)).toBe(true);
    expect(matchesRestAudience(['http://other/', 'http://127.0.0.1:8888/api/v1/hubs/chat/users/a@b'], target)).toBe(
      true,
    );
  });

  it('refuses another path, origin, scheme, a query string, or a missing aud', () => {
    expect(matchesRestAudience('http://127.0.0.1:8888/api/v1/hubs/chat', target)).toBe(false);
    expect(matchesRestAudience('http://127.0.0.1:8888/api/v1/hubs/chat/users/other', target)).toBe(false);
    expect(matchesRestAudience('http://localhost:8888/api/v1/hubs/chat/users/a@b', target)).toBe(false);
    expect(matchesRestAudience('https://127.0.0.1:8888/api/v1/hubs/chat/users/a@b', target)).toBe(false);
    expect(matchesRestAudience('http://127.0.0.1:8888/api/v1/hubs/chat/users/a@b?x=1', target)).toBe(false);
    expect(matchesRestAudience(undefined, target)).toBe(false);
    expect(matchesRestAudience(42, target)).toBe(false);
  });
});

describe('matchesClientAudience', () => {
  const target = { ...requestOrigins('http', '127.0.0.1:8888'), hub: 'attendance' };

  it('matches <origin>/client/?hub=<hub>, hub case-insensitive, slash optional', () => {
    expect(matchesClientAudience('http://127.0.0.1:8888/client/?hub=attendance', target)).toBe(true);
    expect(matchesClientAudience('http://127.0.0.1:8888/client?hub=Attendance', target)).toBe(true);
    expect(matchesClientAudience('http://127.0.0.1/client/?hub=attendance', target)).toBe(true);
  });

  it('refuses another hub, path, origin or extra query parameters', () => {
    expect(matchesClientAudience('http://127.0.0.1:8888/client/?hub=other', target)).toBe(false);
    expect(matchesClientAudience('http://127.0.0.1:8888/client/', target)).toBe(false);
    expect(matchesClientAudience('http://127.0.0.1:8888/api/?hub=attendance', target)).toBe(false);
    expect(matchesClientAudience('http://127.0.0.1:9999/client/?hub=attendance', target)).toBe(false);
    expect(matchesClientAudience('http://127.0.0.1:8888/client/?hub=attendance&x=1', target)).toBe(false);
  });
});

describe('clientUserId', () => {
  it('reads nameid, then the long NameIdentifier claim, and never sub', () => {
    expect(clientUserId({ nameid: 'a', [USER_ID_CLAIM_LONG]: 'b', sub: 'c' })).toBe('a');
    expect(clientUserId({ [USER_ID_CLAIM_LONG]: 'b' })).toBe('b');
    expect(clientUserId({ sub: 'c' })).toBeUndefined();
  });

  it('refuses a non-string or empty user id', () => {
    expect(() => clientUserId({ nameid: 5 })).toThrow(AccessTokenError);
    expect(() => clientUserId({ nameid: '' })).toThrow(AccessTokenError);
  });
});

describe('bearerToken', () => {
  it('reads Bearer tokens only', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});
