/** Session tokens: HS256 JWTs (jose) signed with JWT_SECRET, 12 h, each with a unique `jti` for revocation. */
import type { Role } from '@qrca/contract';
import { randomBytes } from 'node:crypto';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { AuthenticationError } from '../middleware/errors';
import type { Clock } from '../ports/clock';

export const TOKEN_LIFETIME_MS = 12 * 60 * 60_000;
const ISSUER = 'qrca';
const AUDIENCE = 'qrca-api';

export interface TokenClaims {
  readonly userId: string;
  readonly email: string;
  /** Role at sign-in (for display); requests recompute the role so changes apply at once. */
  readonly role: Role;
  readonly jti: string;
  readonly expiresAtMs: number;
}

export class SessionTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly clock: Clock,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  /** Signs a new token for the user. */
  async issue(user: { id: string; email: string; role: Role }): Promise<{ token: string; claims: TokenClaims }> {
    const nowMs = this.clock.now();
    const claims: TokenClaims = {
      userId: user.id,
      email: user.email,
      role: user.role,
      jti: randomBytes(16).toString('base64url'),
      expiresAtMs: nowMs + TOKEN_LIFETIME_MS,
    };
    const token = await new SignJWT({ email: user.email, role: user.role })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(user.id)
      .setJti(claims.jti)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(Math.floor(nowMs / 1000))
      .setExpirationTime(Math.floor(claims.expiresAtMs / 1000))
      .sign(this.key);
    return { token, claims };
  }

  /**
   * Verifies signature, algorithm, issuer, audience and expiry against the clock.
   * @throws AuthenticationError for any token that is not one of ours and current.
   */
  async verify(token: string): Promise<TokenClaims> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        currentDate: new Date(this.clock.now()),
        requiredClaims: ['sub', 'jti', 'exp'],
      });
      const { sub, jti, exp, email, role } = payload;
      if (typeof email !== 'string' || typeof role !== 'string' || !sub || !jti || !exp) {
        throw new AuthenticationError('Your session is not valid. Sign in again.');
      }
      return { userId: sub, email, role: role as Role, jti, expiresAtMs: exp * 1000 };
    } catch (error) {
      if (error instanceof AuthenticationError) throw error;
      if (error instanceof joseErrors.JWTExpired)
        throw new AuthenticationError('Your session has expired. Sign in again.');
      if (error instanceof joseErrors.JOSEError)
        throw new AuthenticationError('Your session is not valid. Sign in again.');
      throw error;
    }
  }
}
