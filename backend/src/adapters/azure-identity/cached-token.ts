/**
 * A Microsoft Entra access token for one scope, fetched from a credential and reused until it is due for renewal
 * (the token's own refresh hint, else five minutes before it expires; half its lifetime for short-lived tokens).
 * Concurrent callers share one request; when a renewal fails, the current token is used while it is still valid.
 */
import type { AccessToken } from '@azure/identity';
import { systemClock, type Clock } from '../../ports/clock';
import type { TokenCredential } from './azure-credential';

export interface CachedTokenOptions {
  readonly clock?: Clock;
  /** Renew this long before expiry (capped at half the token's lifetime). Default 5 minutes. */
  readonly refreshMarginMs?: number;
}

/** The credential gave no token (or threw); `cause` has its error. */
export class TokenUnavailableError extends Error {
  override readonly name = 'TokenUnavailableError';
}

/** A token is still used after a failed renewal until this close to its expiry. */
const STILL_VALID_MS = 10_000;

interface Held {
  readonly token: AccessToken;
  readonly renewAt: number;
}

export class CachedToken {
  private held: Held | undefined;
  private renewing: Promise<Held> | undefined;
  private readonly clock: Clock;
  private readonly marginMs: number;

  constructor(
    private readonly credential: TokenCredential,
    readonly scope: string,
    options: CachedTokenOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.marginMs = options.refreshMarginMs ?? 5 * 60_000;
  }

  /**
   * The token's value, renewed when due.
   * @throws TokenUnavailableError when no valid token can be had.
   */
  async get(): Promise<string> {
    const now = this.clock.now();
    const held = this.held;
    if (held && now < held.renewAt) return held.token.token;
    try {
      return (await this.renew()).token.token;
    } catch (error) {
      if (held && now < held.token.expiresOnTimestamp - STILL_VALID_MS) return held.token.token;
      throw error;
    }
  }

  private renew(): Promise<Held> {
    this.renewing ??= this.fetch().finally(() => {
      this.renewing = undefined;
    });
    return this.renewing;
  }

  private async fetch(): Promise<Held> {
    let token: AccessToken | null;
    try {
      token = await this.credential.getToken(this.scope);
    } catch (error) {
      throw new TokenUnavailableError(`no Microsoft Entra token for ${this.scope}: ${messageOf(error)}`, {
        cause: error,
      });
    }
    if (!token) throw new TokenUnavailableError(`no Microsoft Entra token for ${this.scope}`);
    const now = this.clock.now();
    const lifetime = Math.max(0, token.expiresOnTimestamp - now);
    const byExpiry = token.expiresOnTimestamp - Math.min(this.marginMs, lifetime / 2);
    const held = { token, renewAt: Math.min(byExpiry, token.refreshAfterTimestamp ?? Number.POSITIVE_INFINITY) };
    this.held = held;
    return held;
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
