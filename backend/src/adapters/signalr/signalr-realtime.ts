/**
 * Realtime adapters: Azure SignalR Service in serverless mode over its data-plane REST API (v1 paths), and the
 * "not configured" one. One adapter for Azure and the bundled emulator alike: REST calls carry an HS256 token
 * signed with the AccessKey whose audience is the request URL without its query; client tokens have the client
 * URL `<clientEndpoint>/client/?hub=<hub>` as audience and the user id as `nameid` (what the Functions
 * `signalRConnectionInfo` binding mints). Every call goes through utils/retry (transient failures only).
 *
 * With Microsoft Entra ID instead of an AccessKey (`AuthType=azure.msi`), as the Azure SignalR SDKs do: REST calls
 * carry the identity's Entra token (scope `https://signalr.azure.com/.default`), and client tokens are signed with
 * a temporary access key the service hands out at `GET /api/v1/auth/accessKey` (`{AccessKey, KeyId}`, the key id
 * in the token's `kid` header), fetched again every 55 minutes and used at most 90 minutes. The identity needs
 * the SignalR App Server role.
 */
import { SignJWT } from 'jose';
import { DependencyUnavailableError } from '../../middleware/errors';
import { systemClock, type Clock } from '../../ports/clock';
import type { Audience, ClientConnection, Realtime } from '../../ports/realtime';
import { retry } from '../../utils/retry';
import type { TokenCredential } from '../azure-identity/azure-credential';
import { CachedToken } from '../azure-identity/cached-token';

interface CommonOptions {
  /** The service origin the REST API answers on, e.g. `https://x.service.signalr.net`. */
  readonly endpoint: string;
  /**
   * Where clients connect, when not `endpoint` (Azure's `ClientEndpoint`); `same-origin` sends each client to
   * the origin it reached us at (the local host proxies `/client/` to its embedded emulator).
   */
  readonly clientEndpoint?: string;
  readonly hub: string;
  /** Longest wait for one REST call. Default 2,000 ms. */
  readonly timeoutMs?: number;
}

/** The AccessKey of a key-based connection string signs every token. */
export interface AccessKeyOptions extends CommonOptions {
  readonly accessKey: string;
}

/** Microsoft Entra ID (`AuthType=azure.msi` or `azure`): the identity needs the SignalR App Server role. */
export interface EntraIdOptions extends CommonOptions {
  readonly credential: TokenCredential;
  /** Decides when the temporary access key is renewed; tests pass a fake. */
  readonly clock?: Clock;
}

export type SignalRRealtimeOptions = AccessKeyOptions | EntraIdOptions;

/** The Entra scope of Azure SignalR Service's data plane. */
export const SIGNALR_SCOPE = 'https://signalr.azure.com/.default';
/** A temporary access key is fetched again after this long… */
const ACCESS_KEY_RENEW_MS = 55 * 60_000;
/** …and used at most this long when renewing fails (the service keeps one valid for about two hours). */
const ACCESS_KEY_MAX_AGE_MS = 90 * 60_000;

/** A non-2xx answer, shaped so utils/retry can classify it (status, headers). */
export class SignalRHttpError extends Error {
  override readonly name = 'SignalRHttpError';
  /** For the error mapping: a 503 names the realtime service. */
  readonly dependency = 'realtime';
  constructor(
    readonly status: number,
    readonly headers: Headers,
    what: string,
  ) {
    super(`SignalR answered ${status} to ${what}`);
  }
}

/** A call that got no answer in time: transient, and it may have been applied. */
class SignalRTimeoutError extends Error {
  override readonly name = 'SignalRTimeoutError';
  readonly code = 'ETIMEDOUT';
  readonly dependency = 'realtime';
}

/** A call that never reached the service (refused, reset): its cause says which, for utils/retry. */
class SignalRUnreachableError extends Error {
  override readonly name = 'SignalRUnreachableError';
  readonly dependency = 'realtime';
}

const TOKEN_TTL_SECONDS = 300;

/** The key that signs client tokens, with its id when the service issued it (Entra ID). */
interface SigningKey {
  readonly key: Uint8Array;
  readonly kid?: string;
}

