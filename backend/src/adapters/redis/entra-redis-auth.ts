/**
 * Redis AUTH with Microsoft Entra ID (Azure Managed Redis; also Azure Cache for Redis): the user name is the
 * identity's object id (the token's `oid` claim) and the password an Entra token for `https://redis.azure.com`,
 * renewed before it expires. Each renewal is handed to listeners: the Redis adapter re-AUTHs its live connection
 * with it (the service drops connections whose token expired) and uses it for reconnects. No helper package
 * exists for ioredis (`@redis/entraid` is node-redis'), so this is the small piece that package would be.
 */
import type { AccessToken } from '@azure/identity';
import { systemClock, type Clock } from '../../ports/clock';
import type { TokenCredential } from '../azure-identity/azure-credential';

/** The Entra scope of Azure Managed Redis and Azure Cache for Redis. */
export const REDIS_SCOPE = 'https://redis.azure.com/.default';

export interface RedisCredentials {
  readonly username: string;
  readonly password: string;
  /** When the password stops being accepted (ms since the epoch). */
  readonly expiresOn: number;
}

/** Where the Redis adapter gets its AUTH user and password from, when they change over time. */
export interface RedisCredentialsProvider {
  /**
   * Fetches the first credentials and starts renewing them; later calls return the current ones.
   * @throws Error when no credentials can be had.
   */
  start(): Promise<RedisCredentials>;
  /** `listener` gets every renewed set of credentials. */
  onRenew(listener: (credentials: RedisCredentials) => void): void;
  /** Stops renewing; idempotent. */
  stop(): void;
}

export interface EntraRedisAuthOptions {
  readonly credential: TokenCredential;
  readonly scope?: string;
  /** A token is renewed once this fraction of its lifetime has passed. Default 0.75. */
  readonly renewAfter?: number;
  /** Errors while renewing (the current token stays in use meanwhile); for logs. */
  readonly onError?: (error: Error) => void;
  readonly clock?: Clock;
}

/** Shortest wait before asking again. */
const MIN_DELAY_MS = 1_000;
/** Longest wait between attempts once a renewal is due but has not succeeded (or gave the same token). */
const MAX_RETRY_DELAY_MS = 60_000;

/**
 * The `oid` claim of an Entra access token (its payload is base64url JSON).
 * @throws Error when the token is not a JWT or has no `oid`.
 */
export function objectIdOf(token: string): string {
  const payload = token.split('.')[1];
  let claims: unknown;
  try {
    claims = payload ? JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) : undefined;
  } catch {
    claims = undefined;
  }
  const oid = (claims as { oid?: unknown } | undefined)?.oid;
  if (typeof oid !== 'string' || oid === '') {
    throw new Error('the Microsoft Entra token has no oid claim: Redis needs the object id as the user name');
  }
  return oid;
}

/** Token-refreshing Redis credentials from an Azure token credential. */
export class EntraRedisAuth implements RedisCredentialsProvider {
  private readonly scope: string;
  private readonly renewAfter: number;
  private readonly clock: Clock;
  private readonly listeners: ((credentials: RedisCredentials) => void)[] = [];
  private current: RedisCredentials | undefined;
  private starting: Promise<RedisCredentials> | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;

  constructor(private readonly options: EntraRedisAuthOptions) {
    this.scope = options.scope ?? REDIS_SCOPE;
    this.renewAfter = options.renewAfter ?? 0.75;
    this.clock = options.clock ?? systemClock;
  }

  /** @throws Error when the first token cannot be had (a later call tries again). */
  start(): Promise<RedisCredentials> {
    if (this.current) return Promise.resolve(this.current);
    this.starting ??= this.fetch()
      .then((credentials) => {
        this.current = credentials;
        this.schedule(this.renewDelay(credentials));
        return credentials;
      })
      .finally(() => {
        this.starting = undefined;
      });
    return this.starting;
  }

  onRenew(listener: (credentials: RedisCredentials) => void): void {
    this.listeners.push(listener);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The credentials in use now, if any. */
  get credentials(): RedisCredentials | undefined {
    return this.current;
  }

  private async fetch(): Promise<RedisCredentials & { readonly refreshAfter?: number }> {
    const token: AccessToken | null = await this.options.credential.getToken(this.scope);
    if (!token) throw new Error(`no Microsoft Entra token for ${this.scope}`);
    return {
      username: objectIdOf(token.token),
      password: token.token,
      expiresOn: token.expiresOnTimestamp,
      ...(token.refreshAfterTimestamp ? { refreshAfter: token.refreshAfterTimestamp } : {}),
    };
  }

  /** When to renew `credentials`: after `renewAfter` of its remaining lifetime, or its own refresh hint. */
  private renewDelay(credentials: RedisCredentials & { readonly refreshAfter?: number }): number {
    const now = this.clock.now();
    const byLifetime = (credentials.expiresOn - now) * this.renewAfter;
    const byHint = credentials.refreshAfter !== undefined ? credentials.refreshAfter - now : Number.POSITIVE_INFINITY;
    return Math.max(MIN_DELAY_MS, Math.min(byLifetime, byHint));
  }

  /** How long to wait before trying again when a renewal failed or gave the token already in use. */
  private retryDelay(): number {
    const remaining = (this.current?.expiresOn ?? 0) - this.clock.now();
    return Math.min(MAX_RETRY_DELAY_MS, Math.max(MIN_DELAY_MS, remaining / 4));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.renew(), delayMs);
    // Renewal alone must not keep a process alive.
    this.timer.unref?.();
  }

  private async renew(): Promise<void> {
    this.timer = undefined;
    if (this.stopped) return;
    let next: RedisCredentials & { readonly refreshAfter?: number };
    try {
      next = await this.fetch();
    } catch (error) {
      this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
      this.schedule(this.retryDelay());
      return;
    }
    if (this.stopped) return;
    if (next.password === this.current?.password) {
      // The credential's cache gave the same token (it renews only close to expiry): ask again later.
      this.schedule(this.retryDelay());
      return;
    }
    this.current = next;
    for (const listener of this.listeners) {
      try {
        listener(next);
      } catch (error) {
        this.options.onError?.(error instanceof Error ? error : new Error(String(error)));
      }
    }
    this.schedule(this.renewDelay(next));
  }
}
