/** HS256 access tokens as Azure SignalR Service issues and checks them: signing, verification, audience, user id. */
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import type { JWTPayload } from 'jose';
import { assertHubName } from './names';

/** The `nameid` claim: the user id of a client connection (ClaimTypes.NameIdentifier, short JWT form). */
export const USER_ID_CLAIM = 'nameid';
/** ClaimTypes.NameIdentifier as .NET writes it when it does not shorten claim names. */
export const USER_ID_CLAIM_LONG = 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier';

/** Algorithms the service accepts (the Azure SDKs sign with HS256 by default and offer HS512). */
const ALGORITHMS = ['HS256', 'HS512'];
const DEFAULT_TTL_SECONDS = 3600;
const HOST_HEADER = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/** Why a token was refused. */
export type AccessTokenFailure =
  'missing' | 'malformed' | 'algorithm' | 'signature' | 'expired' | 'claims' | 'audience';

/** A token that does not authorize the request; always answered with 401. */
export class AccessTokenError extends Error {
  override readonly name = 'AccessTokenError';
  constructor(
    readonly reason: AccessTokenFailure,
    message: string,
  ) {
    super(message);
  }
}

/** What the Functions `signalRConnectionInfo` binding returns: where to connect and the token to present there. */
export interface ClientConnectionInfo {
  url: string;
  accessToken: string;
}

/**
 * Builds the client URL (`<endpoint>/client/?hub=<hub>`) and a client access token for it: HS256 with the access
 * key, `aud` = that URL, `exp`, and the user id in `nameid` when given. Hub names are lower-cased, as the Azure
 * SDKs do. This is what the Functions `signalRConnectionInfo` binding produces.
 * @throws TypeError when the endpoint is not an http(s) origin, the hub name is invalid or the TTL is not positive.
 */
export async function clientAccessToken(options: {
  endpoint: string;
  accessKey: string;
  hub: string;
  userId?: string;
  ttlSeconds?: number;
  now?: () => number;
}): Promise<ClientConnectionInfo> {
  const origin = toOrigin(options.endpoint);
  assertHubName(options.hub);
  const url = `${origin}/client/?hub=${options.hub.toLowerCase()}`;
  const claims: Record<string, string> = options.userId === undefined ? {} : { [USER_ID_CLAIM]: options.userId };
  const accessToken = await sign(claims, options.accessKey, url, options.ttlSeconds, options.now);
  return { url, accessToken };
}

/**
 * Signs a REST (server) access token: HS256 with the access key, `aud` = the request URL without query string,
 * `exp`. Pass the exact URL you will call; a query string is dropped from the audience, as the service expects.
 * @throws TypeError when the audience is not an http(s) URL or the TTL is not positive.
 */
