// When a cached Entra token is reused, renewed, or kept after a failed renewal (fake clock, scripted credential).
import type { AccessToken } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test-support/fake-clock';
import type { TokenCredential } from './azure-credential';
import { CachedToken, TokenUnavailableError } from './cached-token';

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** A credential that answers from a script: each call takes the next answer (a token's lifetime, or an error). */
function scripted(clock: FakeClock, answers: (number | Error | { lifetime: number; refreshIn: number })[]) {
  const calls: string[] = [];
  let n = 0;
  const credential: TokenCredential = {
    async getToken(scope) {
      calls.push(String(scope));
      const answer = answers[n];
      n += 1;
      if (answer === undefined) throw new Error('no more answers');
      if (answer instanceof Error) throw answer;
      const lifetime = typeof answer === 'number' ? answer : answer.lifetime;
      const token: AccessToken = {
        token: `token-${n}`,
        expiresOnTimestamp: clock.now() + lifetime,
        ...(typeof answer === 'object' ? { refreshAfterTimestamp: clock.now() + answer.refreshIn } : {}),
      };
      return token;
    },
  };
  return { credential, calls };
}

describe('CachedToken', () => {
  it('reuses a token until five minutes before it expires, then renews it', async () => {
    const clock = new FakeClock();
    const { credential, calls } = scripted(clock, [HOUR, HOUR]);
    const cached = new CachedToken(credential, 'https://signalr.azure.com/.default', { clock });
    expect(await cached.get()).toBe('token-1');
    clock.advance(54 * MINUTE);
    expect(await cached.get()).toBe('token-1');
    clock.advance(2 * MINUTE);
    expect(await cached.get()).toBe('token-2');
    expect(calls).toEqual(['https://signalr.azure.com/.default', 'https://signalr.azure.com/.default']);
  });

  it("follows the token's own refresh hint when it comes earlier", async () => {
    const clock = new FakeClock();
    const { credential } = scripted(clock, [{ lifetime: 24 * HOUR, refreshIn: 12 * HOUR }, HOUR]);
    const cached = new CachedToken(credential, 'scope', { clock });
    expect(await cached.get()).toBe('token-1');
    clock.advance(12 * HOUR - 1);
    expect(await cached.get()).toBe('token-1');
    clock.advance(1);
    expect(await cached.get()).toBe('token-2');
  });

  it('renews short-lived tokens at half their lifetime', async () => {
    const clock = new FakeClock();
    const { credential } = scripted(clock, [4 * MINUTE, 4 * MINUTE]);
    const cached = new CachedToken(credential, 'scope', { clock });
    expect(await cached.get()).toBe('token-1');
    clock.advance(2 * MINUTE - 1);
    expect(await cached.get()).toBe('token-1');
    clock.advance(1);
    expect(await cached.get()).toBe('token-2');
  });

  it('shares one request between concurrent callers', async () => {
    const clock = new FakeClock();
    const { credential, calls } = scripted(clock, [HOUR]);
    const cached = new CachedToken(credential, 'scope', { clock });
    expect(await Promise.all([cached.get(), cached.get(), cached.get()])).toEqual(['token-1', 'token-1', 'token-1']);
    expect(calls).toHaveLength(1);
  });

  it('keeps using a still-valid token when renewing fails, and fails once it is about to expire', async () => {
    const clock = new FakeClock();
    const { credential } = scripted(clock, [HOUR, new Error('IMDS down'), new Error('IMDS down')]);
    const cached = new CachedToken(credential, 'scope', { clock });
    expect(await cached.get()).toBe('token-1');
    clock.advance(57 * MINUTE);
    expect(await cached.get()).toBe('token-1');
    clock.advance(3 * MINUTE - 5_000);
    await expect(cached.get()).rejects.toThrow(TokenUnavailableError);
  });

  it('fails clearly when the credential has nothing', async () => {
    const clock = new FakeClock();
    const cached = new CachedToken({ getToken: async () => null }, 'https://redis.azure.com/.default', { clock });
    await expect(cached.get()).rejects.toThrow('no Microsoft Entra token for https://redis.azure.com/.default');
    const failing = new CachedToken(
      {
        getToken: async () => {
          throw new Error('ManagedIdentityCredential: no identity');
        },
      },
      'scope',
      { clock },
    );
    await expect(failing.get()).rejects.toThrow(/no Microsoft Entra token for scope: ManagedIdentityCredential/);
  });
});