/** How tokens are made: the connection string's AccessKey, or Entra ID. */
interface Signer {
  /** The `Authorization` header of a REST call to `audience` (the URL without its query). */
  restAuthorization(audience: string): Promise<string>;
  /** The key client tokens are signed with. */
  clientKey(): Promise<SigningKey>;
}

function hs256(claims: Record<string, string>, key: SigningKey, audience: string, ttl: string): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT', ...(key.kid ? { kid: key.kid } : {}) })
    .setAudience(audience)
    .setIssuedAt()
    .setExpirationTime(ttl)
    .sign(key.key);
}

class AccessKeySigner implements Signer {
  private readonly key: SigningKey;
  constructor(accessKey: string) {
    this.key = { key: new TextEncoder().encode(accessKey) };
  }
  async restAuthorization(audience: string): Promise<string> {
    return `Bearer ${await hs256({}, this.key, audience, `${TOKEN_TTL_SECONDS}s`)}`;
  }
  async clientKey(): Promise<SigningKey> {
    return this.key;
  }
}

class EntraIdSigner implements Signer {
  private readonly token: CachedToken;
  private readonly clock: Clock;
  private held: { readonly key: SigningKey; readonly at: number } | undefined;
  private fetching: Promise<SigningKey> | undefined;

  constructor(
    private readonly endpoint: string,
    credential: TokenCredential,
    private readonly timeoutMs: number,
    clock: Clock | undefined,
  ) {
    this.clock = clock ?? systemClock;
    this.token = new CachedToken(credential, SIGNALR_SCOPE, { clock: this.clock });
  }

  async restAuthorization(): Promise<string> {
    return `Bearer ${await this.entraToken()}`;
  }

  async clientKey(): Promise<SigningKey> {
    const held = this.held;
    const age = held ? this.clock.now() - held.at : Number.POSITIVE_INFINITY;
    if (held && age < ACCESS_KEY_RENEW_MS) return held.key;
    this.fetching ??= this.fetchKey().finally(() => {
      this.fetching = undefined;
    });
    try {
      return await this.fetching;
    } catch (error) {
      if (held && age < ACCESS_KEY_MAX_AGE_MS) return held.key;
      throw error;
    }
  }

  /** `GET /api/v1/auth/accessKey` with the Entra token: `{ AccessKey, KeyId }`. */
  private async fetchKey(): Promise<SigningKey> {
    const url = `${this.endpoint}/api/v1/auth/accessKey`;
    const body = await retry(
      async () => {
        const authorization = `Bearer ${await this.entraToken()}`;
        const response = await send(url, { method: 'GET', headers: { authorization } }, this.timeoutMs, 'access key');
        if (!response.ok) {
          await response.body?.cancel().catch(() => undefined);
          throw new SignalRHttpError(response.status, response.headers, 'access key');
        }
        return (await response.json()) as unknown;
      },
      { maxAttempts: 3, baseDelayMs: 50 },
    );
    const { AccessKey: accessKey, KeyId: kid } = (body ?? {}) as { AccessKey?: unknown; KeyId?: unknown };
    if (typeof accessKey !== 'string' || !accessKey || typeof kid !== 'string' || !kid) {
      throw Object.assign(new Error('SignalR answered the access key request without AccessKey and KeyId'), {
        dependency: 'realtime',
      });
    }
    const key = { key: new TextEncoder().encode(accessKey), kid };
    this.held = { key, at: this.clock.now() };
    return key;
  }

  private async entraToken(): Promise<string> {
    try {
      return await this.token.get();
    } catch (error) {
      throw new DependencyUnavailableError('realtime', error);
    }
  }
}

/** fetch with a timeout, its failures shaped for utils/retry. */
async function send(url: string, init: RequestInit, timeoutMs: number, what: string): Promise<Response> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    return await fetch(url, { ...init, signal });
  } catch (error) {
    if (signal.aborted) throw new SignalRTimeoutError(`SignalR did not answer ${what} in time`, { cause: error });
    throw new SignalRUnreachableError(`SignalR unreachable for ${what}`, { cause: error });
  }
}