export async function serverAccessToken(options: {
  accessKey: string;
  audience: string;
  ttlSeconds?: number;
  now?: () => number;
}): Promise<string> {
  let url: URL;
  try {
    url = new URL(options.audience);
  } catch {
    throw new TypeError(`Audience "${options.audience}" is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('Audience must be http or https.');
  return sign({}, options.accessKey, `${url.origin}${url.pathname}`, options.ttlSeconds, options.now);
}

/**
 * Verifies signature (HS256/HS512 with the access key) and lifetime (`exp` required and in the future, `nbf` if
 * present). The audience is checked separately by the caller, which knows the request.
 * @throws AccessTokenError (reason missing, malformed, algorithm, signature, expired or claims).
 */
export async function verifyAccessToken(
  token: string | undefined,
  accessKey: string,
  now: number,
): Promise<JWTPayload> {
  if (!token) throw new AccessTokenError('missing', 'No access token.');
  try {
    const { payload } = await jwtVerify(token, keyBytes(accessKey), {
      algorithms: ALGORITHMS,
      requiredClaims: ['exp'],
      currentDate: new Date(now),
    });
    return payload;
  } catch (error) {
    throw toAccessTokenError(error);
  }
}

/** The acceptable audience origins for a request reaching the emulator, e.g. `http://127.0.0.1:8888`. */
export interface AudienceOrigins {
  /** Normalized origins (`new URL(x).origin`); see {@link requestOrigins}. */
  readonly origins: readonly string[];
}

/**
 * The origins a token may name for a request with this scheme and Host header: the origin as requested, and the
 * same without the port, because the .NET SDKs build audiences from `Endpoint=` and leave `Port=` out.
 * @throws TypeError when the Host header is not a valid host.
 */
export function requestOrigins(scheme: 'http' | 'https', hostHeader: string): AudienceOrigins {
  if (!HOST_HEADER.test(hostHeader)) throw new TypeError(`Host "${hostHeader}" is not a plain host.`);
  const url = new URL(`${scheme}://${hostHeader}`);
  const withPort = url.origin;
  url.port = '';
  return { origins: withPort === url.origin ? [withPort] : [withPort, url.origin] };
}

/**
 * True when `aud` (string or array) names this REST request: same origin, same path (percent-decoded, a trailing
 * slash ignored), and no query string, as the service documents ("trailing slash and query parameters not
 * included").
 */
export function matchesRestAudience(aud: unknown, target: AudienceOrigins & { pathname: string }): boolean {
  const want = normalizePath(target.pathname);
  return audiences(aud).some((candidate) => {
    const url = parseHttpUrl(candidate);
    return (
      url !== undefined &&
      url.search === '' &&
      url.hash === '' &&
      target.origins.includes(url.origin) &&
      normalizePath(url.pathname) === want
    );
  });
}

/**
 * True when `aud` names the client URL of this hub: `<origin>/client/?hub=<hub>` (slash before `?` optional; hub
 * compared case-insensitively, since hub names are; no other query parameter).
 */
export function matchesClientAudience(aud: unknown, target: AudienceOrigins & { hub: string }): boolean {
  return audiences(aud).some((candidate) => {
    const url = parseHttpUrl(candidate);
    if (url === undefined || url.hash !== '' || !target.origins.includes(url.origin)) return false;
    if (normalizePath(url.pathname) !== '/client') return false;
    const keys = [...url.searchParams.keys()];
    return keys.length === 1 && keys[0] === 'hub' && url.searchParams.get('hub')?.toLowerCase() === target.hub;
  });
}

/**
 * The user id of a client token: `nameid`, else the long ClaimTypes.NameIdentifier claim; undefined when absent.
 * `sub` is deliberately not read: the service documents `nameid`, so code relying on `sub` would work here and not
 * in Azure.
 * @throws AccessTokenError (claims) when the claim is present but not a non-empty string.
 */
export function clientUserId(payload: JWTPayload): string | undefined {
  const value = payload[USER_ID_CLAIM] ?? payload[USER_ID_CLAIM_LONG];
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') {
    throw new AccessTokenError('claims', 'The nameid claim must be a non-empty string.');
  }
  return value;
}

/** Reads `Authorization: Bearer <token>`; undefined when absent or another scheme. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = authorization === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  return match?.[1];
}

async function sign(
  claims: Record<string, string>,
  accessKey: string,
  audience: string,
  ttlSeconds = DEFAULT_TTL_SECONDS,
  now: () => number = Date.now,
): Promise<string> {
  if (!Number.isFinite(ttlSeconds) || ttlSeconds <= 0) throw new TypeError('ttlSeconds must be positive.');
  if (!accessKey) throw new TypeError('accessKey must be non-empty.');
  const issuedAt = Math.floor(now() / 1000);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setAudience(audience)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt)
    .setExpirationTime(issuedAt + Math.ceil(ttlSeconds))
    .sign(keyBytes(accessKey));
}

function keyBytes(accessKey: string): Uint8Array {
  // The service signs with the UTF-8 bytes of the key string (not its base64 decoding).
  return new TextEncoder().encode(accessKey);
}

function toOrigin(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new TypeError(`Endpoint "${endpoint}" is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('Endpoint must be http or https.');
  return url.origin;
}

function audiences(aud: unknown): string[] {
  if (typeof aud === 'string') return [aud];
  if (Array.isArray(aud)) return aud.filter((value): value is string => typeof value === 'string');
  return [];
}

function parseHttpUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function normalizePath(pathname: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    decoded = pathname;
  }
  return decoded.length > 1 && decoded.endsWith('/') ? decoded.slice(0, -1) : decoded;
}

function toAccessTokenError(error: unknown): AccessTokenError {
  if (error instanceof joseErrors.JWTExpired) return new AccessTokenError('expired', 'The access token has expired.');
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new AccessTokenError('signature', 'The access token signature is invalid.');
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) {
    return new AccessTokenError('algorithm', 'The access token must be signed with HS256 or HS512.');
  }
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    return new AccessTokenError('claims', `The access token claim "${error.claim}" is invalid (${error.reason}).`);
  }
  return new AccessTokenError('malformed', 'The access token is malformed.');
}
