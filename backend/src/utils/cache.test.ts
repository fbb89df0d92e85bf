/** Cache facade over MemoryCacheStore on a fake clock: TTL policy, keys, JSON, read-through, limits, claims. */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryCacheStore } from '../adapters/memory-cache/memory-cache';
import { Cache, CACHE_NAMESPACE, CACHE_TTL, attendanceTtlMs, cacheKeys } from './cache';
import { FakeClock } from '../test-support/fake-clock';

const MINUTE = 60_000;

let clock: FakeClock;
let store: MemoryCacheStore;
let cache: Cache;

beforeEach(() => {
  clock = new FakeClock();
  store = new MemoryCacheStore({ clock });
  cache = new Cache(store, clock);
});

describe('TTL policy', () => {
  it('caches active sessions for 5 minutes and QR tokens for 30 seconds', () => {
    expect(CACHE_TTL.activeSessionMs).toBe(5 * MINUTE);
    expect(CACHE_TTL.qrTokenMs).toBe(30_000);
  });

  it('caches attendance until the session ends plus a 30-minute grace, at least 1 minute', () => {
    const now = clock.now();
    expect(attendanceTtlMs(now + 90 * MINUTE, now)).toBe(120 * MINUTE);
    expect(attendanceTtlMs(now, now)).toBe(30 * MINUTE);
    expect(attendanceTtlMs(now - 29.5 * MINUTE, now)).toBe(MINUTE);
    expect(attendanceTtlMs(now - 24 * 60 * MINUTE, now)).toBe(MINUTE);
    expect(cache.attendanceTtlMs(now + 10 * MINUTE)).toBe(40 * MINUTE);
  });

  it('a session cached with the policy TTL is gone after 5 minutes', async () => {
    const key = cacheKeys.session('s1');
    await cache.setJson(key, { id: 's1' }, CACHE_TTL.activeSessionMs);
    clock.advance(5 * MINUTE - 1);
    expect(await cache.getJson(key)).toEqual({ id: 's1' });
    clock.advance(1);
    expect(await cache.getJson(key)).toBeUndefined();
  });
});

describe('cacheKeys', () => {
  it('namespaces every key and keeps kinds apart', () => {
    const keys = [
      cacheKeys.session('s1'),
      cacheKeys.qrToken('s1', 't1'),
      cacheKeys.attendance('s1'),
      cacheKeys.rate('scan', 's1'),
      cacheKeys.once('scan', 's1'),
    ];
    for (const key of keys) expect(key.startsWith(CACHE_NAMESPACE)).toBe(true);
    expect(new Set(keys).size).toBe(keys.length);
    expect(cacheKeys.session('s1')).toBe('qrca:v1:session:s1');
  });

  it('encodes parts so ids containing the separator cannot collide', () => {
    expect(cacheKeys.rate('a:b', 'c')).not.toBe(cacheKeys.rate('a', 'b:c'));
    expect(cacheKeys.qrToken('s:1', 't')).toBe('qrca:v1:qr:s%3A1:t');
  });
});

describe('JSON values', () => {
  it('round-trips JSON values, null included', async () => {
    const key = cacheKeys.attendance('s1');
    const value = { students: [{ id: 'ü-1', present: true }], count: 1 };
    await cache.setJson(key, value, MINUTE);
    expect(await cache.getJson<typeof value>(key)).toEqual(value);
    await cache.setJson(key, null, MINUTE);
    expect(await cache.getJson(key)).toBeNull();
  });

  it('treats a corrupt value as a miss and deletes it', async () => {
    const key = cacheKeys.session('s1');
    await store.set(key, '{"id":', MINUTE);
    expect(await cache.getJson(key)).toBeUndefined();
    expect(await store.get(key)).toBeUndefined();
  });

  it('treats a value that `parse` rejects (an old shape) as a miss and deletes it', async () => {
    const key = cacheKeys.session('s1');
    await store.set(key, '{"legacy":true}', MINUTE);
    const parse = (value: unknown): { id: string } => {
      if (typeof value === 'object' && value !== null && 'id' in value && typeof value.id === 'string') {
        return { id: value.id };
      }
      throw new Error('not a session');
    };
    expect(await cache.getJson(key, parse)).toBeUndefined();
    expect(await store.get(key)).toBeUndefined();
  });

  it('refuses to cache a value with no JSON form', async () => {
    await expect(cache.setJson(cacheKeys.session('s1'), undefined, MINUTE)).rejects.toThrow(TypeError);
  });
});