export class SignalRRealtime implements Realtime {
  readonly kind = 'signalr' as const;
  /** How requests are authorized: the AccessKey, or Microsoft Entra ID. */
  readonly authentication: 'access-key' | 'entra-id';
  private readonly signer: Signer;
  private readonly base: string;
  private readonly clientEndpoint: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: SignalRRealtimeOptions) {
    const endpoint = options.endpoint.replace(/\/+$/, '');
    this.base = `${endpoint}/api/v1/hubs/${encodeURIComponent(options.hub)}`;
    this.clientEndpoint = (options.clientEndpoint ?? endpoint).replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 2_000;
    if ('accessKey' in options) {
      this.signer = new AccessKeySigner(options.accessKey);
      this.authentication = 'access-key';
    } else {
      this.signer = new EntraIdSigner(endpoint, options.credential, this.timeoutMs, options.clock);
      this.authentication = 'entra-id';
    }
  }

  /** `HEAD /api/v1/health` (no token needed). @throws SignalRHttpError, SignalRTimeoutError */
  async ping(): Promise<void> {
    const endpoint = this.options.endpoint.replace(/\/+$/, '');
    await this.call(`${endpoint}/api/v1/health`, { method: 'HEAD' }, 'health', 2);
  }

  async clientConnection(userId: string, ttlSeconds: number, origin?: string): Promise<ClientConnection> {
    const base = this.clientEndpoint === 'same-origin' ? (origin ?? this.options.endpoint) : this.clientEndpoint;
    const url = `${base.replace(/\/+$/, '')}/client/?hub=${encodeURIComponent(this.options.hub)}`;
    const key = await this.signer.clientKey();
    const accessToken = await hs256({ nameid: userId }, key, url, `${Math.max(60, Math.floor(ttlSeconds))}s`);
    return { url, accessToken };
  }

  /** @throws SignalRHttpError (after retries for transient answers), SignalRTimeoutError */
  async addUserToGroup(group: string, userId: string, ttlSeconds: number): Promise<void> {
    const url = `${this.base}/groups/${encodeURIComponent(group)}/users/${encodeURIComponent(userId)}`;
    await this.call(`${url}?ttl=${Math.max(1, Math.floor(ttlSeconds))}`, { method: 'PUT' }, 'add to group');
  }

  /** @throws SignalRHttpError (after retries for transient answers), SignalRTimeoutError */
  async send(to: Audience, target: string, argument: unknown): Promise<void> {
    const url =
      'user' in to
        ? `${this.base}/users/${encodeURIComponent(to.user)}`
        : `${this.base}/groups/${encodeURIComponent(to.group)}`;
    await this.call(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ target, arguments: [argument] }),
      },
      `send ${target}`,
    );
  }

  async close(): Promise<void> {}

  /** One REST call with a fresh token (audience = the URL without its query), retried when transient. */
  private async call(url: string, init: RequestInit, what: string, maxAttempts = 3): Promise<void> {
    const audience = url.split('?')[0] ?? url;
    await retry(
      async () => {
        const authorization = await this.signer.restAuthorization(audience);
        const response = await send(
          url,
          { ...init, headers: { ...(init.headers as Record<string, string>), authorization } },
          this.timeoutMs,
          what,
        );
        await response.body?.cancel().catch(() => undefined);
        if (!response.ok) throw new SignalRHttpError(response.status, response.headers, what);
      },
      { maxAttempts, baseDelayMs: 50 },
    );
  }
}

/** Azure SignalR Service (serverless) or the bundled emulator. */
export function createSignalRRealtime(options: SignalRRealtimeOptions): Realtime {
  return new SignalRRealtime(options);
}

/** No realtime service configured: health reports kind `none`; clients poll instead (negotiate answers 503). */
export const noRealtime: Realtime = {
  kind: 'none',
  async ping() {},
  async clientConnection() {
    throw new DependencyUnavailableError('realtime');
  },
  async addUserToGroup() {},
  async send() {},
  async close() {},
};
