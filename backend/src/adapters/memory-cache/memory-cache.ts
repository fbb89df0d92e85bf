/**
 * In-process cache adapter (the embedded default): one bounded LRU map of key → { value, expiresAt }, expiry
 * read from the injected Clock on access (expired entries are dropped when touched or evicted as least
 * recently used). Window counters are ordinary entries whose value is the decimal count.
 */
import { LRUCache } from 'lru-cache';
import type { CacheStore, WindowCount } from '../../ports/cache-store';
import type { Clock } from '../../ports/clock';
import { systemClock } from '../../ports/clock';
import { wholeTtl } from '../cache-ttl';

export interface MemoryCacheOptions {
  /** Most entries kept; the least recently used goes first. Default 100,000. */
  readonly maxEntries?: number;
  /** Source of "now" for TTLs; default the system clock. */
  readonly clock?: Clock;
}

interface Entry {
  readonly value: string;
  /** Clock time (ms) at which the entry stops existing. */
  readonly expiresAt: number;
}

/**
 * CacheStore kept in this process. Expiry is computed from `clock` rather than lru-cache's own TTL tracking,
 * which reads time through a 1 ms debounce timer and treats a start time of 0 as "no TTL" (both break a
 * fake clock).
 */
export class MemoryCacheStore implements CacheStore {
  readonly kind = 'memory' as const;
  private readonly entries: LRUCache<string, Entry>;
  private readonly clock: Clock;

  /** @throws RangeError when `maxEntries` is not a positive integer. */
  constructor(options: MemoryCacheOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    if (!Number.isInteger(maxEntries) || maxEntries <= 0) {
      throw new RangeError(`maxEntries must be a positive integer, got ${maxEntries}`);
    }
    this.entries = new LRUCache<string, Entry>({ max: maxEntries });
    this.clock = options.clock ?? systemClock;
  }

  /** Number of entries held, expired ones not yet dropped included (for tests and metrics). */
  get size(): number {
    return this.entries.size;
  }

  async get(key: string): Promise<string | undefined> {
    return this.live(key)?.value;
  }

  /** @throws RangeError when `ttlMs` is not a positive number. */
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.entries.set(key, { value, expiresAt: this.clock.now() + wholeTtl(ttlMs) });
  }

  /** @throws RangeError when `ttlMs` is not a positive number. */
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ttl = wholeTtl(ttlMs);
    if (this.live(key)) return false;
    this.entries.set(key, { value, expiresAt: this.clock.now() + ttl });
    return true;
  }

  async del(key: string): Promise<void> {
    this.entries.delete(key);
  }

  /**
   * Like the Redis script: a missing key starts a window of `windowMs` at count 1; an existing key keeps its
   * expiry.
   * @throws RangeError when `windowMs` is not a positive number; Error when the key holds a non-integer
   * value (as Redis INCR does).
   */
  async incrementWindow(key: string, windowMs: number): Promise<WindowCount> {
    const window = wholeTtl(windowMs);
    const now = this.clock.now();
    const current = this.live(key);
    if (!current) {
      this.entries.set(key, { value: '1', expiresAt: now + window });
      return { count: 1, resetInMs: window };
    }
    if (!/^-?\d+$/.test(current.value)) throw new Error(`cache key ${key} does not hold an integer`);
    const count = Number(current.value) + 1;
    this.entries.set(key, { value: String(count), expiresAt: current.expiresAt });
    return { count, resetInMs: current.expiresAt - now };
  }

  async ping(): Promise<void> {}

  /** Drops every entry; the store stays usable (it holds no connection). */
  async close(): Promise<void> {
    this.entries.clear();
  }

  /** The entry if present and not expired; drops it when expired. */
  private live(key: string): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (this.clock.now() >= entry.expiresAt) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
