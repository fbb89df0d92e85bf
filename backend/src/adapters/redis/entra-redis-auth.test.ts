// When Redis Entra credentials are renewed, what a renewal hands out, and how failures are ridden out (fake timers).
import type { AccessToken } from '@azure/identity';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TokenCredential } from '../azure-identity/azure-credential';
import { EntraRedisAuth, objectIdOf, REDIS_SCOPE, type RedisCredentials } from './entra-redis-auth';

const MINUTE = 60_000;
const OID = '0c8a3d6e-5b1f-4a2e-9c7d-2f4e6a8b0c1d';

/** An unsigned JWT-shaped token with these claims (only the payload is read). */
const jwt = (claims: Record<string, unknown>): string =>
  `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.x`;

/** A credential answering from a script: a lifetime in ms (a new token), 'same' (the previous one), or an error. */
function scripted(answers: (number | 'same' | Error)[]) {
  const scopes: string[] = [];
  let last: AccessToken | undefined;
  let n = 0;
  const credential: TokenCredential = {
    async getToken(scope) {
      scopes.push(String(scope));
      const answer = answers[n++];
      if (answer === undefined || answer instanceof Error) throw answer ?? new Error('no more answers');
      if (answer === 'same' && last) return last;
      last = { token: jwt({ oid: OID, n }), expiresOnTimestamp: Date.now() + (answer as number) };
      return last;
    },
  };
  return { credential, scopes };
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_700_000_000_000 });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('objectIdOf', () => {
  it("reads the token's oid claim", () => {
    expect(objectIdOf(jwt({ oid: OID }))).toBe(OID);
  });

  it('refuses a token without one', () => {
    expect(() => objectIdOf(jwt({ sub: 'x' }))).toThrow('no oid claim');
    expect(() => objectIdOf('not-a-jwt')).toThrow('no oid claim');
  });
});

describe('EntraRedisAuth', () => {
  it('starts with the object id as user and the token as password, for the Redis scope', async () => {
    const { credential, scopes } = scripted([60 * MINUTE]);
    const auth = new EntraRedisAuth({ credential });
    const first = await auth.start();
    expect(first).toMatchObject({ username: OID, expiresOn: Date.now() + 60 * MINUTE });
    expect(objectIdOf(first.password)).toBe(OID);
    expect(scopes).toEqual([REDIS_SCOPE]);
    expect(await auth.start()).toBe(first);
    auth.stop();
  });

  it('renews after three quarters of the lifetime and hands the new credentials to listeners', async () => {
    const { credential } = scripted([60 * MINUTE, 60 * MINUTE]);
    const auth = new EntraRedisAuth({ credential });
    const renewed: RedisCredentials[] = [];
    auth.onRenew((c) => renewed.push(c));
    const first = await auth.start();
    await vi.advanceTimersByTimeAsync(45 * MINUTE - 1);
    expect(renewed).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(renewed).toHaveLength(1);
    expect(renewed[0]?.password).not.toBe(first.password);
    expect(auth.credentials).toBe(renewed[0]);
    auth.stop();
  });

  it('asks again later when the credential returns the token it already gave (its own cache)', async () => {
    const { credential, scopes } = scripted([60 * MINUTE, 'same', 60 * MINUTE]);
    const auth = new EntraRedisAuth({ credential });
    const renewed: RedisCredentials[] = [];
    auth.onRenew((c) => renewed.push(c));
    await auth.start();
    await vi.advanceTimersByTimeAsync(45 * MINUTE);
    expect(scopes).toHaveLength(2);
    expect(renewed).toEqual([]);
    // 15 minutes left: the next try is a minute later at most.
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(scopes).toHaveLength(3);
    expect(renewed).toHaveLength(1);
    auth.stop();
  });

  it('keeps the current token and retries while renewing fails, reporting each failure', async () => {
    const { credential, scopes } = scripted([60 * MINUTE, new Error('IMDS down'), new Error('IMDS down'), 60 * MINUTE]);
    const errors: string[] = [];
    const auth = new EntraRedisAuth({ credential, onError: (e) => errors.push(e.message) });
    const renewed: RedisCredentials[] = [];
    auth.onRenew((c) => renewed.push(c));
    const first = await auth.start();
    await vi.advanceTimersByTimeAsync(45 * MINUTE);
    expect(errors).toEqual(['IMDS down']);
    expect(auth.credentials).toBe(first);
    await vi.advanceTimersByTimeAsync(2 * MINUTE);
    expect(errors).toEqual(['IMDS down', 'IMDS down']);
    expect(renewed).toHaveLength(1);
    expect(scopes).toHaveLength(4);
    auth.stop();
  });

  it('rejects start when the first token cannot be had, and tries again on the next start', async () => {
    const { credential } = scripted([new Error('no identity'), 60 * MINUTE]);
    const auth = new EntraRedisAuth({ credential });
    await expect(auth.start()).rejects.toThrow('no identity');
    await expect(auth.start()).resolves.toMatchObject({ username: OID });
    auth.stop();
  });

  it('stops renewing once stopped', async () => {
    const { credential, scopes } = scripted([60 * MINUTE, 60 * MINUTE]);
    const auth = new EntraRedisAuth({ credential });
    await auth.start();
    auth.stop();
    await vi.advanceTimersByTimeAsync(120 * MINUTE);
    expect(scopes).toHaveLength(1);
  });
});
