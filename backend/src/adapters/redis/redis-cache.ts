/**
 * Redis cache adapter (Azure Managed Redis, Azure Cache for Redis, or any Redis >= 6): each port key is one Redis
 * string under `keyPrefix`, always written with a PX expiry; window counters are INCR'd strings whose first
 * increment sets the window as their expiry (one Lua script, so count and expiry are atomic). AUTH comes from the
 * URL, or from a credentials provider whose password changes (Microsoft Entra ID tokens, see entra-redis-auth.ts):
 * the live connection re-AUTHs on every renewal and reconnects use the latest credentials.
 */
import { Redis } from 'ioredis';
import type { CacheStore, WindowCount } from '../../ports/cache-store';
import type { RetryOptions } from '../../utils/retry';
import { retry } from '../../utils/retry';
import { wholeTtl } from '../cache-ttl';
import type { RedisCredentials, RedisCredentialsProvider } from './entra-redis-auth';

export interface RedisCacheOptions {
  /** `redis://[[user]:password@]host[:port][/db]`, or `rediss://` for TLS (Azure: port 6380). */
  readonly url: string;
  /** Prepended to every key, e.g. `prod:` to share one Redis between deployments. Default none. */
  readonly keyPrefix?: string;
  /** Longest wait for a TCP connection (and for the store to become ready). Default 2,000 ms. */
  readonly connectTimeoutMs?: number;
  /** Longest wait for a command's reply once sent. Default 1,000 ms. */
  readonly commandTimeoutMs?: number;
  /** Backoff for transient failures; default 3 attempts from a 50 ms ceiling. `idempotent` is set per command. */
  readonly retry?: Omit<RetryOptions, 'idempotent'>;
  /** Connection errors (they also surface, mapped, from the commands that hit them); for logs. */
  readonly onError?: (error: Error) => void;
  /**
   * AUTH user and password that change over time (Entra ID tokens); the URL then carries none. The first
   * connection waits for the first credentials.
   */
  readonly credentials?: RedisCredentialsProvider;
}

/**
 * A Redis failure with a `code` that `utils/retry.ts` classifies: `ECONNREFUSED` when the command was never
 * written to a connection (safe to retry even for INCR and SET NX), `ECONNRESET` when the connection was lost
 * with the command in flight, `ETIMEDOUT` when no reply came in time (both: it may have been applied), and
 * no code once the store is closed (not transient). The ioredis error is kept as `cause`.
 */
export class RedisCacheError extends Error {
  override readonly name = 'RedisCacheError';
  /** For the error mapping: the 503 names the cache. */
  readonly dependency = 'cache';
  readonly code: 'ECONNREFUSED' | 'ECONNRESET' | 'ETIMEDOUT' | undefined;

  constructor(message: string, code: RedisCacheError['code'], cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
  }
}

/**
 * INCR, and give the key the window as its expiry when this increment created it or when it has none (a key
 * left without one by a crash between INCR and PEXPIRE on an older version, or written by hand). PTTL, not
 * `PEXPIRE … NX`, so it runs on Redis 6.
 */
