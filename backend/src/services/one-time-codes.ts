/**
 * Email sign-in codes: 6 digits from a CSPRNG, kept in the cache only as an HMAC (keyed by a secret derived
 * from JWT_SECRET) for 5 minutes, one live code per email, at most 5 tries per code (counted before the
 * comparison, so parallel guesses get no more), single use.
 */
import { createHmac, hkdfSync, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../ports/clock';
import { cacheKeys, type Cache } from '../utils/cache';
import { emailKey } from '../repositories/keys';

export const CODE_TTL_MS = 5 * 60_000;
export const MAX_TRIES = 5;

/** What the cache holds for a live code: never the code itself. */
export interface StoredCode {
  readonly id: string;
  /** base64url(HMAC-SHA256(key, `${id}:${email}:${code}`)) */
  readonly hash: string;
  readonly expiresAt: number;
}

export type CheckResult = 'ok' | 'invalid' | 'too_many_tries';

export class OneTimeCodes {
  private readonly key: Buffer;

  constructor(
    private readonly cache: Cache,
    private readonly clock: Clock,
    secret: string,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'qrca', 'sign-in codes v1', 32));
  }

  /** Issues a new code for `email`, replacing any earlier one; returns the plaintext code for the email. */
  async issue(email: string): Promise<string> {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const id = randomBytes(12).toString('base64url');
    const stored: StoredCode = { id, hash: this.hash(id, email, code), expiresAt: this.clock.now() + CODE_TTL_MS };
    await this.cache.setJson(cacheKeys.signInCode(emailKey(email)), stored, CODE_TTL_MS);
    return code;
  }

  /**
   * Checks `code` for `email`. A wrong code uses a try; the fifth wrong try burns the code. A right code is
   * consumed: it works once.
   */
  async check(email: string, code: string): Promise<CheckResult> {
    const recordKey = cacheKeys.signInCode(emailKey(email));
    const stored = await this.cache.getJson<StoredCode>(recordKey);
    if (!stored || stored.expiresAt <= this.clock.now()) return 'invalid';
    const tries = await this.cache.rateLimit(cacheKeys.rate('otp-tries', stored.id), MAX_TRIES, CODE_TTL_MS);
    if (!tries.allowed) {
      await this.cache.invalidate(recordKey);
      return 'too_many_tries';
    }
    const expected = Buffer.from(stored.hash, 'base64url');
    const actual = Buffer.from(this.hash(stored.id, email, code), 'base64url');
    if (!timingSafeEqual(expected, actual)) {
      if (tries.count < MAX_TRIES) return 'invalid';
      await this.cache.invalidate(recordKey);
      return 'too_many_tries';
    }
    // Two requests with the right code at once: exactly one consumes it.
    if (!(await this.cache.claimOnce(cacheKeys.once('otp-used', stored.id), CODE_TTL_MS))) return 'invalid';
    await this.cache.invalidate(recordKey);
    return 'ok';
  }

  private hash(id: string, email: string, code: string): string {
    return createHmac('sha256', this.key).update(`${id}:${email}:${code}`).digest('base64url');
  }
}
