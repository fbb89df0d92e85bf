/**
 * AuthService: sign-in by email code, session tokens (bearer or HttpOnly cookie), logout by revocation, and
 * resolving the caller of a request — or, with AUTH_PROVIDER=swa, the Static Web Apps principal header.
 */
import {
  EmailSchema,
  SESSION_COOKIE,
  type AuthVerifyResponse,
  type DeviceKey,
  type Role,
  type User,
} from '@qrca/contract';
import { parse as parseCookie } from 'cookie';
import type { AuthConfig } from '../config';
import { requireAccess, type Principal } from '../domain/access-policy';
import { roleFor } from '../domain/roles';
import { AppError, AuthenticationError, NotFoundError, RateLimitedError } from '../middleware/errors';
import type { Clock } from '../ports/clock';
import type { Mailer } from '../ports/mailer';
import type { DeviceRepository } from '../repositories/devices.repository';
import { emailKey } from '../repositories/keys';
import type { RevocationRepository } from '../repositories/revocations.repository';
import type { UserRecord, UserRepository } from '../repositories/users.repository';
import { CACHE_TTL, cacheKeys, type Cache } from '../utils/cache';
import type { OneTimeCodes } from './one-time-codes';
import { CODE_TTL_MS } from './one-time-codes';
import type { SessionTokens, TokenClaims } from './session-tokens';
import type { TeacherService } from './teacher.service';

/** Sends of a sign-in code: per email, and per client IP (lecture halls share one NAT address). */
export const CODE_SEND_LIMITS = {
  perEmail: { limit: 3, windowMs: 15 * 60_000 },
  perIp: { limit: 500, windowMs: 15 * 60_000 },
} as const;
/** Code checks per client IP (each code also allows only 5 tries). */
export const VERIFY_LIMIT_PER_IP = { limit: 1_000, windowMs: 15 * 60_000 } as const;

/** Who is calling, resolved once per request. */
export interface Caller extends Principal {
  readonly email: string;
  /** How the caller proved it: bearer token, session cookie, or the platform's principal header. */
  readonly via: 'bearer' | 'cookie' | 'swa';
  /** The session token's claims (not for `swa`). */
  readonly token?: TokenClaims;
}

/** What a request offers as proof of identity. */
export interface Credentials {
  readonly authorization?: string | null;
  readonly cookie?: string | null;
  /** `x-ms-client-principal` (Static Web Apps). */
  readonly principal?: string | null;
}

export interface AuthDependencies {
  readonly auth: AuthConfig;
  readonly publicUrl: string;
  readonly cache: Cache;
  readonly clock: Clock;
  readonly mailer: Mailer;
  readonly codes: OneTimeCodes;
  readonly tokens: SessionTokens;
  readonly users: UserRepository;
  readonly devices: DeviceRepository;
  readonly revocations: RevocationRepository;
  readonly teachers: TeacherService;
}

const SWA_ONLY = 'Sign-in is handled by the platform (Azure Static Web Apps) for this deployment.';

export class AuthService {
  constructor(private readonly deps: AuthDependencies) {}

  /**
   * Emails a new sign-in code to an allowed address.
   * @throws AppError DOMAIN_NOT_ALLOWED; RateLimitedError; NotFoundError in platform sign-in mode.
   */
  async requestCode(input: { email: string }, clientIp: string | undefined): Promise<void> {
    const { codes, mailer, publicUrl } = this.deps;
    this.assertLocalSignIn();
    await this.limit(cacheKeys.rate('code-ip', clientIp ?? 'unknown'), CODE_SEND_LIMITS.perIp);
    if (!(await this.roleOf(input.email))) throw domainNotAllowed();
    await this.limit(cacheKeys.rate('code-email', emailKey(input.email)), CODE_SEND_LIMITS.perEmail);
    const code = await codes.issue(input.email);
    const minutes = CODE_TTL_MS / 60_000;
    await mailer.send({
      to: input.email,
      subject: 'Your QR Chain Attendance sign-in code',
      text:
        `Your sign-in code is ${code}\n\nIt works once, for ${minutes} minutes, at ${publicUrl}.\n` +
        'If you did not ask for it, you can ignore this email.\n',
      code,
    });
  }

  /**
   * Exchanges a sign-in code for a session token; registers the device key if one is given.
   * @throws AppError CODE_INVALID (401), TOO_MANY_ATTEMPTS (429), DOMAIN_NOT_ALLOWED; RateLimitedError;
   * NotFoundError in platform sign-in mode.
   */
  async verifyCode(
    input: { email: string; code: string; deviceKey?: DeviceKey | undefined },
    clientIp: string | undefined,
  ): Promise<AuthVerifyResponse> {
    const { codes, users, devices, tokens } = this.deps;
    this.assertLocalSignIn();
    await this.limit(cacheKeys.rate('verify-ip', clientIp ?? 'unknown'), VERIFY_LIMIT_PER_IP);
    const result = await codes.check(input.email, input.code);
    if (result === 'too_many_tries') {
      throw new AppError('TOO_MANY_ATTEMPTS', 'Too many wrong codes: this one no longer works. Request a new code.');
    }
    if (result === 'invalid') {
      throw new AppError('CODE_INVALID', 'That code is wrong, used or expired. Check it or request a new one.');
    }
    const role = await this.roleOf(input.email);
    if (!role) throw domainNotAllowed();
    const user = await users.ensure(input.email);
    const deviceId = input.deviceKey ? await devices.register(user.id, input.deviceKey) : undefined;
    const { token, claims } = await tokens.issue({ id: user.id, email: user.email, role });
    return {
      token,
      expiresAt: new Date(claims.expiresAtMs).toISOString(),
      user: { id: user.id, email: user.email, role },
      ...(deviceId ? { deviceId } : {}),
    };
  }

