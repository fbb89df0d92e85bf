/** MemoryCacheStore: the CacheStore contract on a fake clock, plus exact TTL boundaries and the LRU bound. */
import { describe, expect, it } from 'vitest';
import { describeCacheStoreContract } from '../cache-store.contract';
import { MemoryCacheStore } from './memory-cache';
import { FakeClock } from '../../test-support/fake-clock';

describeCacheStoreContract('memory', async () => {
  const clock = new FakeClock();
  return {
    store: new MemoryCacheStore({ clock }),
    elapse: async (ms) => clock.advance(ms),
    ttlMs: 1_000,
  };
});

describe('MemoryCacheStore', () => {
  it('keeps a value for exactly its TTL (whole ms, rounded up) on the injected clock', async () => {
    const clock = new FakeClock(0); // a clock at 0 is fine (lru-cache's own TTLs would treat 0 as "no TTL")
    const store = new MemoryCacheStore({ clock });
    await store.set('k', 'v', 99.2);
    clock.advance(99);
    expect(await store.get('k')).toBe('v');
    clock.advance(1);
    expect(await store.get('k')).toBeUndefined();
    expect(store.size).toBe(0); // dropped when found expired
  });

  it('reports the exact time left in a window', async () => {
    const clock = new FakeClock();
    const store = new MemoryCacheStore({ clock });
    expect(await store.incrementWindow('w', 1_000)).toEqual({ count: 1, resetInMs: 1_000 });
    clock.advance(250);
    expect(await store.incrementWindow('w', 1_000)).toEqual({ count: 2, resetInMs: 750 });
    clock.advance(749);
    expect(await store.incrementWindow('w', 1_000)).toEqual({ count: 3, resetInMs: 1 });
    clock.advance(1);
    expect(await store.incrementWindow('w', 1_000)).toEqual({ count: 1, resetInMs: 1_000 });
  });

  it('counts on from a value that set stored, keeping its expiry (as Redis INCR does)', async () => {
    const clock = new FakeClock();
    const store = new MemoryCacheStore({ clock });
    await store.set('w', '41', 500);
    expect(await store.incrementWindow('w', 10_000)).toEqual({ count: 42, resetInMs: 500 });
  });

  it('holds at most maxEntries, evicting the least recently used', async () => {
    const store = new MemoryCacheStore({ maxEntries: 3, clock: new FakeClock() });
    await store.set('a', '1', 60_000);
    await store.set('b', '2', 60_000);
    await store.set('c', '3', 60_000);
    await store.get('a'); // a is now the most recently used
    await store.set('d', '4', 60_000);
    expect(store.size).toBe(3);
    expect(await store.get('b')).toBeUndefined();
    expect(await store.get('a')).toBe('1');
    expect(await store.get('c')).toBe('3');
    expect(await store.get('d')).toBe('4');
  });

  it('rejects a maxEntries that is not a positive integer', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => new MemoryCacheStore({ maxEntries: bad })).toThrow(RangeError);
    }
  });

  it('uses the system clock by default', async () => {
    const store = new MemoryCacheStore();
    await store.set('k', 'v', 60_000);
    expect(await store.get('k')).toBe('v');
  });
});
