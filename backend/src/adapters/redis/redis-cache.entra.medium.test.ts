/**
 * RedisCacheStore with Microsoft Entra ID against the real Redis at REDIS_URL (skipped without it): an ACL user
 * named like the identity's object id plays Azure Managed Redis' access policy assignment, and every token the
 * local managed identity endpoint mints is added as that user's password. Checks that the store AUTHs as the
 * object id with the token, re-AUTHs its live connection when the token is renewed, and reconnects with the
 * renewed token once the old one is gone.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createAzureCredential } from '../azure-identity/azure-credential';
import { startTokenEndpoint, type TokenEndpoint } from '../azure-identity/token-endpoint.fixture';
import { EntraRedisAuth } from './entra-redis-auth';
import { createRedisCacheStore, type RedisCacheStore } from './redis-cache';

const redisUrl = inject('redisUrl');
const CLIENT = '6f1c2a5e-3b4d-4c8e-9a0b-1c2d3e4f5a6b';
/** The "object id" of this run's identity: also the Redis ACL user. */
const OBJECT_ID = `entra-${randomUUID()}`;
const PREFIX = `qrca-entra-test:${randomUUID()}:`;

if (!redisUrl) {
  console.warn(
    '[redis-cache.entra.medium] REDIS_URL is not set: skipping the Entra ID Redis cases ' +
      '(run with REDIS_URL=redis://127.0.0.1:6379; they need Redis >= 6 for ACL users).',
  );
}

/** Polls `check` until it holds, for at most `ms`. */
async function eventually(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!redisUrl)('RedisCacheStore with Microsoft Entra ID', () => {
  let admin: Redis;
  let tokens: TokenEndpoint;
  let restore: () => void;
  let auth: EntraRedisAuth;
  let store: RedisCacheStore;

  /** The ids of this identity's connections, from CLIENT LIST. */
  const connections = async (): Promise<string[]> =>
    ((await admin.client('LIST')) as string)
      .split('\n')
      .filter((line) => line.includes(` user=${OBJECT_ID} `))
      .map((line) => /(?:^|\s)id=(\d+)/.exec(line)?.[1] ?? '');

  const authCalls = async (): Promise<number> =>
    Number(/cmdstat_auth:calls=(\d+)/.exec(await admin.info('commandstats'))?.[1] ?? 0);

  beforeAll(async () => {
    admin = new Redis(redisUrl);
    tokens = await startTokenEndpoint({
      lifetimeSeconds: 6,
      objectIdFor: () => OBJECT_ID,
      // Azure's access policy assignment accepts any valid token of the identity; here: each minted one.
      onMint: async (minted) => {
        await admin.acl('SETUSER', OBJECT_ID, 'on', `>${minted.token}`, `~${PREFIX}*`, '+@all');
      },
    });
    restore = tokens.useForManagedIdentity();
    auth = new EntraRedisAuth({
      credential: createAzureCredential({ kind: 'managed-identity', clientId: CLIENT }),
      // Renew after half the (six-second) lifetime, so the test sees a renewal in about three seconds.
      renewAfter: 0.5,
    });
    store = createRedisCacheStore({ url: redisUrl, keyPrefix: PREFIX, credentials: auth });
  });

  afterAll(async () => {
    await store?.close();
    restore?.();
    await tokens?.close();
    if (admin) {
      await admin.acl('DELUSER', OBJECT_ID).catch(() => undefined);
      await admin.quit();
    }
  });

  it('AUTHs as the object id with a Redis token of the user-assigned identity', async () => {
    expect(store.authentication).toBe('entra-id');
    await store.set('k', 'v', 60_000);
    expect(await store.get('k')).toBe('v');
    expect(await connections()).toHaveLength(1);
    expect(tokens.requests[0]).toEqual({ resource: 'https://redis.azure.com', clientId: CLIENT });
  });

  it('re-AUTHs the live connection with the renewed token, and reconnects with it once the old one is gone', async () => {
    const [connection] = await connections();
    const first = auth.credentials?.password;
    const authsBefore = await authCalls();
    await eventually(async () => auth.credentials?.password !== first && (await authCalls()) > authsBefore);
    // The same connection: it was re-authenticated, not replaced.
    expect(await connections()).toEqual([connection]);
    expect(await store.get('k')).toBe('v');

    // Only the renewed token is accepted now; a dropped connection comes back with it.
    await admin.acl('SETUSER', OBJECT_ID, `<${first ?? ''}`);
    await admin.client('KILL', 'USER', OBJECT_ID);
    await eventually(async () => (await store.get('k')) === 'v');
    const [reconnected] = await connections();
    expect(reconnected).toBeDefined();
    expect(reconnected).not.toBe(connection);
  });
});
