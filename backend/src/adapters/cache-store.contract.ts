/**
 * Contract suite of the CacheStore port, run against every adapter (memory with a fake clock, Redis in real
 * time). Timing cases only assert with margins of at least 40% of a TTL, so they hold on a real server.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CacheStore } from '../ports/cache-store';

/** One fresh store (empty key space) and a way to let time pass for its TTLs. */
export interface CacheStoreHarness {
  readonly store: CacheStore;
  /** Lets at least `ms` pass as the store sees time: advance a fake clock, or follow a real server's clock. */
  elapse(ms: number): Promise<void>;
  /** The TTL and window the timing cases use: any for a fake clock; ~1 s against a real server. */
  readonly ttlMs: number;
}

/** Registers the contract cases; `open` is called before each case and its store closed after it. */
export function describeCacheStoreContract(name: string, open: () => Promise<CacheStoreHarness>): void {
  describe(`CacheStore contract: ${name}`, () => {
    let harness: CacheStoreHarness;
    let store: CacheStore;
    let ttl: number;

    beforeEach(async () => {
      harness = await open();
      store = harness.store;
      ttl = harness.ttlMs;
    });

    afterEach(async () => {
      await store.close();
    });

    it('get of a missing key is undefined', async () => {
      expect(await store.get('missing')).toBeUndefined();
    });

    it('set then get returns the value; del removes it; del of a missing key resolves', async () => {
      await store.set('k', 'v1', 60_000);
      expect(await store.get('k')).toBe('v1');
      await store.del('k');
      expect(await store.get('k')).toBeUndefined();
      await expect(store.del('k')).resolves.toBeUndefined();
    });

    it('keys are independent', async () => {
      await store.set('a', '1', 60_000);
      await store.set('b', '2', 60_000);
      await store.del('a');
      expect(await store.get('a')).toBeUndefined();
      expect(await store.get('b')).toBe('2');
    });

    it('a value expires after its TTL', async () => {
      await store.set('k', 'v', ttl);
      expect(await store.get('k')).toBe('v');
      await harness.elapse(ttl * 1.5);
      expect(await store.get('k')).toBeUndefined();
    });

    it('set overwrites the value and restarts the TTL', async () => {
      await store.set('k', 'old', ttl);
      await harness.elapse(ttl * 0.7);
      await store.set('k', 'new', ttl);
      await harness.elapse(ttl * 0.5); // past the first TTL, within the second
      expect(await store.get('k')).toBe('new');
      await harness.elapse(ttl * 0.6);
      expect(await store.get('k')).toBeUndefined();
    });

    it('rejects a TTL that is not positive', async () => {
      for (const bad of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
        await expect(store.set('k', 'v', bad)).rejects.toThrow(RangeError);
        await expect(store.setIfAbsent('k', 'v', bad)).rejects.toThrow(RangeError);
        await expect(store.incrementWindow('k', bad)).rejects.toThrow(RangeError);
      }
      expect(await store.get('k')).toBeUndefined();
    });

    it('setIfAbsent sets an absent key and leaves a present one (value and TTL) alone', async () => {
      expect(await store.setIfAbsent('k', 'first', ttl)).toBe(true);
      await harness.elapse(ttl * 0.7);
      expect(await store.setIfAbsent('k', 'second', ttl)).toBe(false);
      expect(await store.get('k')).toBe('first');
      await harness.elapse(ttl * 0.5); // the first TTL is over: the failed call did not extend it
      expect(await store.get('k')).toBeUndefined();
    });

    it('setIfAbsent: of 20 concurrent callers exactly one wins, and its value is stored', async () => {
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.setIfAbsent('claim', `caller-${i}`, 60_000)),
      );
      expect(results.filter(Boolean)).toHaveLength(1);
      expect(await store.get('claim')).toBe(`caller-${results.indexOf(true)}`);
    });

    it('setIfAbsent succeeds again once the key has expired', async () => {
      expect(await store.setIfAbsent('k', 'a', ttl)).toBe(true);
      await harness.elapse(ttl * 1.5);
      expect(await store.setIfAbsent('k', 'b', ttl)).toBe(true);
      expect(await store.get('k')).toBe('b');
    });

    it('incrementWindow counts 1..N within a window, with resetInMs in (0, window]', async () => {
      for (let expected = 1; expected <= 5; expected++) {
        const { count, resetInMs } = await store.incrementWindow('rate', ttl);
        expect(count).toBe(expected);
        expect(resetInMs).toBeGreaterThan(0);
        expect(resetInMs).toBeLessThanOrEqual(ttl);
      }
    });

    it('incrementWindow uses a fixed window from the first increment, then starts again at 1', async () => {
      expect((await store.incrementWindow('rate', ttl)).count).toBe(1);
      await harness.elapse(ttl * 0.6);
      const second = await store.incrementWindow('rate', ttl);
      expect(second.count).toBe(2);
      expect(second.resetInMs).toBeLessThanOrEqual(Math.ceil(ttl * 0.4)); // not extended by the increment
      await harness.elapse(ttl * 0.6);
      const fresh = await store.incrementWindow('rate', ttl);
      expect(fresh.count).toBe(1);
      expect(fresh.resetInMs).toBeGreaterThan(ttl * 0.6);
      expect(fresh.resetInMs).toBeLessThanOrEqual(ttl);
    });

    it('incrementWindow is atomic: 20 concurrent increments see 1..20', async () => {
      const results = await Promise.all(Array.from({ length: 20 }, () => store.incrementWindow('burst', 60_000)));
      expect(results.map((r) => r.count).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      expect(await store.get('burst')).toBe('20');
    });

    it('incrementWindow keeps separate counters per key', async () => {
      await store.incrementWindow('a', 60_000);
      await store.incrementWindow('a', 60_000);
      expect((await store.incrementWindow('b', 60_000)).count).toBe(1);
    });

    it('incrementWindow rejects a key holding a non-integer value', async () => {
      await store.set('text', 'not a number', 60_000);
      await expect(store.incrementWindow('text', 60_000)).rejects.toThrow();
      expect(await store.get('text')).toBe('not a number');
    });

    it('round-trips unicode keys and values, and large values, unchanged', async () => {
      const values = ['', 'plain', 'Zoë ✓ 東京 👩🏽‍🎓 مرحبا', 'e\u0301 vs é', 'nul\u0000byte\nline', '{"json":"\\u00e9"}'];
      for (const [i, value] of values.entries()) {
        await store.set(`ключ-🔑-${i}`, value, 60_000);
      }
      for (const [i, value] of values.entries()) {
        expect(await store.get(`ключ-🔑-${i}`)).toBe(value);
      }
      const large = '✓'.repeat(200_000);
      await store.set('large', large, 60_000);
      expect(await store.get('large')).toBe(large);
    });

    it('ping resolves', async () => {
      await expect(store.ping()).resolves.toBeUndefined();
    });

    it('close is idempotent', async () => {
      const other = await open();
      await other.store.ping();
      await other.store.close();
      await expect(other.store.close()).resolves.toBeUndefined();
    });
  });
}
