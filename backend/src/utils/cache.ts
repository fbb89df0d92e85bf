/**
 * Cache facade with the seed's TTL policy (active sessions 5 min, QR tokens 30 s, attendance for the session's
 * duration): JSON values, read-through `remember`, write-through `invalidate`, fixed-window rate limits and
 * one-time claims, over whichever CacheStore the composition root picked. Keys come from `cacheKeys`.
 */
import type { CacheStore } from '../ports/cache-store';
import type { Clock } from '../ports/clock';

/** Version of the key layout and value shapes; bump it when a cached shape changes incompatibly. */
export const CACHE_NAMESPACE = 'qrca:v1:';

/** TTL policy (ms). */
export const CACHE_TTL = {
  activeSessionMs: 5 * 60_000,
  qrTokenMs: 30_000,
  /** Role facts (teacher allow-list membership, users): changes made elsewhere show within this. */
  directoryMs: 5 * 60_000,
  /** Attendance stays cached this long after its session's end (late views, the closing summary). */
  attendanceGraceMs: 30 * 60_000,
  /** Shortest attendance TTL, for sessions that have already ended. */
  attendanceMinMs: 60_000,
} as const;

/** TTL for a session's attendance: until the session ends plus the grace period, and at least the minimum. */
export function attendanceTtlMs(endsAtMs: number, nowMs: number): number {
  return Math.max(CACHE_TTL.attendanceMinMs, endsAtMs - nowMs + CACHE_TTL.attendanceGraceMs);
}

/** A full cache key (namespace included); build one with {@link cacheKeys}. */
export type CacheKey = string & { readonly __brand: 'CacheKey' };

/** Joins the namespace and parts; each part is URI-encoded so no id can contain the `:` separator. */
function key(...parts: string[]): CacheKey {
  return (CACHE_NAMESPACE + parts.map(encodeURIComponent).join(':')) as CacheKey;
}

/** The only way to make cache keys. */
export const cacheKeys = {
  /** An active session's record. */
  session: (sessionId: string): CacheKey => key('session', sessionId),
  /** One rotating QR token of a session. */
  qrToken: (sessionId: string, tokenId: string): CacheKey => key('qr', sessionId, tokenId),
  /** Client addresses of the screens that showed a session's projector codes. */
  displays: (sessionId: string): CacheKey => key('displays', sessionId),
  /** Presence of a student in a session (heartbeat). */
  online: (sessionId: string, studentId: string): CacheKey => key('online', sessionId, studentId),
  /** A chain row with its ETag (the hand-off's compare-and-swap target). */
  chain: (sessionId: string, chainId: string): CacheKey => key('chain', sessionId, chainId),
  /** A session's attendance list. */
  attendance: (sessionId: string): CacheKey => key('attendance', sessionId),
  /** A rate-limit counter, e.g. `rate('scan', studentId)`. */
  rate: (scope: string, id: string): CacheKey => key('rate', scope, id),
  /** Whether an email (by its key) is on the teacher allow-list. */
  teacherAllowed: (emailKey: string): CacheKey => key('teacher', emailKey),
  /** Whether a session token (by jti) was revoked. */
  revoked: (jti: string): CacheKey => key('revoked', jti),
  /** A registered device key of a user, by its id (a scan's signature is checked against it). */
  device: (userId: string, deviceId: string): CacheKey => key('device', userId, deviceId),
  /** A user record, by email key (platform sign-in resolves it on every request). */
  user: (emailKey: string): CacheKey => key('user', emailKey),
  /** A sign-in code's stored hash, by email key. */
  signInCode: (emailKey: string): CacheKey => key('otp', emailKey),
  /** The AI summary written for a live session's insights, by a digest of their figures. */
  insightsSummary: (sessionId: string, digest: string): CacheKey => key('summary', sessionId, digest),
  /** A one-time claim, e.g. an idempotency key or a used token: `once('scan', idempotencyKey)`. */
  once: (scope: string, id: string): CacheKey => key('once', scope, id),
};

export interface RateLimitResult {
  readonly allowed: boolean;
  /** Requests in the current window, this one included. */
  readonly count: number;
  /** 0 when allowed; otherwise whole seconds until the window resets (>= 1), for a Retry-After header. */
  readonly retryAfterSeconds: number;
}

/** A load in progress; `stale` once its key was invalidated meanwhile (then its result is not cached). */
interface Load<T> {
  promise: Promise<T>;
  stale: boolean;
}

/**
 * JSON cache over a CacheStore. Every method passes on the store's errors (e.g. RedisCacheError when Redis
 * is unreachable); callers that can do without the cache decide whether to fall back.
 */
