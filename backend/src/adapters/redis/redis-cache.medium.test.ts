/**
 * RedisCacheStore: the CacheStore contract against the real Redis at REDIS_URL (skipped without it), Redis
 * specifics, and failure behaviour through a TCP proxy that can swallow traffic or cut connections. Keys live
 * under a prefix unique to this run, and every key the store writes has a TTL, so a shared Redis is safe.
 */
import { randomUUID } from 'node:crypto';
import net from 'node:net';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { describeCacheStoreContract } from '../cache-store.contract';
import { freePort } from '../../test-support/free-port';
import type { RedisCacheOptions, RedisCacheStore } from './redis-cache';
import { createRedisCacheStore } from './redis-cache';

const redisUrl = inject('redisUrl');
const runPrefix = `qrca-test:${randomUUID()}:`;
let storeCount = 0;

if (!redisUrl) {
  console.warn(
    '[redis-cache.medium] REDIS_URL is not set: skipping the Redis CacheStore contract and Redis-backed cases ' +
      '(run with REDIS_URL=redis://127.0.0.1:6379). Only the unreachable-server case runs.',
  );
}

/** A store under a key prefix of its own; closed by the caller (or by `stores.closeAll`). */
function openStore(options: Partial<RedisCacheOptions> = {}): RedisCacheStore {
  storeCount += 1;
  return createRedisCacheStore({ url: redisUrl, keyPrefix: `${runPrefix}${storeCount}:`, ...options });
}

/**
 * Lets `ms` pass as the Redis server's clock sees it (its TIME), which is what its TTLs follow: polled, so a
 * loaded machine neither cuts it short nor adds much to it.
 */
async function elapseOnServer(client: Redis, ms: number): Promise<void> {
  const serverMs = async () => {
    const [seconds, micros] = await client.time();
    return Number(seconds) * 1000 + Number(micros) / 1000;
  };
  const until = (await serverMs()) + ms;
  while ((await serverMs()) < until) await new Promise((resolve) => setTimeout(resolve, 5));
}

describe.skipIf(!redisUrl)('RedisCacheStore against REDIS_URL', () => {
  let clockClient: Redis | undefined;
  afterAll(async () => {
    await clockClient?.quit();
  });

  describeCacheStoreContract('redis', async () => ({
    store: openStore(),
    elapse: (ms) => elapseOnServer((clockClient ??= new Redis(redisUrl)), ms),
    // Timing cases keep 40% of a TTL as margin: 400 ms of scheduling delay on a loaded CI machine.
    ttlMs: 1_000,
  }));

  describe('Redis specifics', () => {
    let raw: Redis;
    const opened: RedisCacheStore[] = [];
    const open = (options: Partial<RedisCacheOptions> = {}) => {
      const store = openStore(options);
      opened.push(store);
      return store;
    };

    beforeAll(() => {
      raw = new Redis(redisUrl);
    });

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    afterAll(async () => {
      const keys = await raw.keys(`${runPrefix}*`);
      if (keys.length > 0) await raw.del(...keys);
      await raw.quit();
    });

    it('writes every key under the prefix with a PX expiry, the window script included', async () => {
      const keyPrefix = `${runPrefix}layout:`;
      const store = open({ keyPrefix });
      await store.set('plain', 'v', 60_000);
      await store.setIfAbsent('claim', 'v', 60_000);
      await store.incrementWindow('window', 30_000);
      expect((await raw.keys(`${keyPrefix}*`)).sort()).toEqual(
        [`${keyPrefix}claim`, `${keyPrefix}plain`, `${keyPrefix}window`].sort(),
      );
      expect(await raw.pttl(`${keyPrefix}plain`)).toBeGreaterThan(59_000);
      expect(await raw.pttl(`${keyPrefix}claim`)).toBeGreaterThan(59_000);
      expect(await raw.pttl(`${keyPrefix}window`)).toBeGreaterThan(29_000);
      expect(await raw.get(`${keyPrefix}window`)).toBe('1');
    });

    it('incrementWindow gives a counter left without an expiry the window as its expiry', async () => {
      const keyPrefix = `${runPrefix}repair:`;
      const store = open({ keyPrefix });
      await raw.set(`${keyPrefix}w`, '7');
      expect(await store.incrementWindow('w', 5_000)).toEqual({ count: 8, resetInMs: 5_000 });
      expect(await raw.pttl(`${keyPrefix}w`)).toBeGreaterThan(4_000);
    });

    it('incrementWindow survives a script cache flush (EVALSHA falls back to EVAL)', async () => {
      const store = open();
      await store.incrementWindow('w', 5_000);
      // SCRIPT FLUSH on a shared server only costs others one re-load of their scripts.
      await raw.script('FLUSH');
      expect((await store.incrementWindow('w', 5_000)).count).toBe(2);
    });

    it('fails a command in flight when the connection drops: SET NX is not retried, GET is', async () => {
      const proxy = await startProxy(redisUrl);
      try {
        const retries: number[] = [];
        const store = open({
          url: proxy.url,
          retry: {
            maxAttempts: 6,
            baseDelayMs: 50,
            random: () => 0.99,
            onRetry: ({ attempt }) => retries.push(attempt),
          },
        });
        await store.set('k', 'kept', 60_000);

        proxy.swallow = true; // the commands reach the proxy and go no further
        const claim = store.setIfAbsent('claim', 'v', 60_000);
        const read = store.get('k');
        await proxy.swallowed('SET', 'GET'); // both commands reached the proxy and were dropped
        proxy.swallow = false;
        proxy.dropConnections();

        await expect(claim).rejects.toMatchObject({ name: 'RedisCacheError', code: 'ECONNRESET' });
        await expect(read).resolves.toBe('kept'); // retried after the reconnect
        expect(retries.length).toBeGreaterThan(0);
      } finally {
        await proxy.close();
      }
    });

    it('times out a command with no reply (ETIMEDOUT) and does not retry the increment', async () => {
      const proxy = await startProxy(redisUrl);
      try {
        const retries: number[] = [];
        const store = open({
          url: proxy.url,
          commandTimeoutMs: 150,
          retry: { onRetry: ({ attempt }) => retries.push(attempt) },
        });
        await store.ping();
        proxy.swallow = true;
        const started = Date.now();
        await expect(store.incrementWindow('w', 60_000)).rejects.toMatchObject({ code: 'ETIMEDOUT' });
        expect(Date.now() - started).toBeLessThan(1_000);
        expect(retries).toEqual([]);
      } finally {
        proxy.dropConnections(); // the swallowed bytes leave the connection out of step
        await proxy.close();
      }
    });

    it('does not hang on a server that accepts connections but never answers', async () => {
      const proxy = await startProxy(redisUrl);
      proxy.swallow = true;
      try {
        const store = open({ url: proxy.url, connectTimeoutMs: 200, commandTimeoutMs: 200, retry: { maxAttempts: 2 } });
        const started = Date.now();
        await expect(store.get('k')).rejects.toMatchObject({ name: 'RedisCacheError', code: 'ECONNREFUSED' });
        expect(Date.now() - started).toBeLessThan(3_000);
      } finally {
        proxy.dropConnections();
        await proxy.close();
      }
    });

    it('rejects commands after close without a retryable code', async () => {
      const store = open();
      await store.ping();
      await store.close();
      await expect(store.get('k')).rejects.toMatchObject({ name: 'RedisCacheError', code: undefined });
    });
  });
});

