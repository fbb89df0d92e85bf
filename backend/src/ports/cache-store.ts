/**
 * Cache port: a small key-value store with TTLs, used through the facade in `utils/cache.ts`.
 * Adapters: in-process LRU (default) and Redis. Values are strings; the facade does JSON.
 */

export interface WindowCount {
  /** Count in the current window, including this increment. */
  readonly count: number;
  /** Milliseconds until the window resets. */
  readonly resetInMs: number;
}

export interface CacheStore {
  readonly kind: 'memory' | 'redis';
  get(key: string): Promise<string | undefined>;
  /** Sets the value with a TTL in milliseconds (> 0). */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Sets only if the key is absent; true when this call set it. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  del(key: string): Promise<void>;
  /** Fixed-window counter: increments `key`, starting a window of `windowMs` on the first increment. */
  incrementWindow(key: string, windowMs: number): Promise<WindowCount>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