describe('remember (read-through)', () => {
  it('calls the loader once, serves the cached value until the TTL, then loads again', async () => {
    const key = cacheKeys.session('s1');
    let version = 0;
    const load = vi.fn(async () => ({ id: 's1', version: ++version }));
    expect(await cache.remember(key, CACHE_TTL.activeSessionMs, load)).toEqual({ id: 's1', version: 1 });
    clock.advance(CACHE_TTL.activeSessionMs - 1);
    expect(await cache.remember(key, CACHE_TTL.activeSessionMs, load)).toEqual({ id: 's1', version: 1 });
    expect(load).toHaveBeenCalledTimes(1);
    clock.advance(1);
    expect(await cache.remember(key, CACHE_TTL.activeSessionMs, load)).toEqual({ id: 's1', version: 2 });
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('shares one load between concurrent misses', async () => {
    const load = vi.fn(async () => 'token');
    const results = await Promise.all(
      Array.from({ length: 10 }, () => cache.remember(cacheKeys.qrToken('s1', 't1'), CACHE_TTL.qrTokenMs, load)),
    );
    expect(results).toEqual(Array(10).fill('token'));
    expect(load).toHaveBeenCalledTimes(1);
  });

  it('caches nothing when the loader fails, and tries again next time', async () => {
    const key = cacheKeys.session('s1');
    const failing = vi.fn(async (): Promise<string> => {
      throw new Error('store down');
    });
    await expect(cache.remember(key, MINUTE, failing)).rejects.toThrow('store down');
    expect(await cache.remember(key, MINUTE, async () => 'ok')).toBe('ok');
  });

  it('returns but does not cache an undefined result', async () => {
    const key = cacheKeys.session('missing');
    const load = vi.fn(async () => undefined);
    expect(await cache.remember(key, MINUTE, load)).toBeUndefined();
    expect(await cache.remember(key, MINUTE, load)).toBeUndefined();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('does not cache a load that an invalidate overtook', async () => {
    const key = cacheKeys.session('s1');
    let release: (value: string) => void = () => undefined;
    let loading: () => void = () => undefined;
    const loadStarted = new Promise<void>((resolve) => (loading = resolve));
    const slow = cache.remember(key, MINUTE, () => {
      loading();
      return new Promise<string>((resolve) => (release = resolve));
    });
    await loadStarted;
    await cache.invalidate(key); // a write happened while the old value was being read
    release('old');
    expect(await slow).toBe('old');
    expect(await cache.getJson(key)).toBeUndefined();
  });
});

describe('invalidate', () => {
  it('deletes every given key', async () => {
    const session = cacheKeys.session('s1');
    const attendance = cacheKeys.attendance('s1');
    const other = cacheKeys.session('s2');
    for (const key of [session, attendance, other]) await cache.setJson(key, 1, MINUTE);
    await cache.invalidate(session, attendance);
    expect(await cache.getJson(session)).toBeUndefined();
    expect(await cache.getJson(attendance)).toBeUndefined();
    expect(await cache.getJson(other)).toBe(1);
  });

  it('makes the next remember load fresh data', async () => {
    const key = cacheKeys.session('s1');
    await cache.remember(key, MINUTE, async () => 'v1');
    await cache.invalidate(key);
    expect(await cache.remember(key, MINUTE, async () => 'v2')).toBe('v2');
  });
});

describe('rateLimit', () => {
  it('allows `limit` requests per window, then refuses with Retry-After until the window resets', async () => {
    const key = cacheKeys.rate('scan', 'student-1');
    for (let i = 1; i <= 3; i++) {
      expect(await cache.rateLimit(key, 3, 10_000)).toEqual({ allowed: true, count: i, retryAfterSeconds: 0 });
    }
    clock.advance(2_500);
    expect(await cache.rateLimit(key, 3, 10_000)).toEqual({ allowed: false, count: 4, retryAfterSeconds: 8 });
    clock.advance(7_000);
    expect(await cache.rateLimit(key, 3, 10_000)).toEqual({ allowed: false, count: 5, retryAfterSeconds: 1 });
    clock.advance(499);
    expect((await cache.rateLimit(key, 3, 10_000)).retryAfterSeconds).toBe(1); // 1 ms left still says 1 s
    clock.advance(1);
    expect(await cache.rateLimit(key, 3, 10_000)).toEqual({ allowed: true, count: 1, retryAfterSeconds: 0 });
  });

  it('counts each key separately', async () => {
    await cache.rateLimit(cacheKeys.rate('scan', 'a'), 1, 10_000);
    expect((await cache.rateLimit(cacheKeys.rate('scan', 'a'), 1, 10_000)).allowed).toBe(false);
    expect((await cache.rateLimit(cacheKeys.rate('scan', 'b'), 1, 10_000)).allowed).toBe(true);
  });
});

describe('claimOnce', () => {
  it('is true for the first caller only, until the TTL passes', async () => {
    const key = cacheKeys.once('scan', 'idem-1');
    const claims = await Promise.all(Array.from({ length: 5 }, () => cache.claimOnce(key, MINUTE)));
    expect(claims.filter(Boolean)).toHaveLength(1);
    clock.advance(MINUTE);
    expect(await cache.claimOnce(key, MINUTE)).toBe(true);
  });
});

describe('kind', () => {
  it('reports the store kind', () => {
    expect(cache.kind).toBe('memory');
  });
});