export class Cache {
  /** Loads in progress, by key: concurrent misses in this process share one load. */
  private readonly loads = new Map<string, Load<unknown>>();

  constructor(
    private readonly store: CacheStore,
    private readonly clock: Clock,
  ) {}

  get kind(): CacheStore['kind'] {
    return this.store.kind;
  }

  /**
   * The cached value, or undefined on a miss. A value that is not valid JSON, or that `parse` rejects (a
   * shape from an older release), counts as a miss and is deleted.
   * @throws the store's errors.
   */
  async getJson<T>(cacheKey: CacheKey, parse?: (value: unknown) => T): Promise<T | undefined> {
    const text = await this.store.get(cacheKey);
    if (text === undefined) return undefined;
    try {
      const value: unknown = JSON.parse(text);
      return parse ? parse(value) : (value as T);
    } catch {
      await this.store.del(cacheKey);
      return undefined;
    }
  }

  /**
   * Stores `value` as JSON for `ttlMs`.
   * @throws TypeError when `value` has no JSON form (undefined, a function); RangeError for a TTL that is
   * not positive; the store's errors.
   */
  async setJson(cacheKey: CacheKey, value: unknown, ttlMs: number): Promise<void> {
    const text = JSON.stringify(value) as string | undefined;
    if (text === undefined) throw new TypeError(`cannot cache ${typeof value} at ${cacheKey}`);
    await this.store.set(cacheKey, text, ttlMs);
  }

  /**
   * Read-through: the cached value, or `load()`'s result, cached for `ttlMs` (undefined is returned but not
   * cached; null is cached). T must be plain JSON data: later callers get the value back through JSON. Concurrent misses in this process share one load; a load overtaken by `invalidate` of its key
   * is returned to its callers but not cached.
   * @throws what `load` throws (nothing is cached); the store's errors.
   */
  async remember<T>(
    cacheKey: CacheKey,
    ttlMs: number,
    load: () => Promise<T>,
    parse?: (value: unknown) => T,
  ): Promise<T> {
    const cached = await this.getJson(cacheKey, parse);
    if (cached !== undefined) return cached;
    const pending = this.loads.get(cacheKey);
    if (pending) return pending.promise as Promise<T>;
    // Registered before the load starts, so a load that fails at once still unregisters itself.
    const flight = { stale: false } as Load<T>;
    this.loads.set(cacheKey, flight);
    flight.promise = this.loadThrough(cacheKey, ttlMs, load, flight);
    return flight.promise;
  }

  private async loadThrough<T>(cacheKey: CacheKey, ttlMs: number, load: () => Promise<T>, flight: Load<T>): Promise<T> {
    try {
      const value = await load();
      if (value !== undefined && !flight.stale) await this.setJson(cacheKey, value, ttlMs);
      return value;
    } finally {
      if (this.loads.get(cacheKey) === flight) this.loads.delete(cacheKey);
    }
  }

  /**
   * Deletes the keys (write-through invalidation: call it after the write that made them stale).
   * @throws the store's errors.
   */
  async invalidate(...keys: CacheKey[]): Promise<void> {
    for (const cacheKey of keys) {
      const pending = this.loads.get(cacheKey);
      if (pending) {
        pending.stale = true;
        this.loads.delete(cacheKey);
      }
    }
    await Promise.all(keys.map((cacheKey) => this.store.del(cacheKey)));
  }

  /**
   * Counts one request against `limit` per fixed window of `windowMs` (the window starts at its first
   * request). Refused requests still count.
   * @throws RangeError for a window that is not positive; the store's errors.
   */
  async rateLimit(cacheKey: CacheKey, limit: number, windowMs: number): Promise<RateLimitResult> {
    const { count, resetInMs } = await this.store.incrementWindow(cacheKey, windowMs);
    const allowed = count <= limit;
    return { allowed, count, retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(resetInMs / 1000)) };
  }

  /**
   * True for exactly one caller per key until `ttlMs` passes (idempotency keys, one-time tokens). The claim
   * holds `holder` (JSON; the claim time by default), which others may read with {@link getJson}.
   * @throws RangeError for a TTL that is not positive; the store's errors.
   */
  async claimOnce(cacheKey: CacheKey, ttlMs: number, holder: unknown = this.clock.now()): Promise<boolean> {
    return this.store.setIfAbsent(cacheKey, JSON.stringify(holder), ttlMs);
  }

  /** {@link attendanceTtlMs} at the clock's now. */
  attendanceTtlMs(endsAtMs: number): number {
    return attendanceTtlMs(endsAtMs, this.clock.now());
  }
}