  /**
   * Registers a device's public key for the caller, as `deviceKey` at sign-in does (for a key made or remade
   * after sign-in); returns its id, the `device.id` of signed scans. Idempotent.
   * @throws NotFoundError (never for a signed-in caller).
   */
  async registerDevice(caller: Caller, deviceKey: DeviceKey): Promise<{ deviceId: string }> {
    requireAccess(caller, 'account:write', ['self']);
    return { deviceId: await this.deps.devices.register(caller.id, deviceKey) };
  }

  /**
   * The caller behind the request's credentials; undefined when it offers none.
   * @throws AuthenticationError for a bad, expired or revoked token or principal; AppError DOMAIN_NOT_ALLOWED
   * when the email no longer has a role.
   */
  async authenticate(credentials: Credentials): Promise<Caller | undefined> {
    if (this.deps.auth.provider === 'swa') return this.fromPrincipal(credentials.principal);
    const { authorization, cookie } = credentials;
    let token: string | undefined;
    let via: Caller['via'] = 'bearer';
    if (authorization) {
      token = /^Bearer[ ]+([A-Za-z0-9._~+/-]+=*)$/i.exec(authorization.trim())?.[1];
      if (!token) throw new AuthenticationError('Send the session token as "Authorization: Bearer <token>".');
    } else if (cookie) {
      token = parseCookie(cookie)[SESSION_COOKIE];
      via = 'cookie';
    }
    if (!token) return undefined;
    const claims = await this.deps.tokens.verify(token);
    if (await this.isRevoked(claims)) throw new AuthenticationError('You signed out. Sign in again.');
    const role = await this.roleOf(claims.email);
    if (!role) throw domainNotAllowed();
    return { id: claims.userId, email: claims.email, role, via, token: claims };
  }

  /** @throws NotFoundError (never for a signed-in caller). */
  me(caller: Caller): User {
    requireAccess(caller, 'account:read', ['self']);
    return { id: caller.id, email: caller.email, role: caller.role };
  }

  /** Revokes the caller's token until it would expire (nothing to revoke for platform sign-in). */
  async logout(caller: Caller): Promise<void> {
    requireAccess(caller, 'account:logout', ['self']);
    const claims = caller.token;
    if (!claims) return;
    await this.deps.revocations.revoke(claims.jti, claims.expiresAtMs);
    const remaining = claims.expiresAtMs - this.deps.clock.now();
    if (remaining > 0) await this.deps.cache.setJson(cacheKeys.revoked(claims.jti), true, remaining);
  }

  /** Drops revocations of tokens that have expired (run by a timer). */
  async purgeExpiredRevocations(): Promise<number> {
    return this.deps.revocations.purgeExpired(this.deps.clock.now());
  }

  private async roleOf(email: string): Promise<Role | undefined> {
    const { auth, teachers } = this.deps;
    const byConfig = roleFor(email, auth, false);
    if (byConfig === 'admin' || byConfig === 'teacher') return byConfig;
    return roleFor(email, auth, await teachers.isAllowListed(email));
  }

  private async isRevoked(claims: TokenClaims): Promise<boolean> {
    const { cache, clock, revocations } = this.deps;
    const ttl = Math.min(CACHE_TTL.directoryMs, claims.expiresAtMs - clock.now());
    if (ttl <= 0) return false;
    return cache.remember(cacheKeys.revoked(claims.jti), ttl, () =>
      revocations.isRevoked(claims.jti, claims.expiresAtMs),
    );
  }

  private async fromPrincipal(header: string | null | undefined): Promise<Caller | undefined> {
    if (!header) return undefined;
    let details: unknown;
    try {
      details = (JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as { userDetails?: unknown }).userDetails;
    } catch {
      throw new AuthenticationError('The platform principal could not be read.');
    }
    const email = EmailSchema.safeParse(details);
    if (!email.success) throw new AuthenticationError('The platform principal carries no email address.');
    const role = await this.roleOf(email.data);
    if (!role) throw domainNotAllowed();
    const user = await this.deps.cache.remember<UserRecord>(
      cacheKeys.user(emailKey(email.data)),
      CACHE_TTL.directoryMs,
      () => this.deps.users.ensure(email.data),
    );
    return { id: user.id, email: user.email, role, via: 'swa' };
  }

  private assertLocalSignIn(): void {
    if (this.deps.auth.provider === 'swa') throw new NotFoundError(SWA_ONLY);
  }

  private async limit(
    key: Parameters<Cache['rateLimit']>[0],
    rule: { limit: number; windowMs: number },
  ): Promise<void> {
    const result = await this.deps.cache.rateLimit(key, rule.limit, rule.windowMs);
    if (!result.allowed) throw new RateLimitedError(result.retryAfterSeconds);
  }
}

function domainNotAllowed(): AppError {
  return new AppError(
    'DOMAIN_NOT_ALLOWED',
    'This email address is not allowed to sign in here. Use your school email.',
  );
}