describe('RedisCacheStore with no server listening', () => {
  it('fails every command fast with ECONNREFUSED, retrying even SET NX and INCR (nothing was sent)', async () => {
    const port = await freePort();
    const retries: number[] = [];
    const store = createRedisCacheStore({
      url: `redis://127.0.0.1:${port}`,
      retry: { maxAttempts: 3, onRetry: ({ attempt }) => retries.push(attempt) },
    });
    try {
      const started = Date.now();
      await expect(store.get('k')).rejects.toMatchObject({ name: 'RedisCacheError', code: 'ECONNREFUSED' });
      await expect(store.setIfAbsent('k', 'v', 1_000)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await expect(store.incrementWindow('k', 1_000)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
      await expect(store.ping()).rejects.toMatchObject({ cause: expect.objectContaining({ code: 'ECONNREFUSED' }) });
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(retries).toEqual([1, 2, 1, 2, 1, 2, 1, 2]);
    } finally {
      await store.close();
      await store.close();
    }
  });
});

/** A port nothing listens on (bound, then released). */
interface Proxy {
  /** REDIS_URL with the proxy's host and port (credentials and db kept). */
  readonly url: string;
  /** While true, bytes from clients are dropped instead of forwarded. */
  swallow: boolean;
  /** Resolves once the swallowed bytes (as text, any case) contain every one of `parts`. */
  swallowed(...parts: string[]): Promise<void>;
  dropConnections(): void;
  close(): Promise<void>;
}

/** A TCP proxy to the Redis at `target`, to simulate lost connections and a server that stops answering. */
async function startProxy(target: string): Promise<Proxy> {
  const upstreamUrl = new URL(target);
  const sockets = new Set<net.Socket>();
  let dropped = '';
  const waiters = new Set<{ parts: string[]; resolve: () => void }>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(upstreamUrl.port || 6379), upstreamUrl.hostname);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk: Buffer) => {
      if (!proxy.swallow) {
        upstream.write(chunk);
        return;
      }
      dropped += chunk.toString('latin1').toLowerCase();
      for (const waiter of [...waiters]) {
        if (waiter.parts.every((part) => dropped.includes(part.toLowerCase()))) waiter.resolve();
      }
    });
    upstream.on('data', (chunk) => client.write(chunk));
    for (const socket of [client, upstream]) {
      socket.on('close', drop);
      socket.on('error', drop);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String((server.address() as net.AddressInfo).port);
  const proxy: Proxy = {
    url: url.toString(),
    swallow: false,
    swallowed: (...parts) =>
      new Promise<void>((resolve) => {
        if (parts.every((part) => dropped.includes(part.toLowerCase()))) return resolve();
        const waiter = { parts, resolve: () => (waiters.delete(waiter), resolve()) };
        waiters.add(waiter);
      }),
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    close: async () => {
      proxy.dropConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