const INCREMENT_WINDOW_LUA = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if count == 1 or ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return { count, ttl }
`;

/** The script above, registered with `defineCommand` (EVALSHA, falling back to EVAL on NOSCRIPT). */
interface WindowCommands {
  qrcaIncrementWindow(key: string, windowMs: number): Promise<unknown>;
}

/**
 * CacheStore on one ioredis connection. Fails fast when Redis is down: no offline queue (a command issued while
 * disconnected fails at once as never sent, while the connection is first being made it waits for it up to
 * the connect timeout), in-flight commands are failed as soon as the connection drops (never re-sent behind
 * the caller's back), and each command has a reply timeout. Every command goes through `retry()`; SET NX and
 * the window increment are retried only when they were never sent.
 */
export class RedisCacheStore implements CacheStore {
  readonly kind = 'redis' as const;
  /** How the connection authenticates: not at all, with the URL's password, or with Entra ID tokens. */
  readonly authentication: 'none' | 'password' | 'entra-id';
  private readonly client: Redis;
  private readonly readyTimeoutMs: number;
  private readonly retryOptions: Omit<RetryOptions, 'idempotent'>;
  private readonly credentials: RedisCredentialsProvider | undefined;
  private lastError: Error | undefined;
  private readyWait: Promise<void> | undefined;
  private connecting: Promise<void> | undefined;
  private closing: Promise<void> | undefined;

  /** Starts connecting at once; use {@link createRedisCacheStore}. Never throws for an unreachable server. */
  constructor(options: RedisCacheOptions) {
    const connectTimeout = options.connectTimeoutMs ?? 2_000;
    const commandTimeout = options.commandTimeoutMs ?? 1_000;
    this.readyTimeoutMs = connectTimeout + commandTimeout;
    this.retryOptions = { maxAttempts: 3, baseDelayMs: 50, ...options.retry };
    this.credentials = options.credentials;
    const url = new URL(options.url);
    if (this.credentials && (url.username || url.password)) {
      throw new Error('give Redis credentials in the URL or from a credentials provider, not both');
    }
    this.authentication = this.credentials ? 'entra-id' : url.password ? 'password' : 'none';
    this.client = new Redis(options.url, {
      keyPrefix: options.keyPrefix,
      // With a credentials provider the first connection waits for its first credentials.
      lazyConnect: this.credentials !== undefined,
      connectTimeout,
      commandTimeout,
      enableOfflineQueue: false,
      // 0: fail the commands in flight on every disconnect instead of after N reconnect attempts.
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      // Keep reconnecting in the background (the default backoff, capped at 2 s); commands fail fast meanwhile.
      retryStrategy: (times) => Math.min(times * 50, 2_000),
      // After a failover the old primary answers READONLY: reconnect to reach the new one.
      reconnectOnError: (error) => error.message.startsWith('READONLY'),
    });
    this.client.on('error', (error: Error) => {
      this.lastError = error;
      options.onError?.(error);
    });
    this.client.on('ready', () => {
      this.lastError = undefined;
    });
    this.client.defineCommand('qrcaIncrementWindow', { numberOfKeys: 1, lua: INCREMENT_WINDOW_LUA });
    if (this.credentials) {
      this.credentials.onRenew((renewed) => this.reauthenticate(renewed));
      this.beginConnect().catch((error: unknown) => {
        this.lastError = error instanceof Error ? error : new Error(String(error));
        options.onError?.(this.lastError);
      });
    }
  }

  /** Connects (with a credentials provider: once its first credentials are there); shared by concurrent callers. */
  private beginConnect(): Promise<void> {
    this.connecting ??= (async () => {
      if (this.credentials) this.useCredentials(await this.credentials.start());
      if (this.client.status === 'wait') await this.client.connect();
    })().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** Reconnects authenticate with these. */
  private useCredentials(credentials: RedisCredentials): void {
    this.client.options.username = credentials.username;
    this.client.options.password = credentials.password;
  }

  /** A renewed token: later reconnects use it, and the live connection re-AUTHs before the old one expires. */
  private reauthenticate(credentials: RedisCredentials): void {
    this.useCredentials(credentials);
    if (this.client.status !== 'ready') return;
    this.client.auth(credentials.username, credentials.password).catch((error: unknown) => {
      // The connection is then dropped by the server when the old token expires; reconnects use the new one.
      this.lastError = error instanceof Error ? error : new Error(String(error));
    });
  }

  /** @throws RedisCacheError (see its codes). */
  async get(key: string): Promise<string | undefined> {
    const value = await this.run(true, () => this.client.get(key));
    return value ?? undefined;
  }

  /** @throws RangeError for a TTL that is not positive; RedisCacheError. */
  async set(key: string, value: string, ttlMs: number): Promise<void> {
    const ttl = wholeTtl(ttlMs);
    await this.run(true, () => this.client.set(key, value, 'PX', ttl));
  }

  /** @throws RangeError for a TTL that is not positive; RedisCacheError. */
  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    const ttl = wholeTtl(ttlMs);
    const reply = await this.run(false, () => this.client.set(key, value, 'PX', ttl, 'NX'));
    return reply === 'OK';
  }

  /** @throws RedisCacheError. */
  async del(key: string): Promise<void> {
    await this.run(true, () => this.client.del(key));
  }

  /**
   * @throws RangeError for a window that is not positive; RedisCacheError; a ReplyError when the key holds a
   * non-integer value.
   */
  async incrementWindow(key: string, windowMs: number): Promise<WindowCount> {
    const window = wholeTtl(windowMs);
    const commands = this.client as unknown as WindowCommands;
    const reply = await this.run(false, () => commands.qrcaIncrementWindow(key, window));
    if (!Array.isArray(reply) || typeof reply[0] !== 'number' || typeof reply[1] !== 'number') {
      throw new Error(`unexpected reply from the window script: ${JSON.stringify(reply)}`);
    }
    // PTTL can round down to 0 in the window's last millisecond; the port promises a window still open.
    return { count: reply[0], resetInMs: Math.max(1, reply[1]) };
  }

  /** @throws RedisCacheError. */
  async ping(): Promise<void> {
    await this.run(true, () => this.client.ping());
  }

  /** QUIT (waits for replies in flight), or drops the connection when it is not up. Idempotent; never throws. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.credentials?.stop();
    if (this.client.status === 'ready') {
      try {
        await this.client.quit();
        return;
      } catch {
        // fall through: drop the connection
      }
    }
    this.client.disconnect();
  }

  /** One command through retry(), with ioredis errors mapped to RedisCacheError. */
  private run<T>(idempotent: boolean, command: () => Promise<T>): Promise<T> {
    return retry(
      async () => {
        await this.whenReady();
        try {
          return await command();
        } catch (error) {
          throw this.mapError(error);
        }
      },
      { ...this.retryOptions, idempotent },
    );
  }

  /**
   * Resolves when a command issued now is written to a live connection. While the first connection (or a
   * reconnect attempt) is under way, waits for it up to the connect timeout; while Redis is known to be
   * down, fails at once (code ECONNREFUSED: nothing was sent).
   */
  private async whenReady(): Promise<void> {
    if (this.closing) throw new RedisCacheError('the Redis cache store is closed', undefined);
    const status = this.client.status;
    if (status === 'ready') return;
    if (status !== 'wait' && status !== 'connecting' && status !== 'connect') throw this.notSent(status);
    this.readyWait ??= new Promise<void>((resolve, reject) => {
      const settle = (error?: Error) => {
        clearTimeout(timer);
        this.client.off('ready', onReady);
        this.client.off('close', onClose);
        this.readyWait = undefined;
        if (error) reject(error);
        else resolve();
      };
      const onReady = () => settle();
      const onClose = () => settle(this.notSent('closed while connecting'));
      const timer = setTimeout(() => settle(this.notSent('not ready in time')), this.readyTimeoutMs);
      this.client.once('ready', onReady);
      this.client.once('close', onClose);
      if (this.client.status === 'wait') {
        this.beginConnect().catch((error: unknown) => {
          if (this.credentials && !this.client.options.password) {
            this.lastError = error instanceof Error ? error : new Error(String(error));
            settle(this.notSent('no credentials'));
          }
        });
      }
    });
    await this.readyWait;
  }

  private notSent(state: string): RedisCacheError {
    const reason = this.lastError ? `: ${this.lastError.message}` : '';
    return new RedisCacheError(`Redis is not connected (${state})${reason}`, 'ECONNREFUSED', this.lastError);
  }

  /** Connection-level ioredis errors (which carry no code) → RedisCacheError; Redis replies pass unchanged. */
  private mapError(error: unknown): unknown {
    if (!(error instanceof Error)) return error;
    if (error.name === 'MaxRetriesPerRequestError') {
      return new RedisCacheError('the connection to Redis was lost with the command in flight', 'ECONNRESET', error);
    }
    if (error.message === 'Command timed out') {
      return new RedisCacheError('Redis did not reply in time', 'ETIMEDOUT', error);
    }
    if (error.message.startsWith("Stream isn't writeable")) return this.notSent('not writable');
    if (error.message === 'Connection is closed.') {
      return this.closing
        ? new RedisCacheError('the Redis cache store is closed', undefined, error)
        : new RedisCacheError('the connection to Redis closed with the command in flight', 'ECONNRESET', error);
    }
    return error;
  }
}

/** Creates a RedisCacheStore and starts connecting (commands wait for the first connection). Never throws. */
export function createRedisCacheStore(options: RedisCacheOptions): RedisCacheStore {
  return new RedisCacheStore(options);
}
