/**
 * Realtime adapters: Azure SignalR Service in serverless mode over its data-plane REST API (v1 paths), and the
 * "not configured" one. One adapter for Azure and the bundled emulator alike: REST calls carry an HS256 token
 * signed with the AccessKey whose audience is the request URL without its query; client tokens have the client
 * URL `<clientEndpoint>/client/?hub=<hub>` as audience and the user id as `nameid` (what the Functions
 * `signalRConnectionInfo` binding mints). Every call goes through utils/retry (transient failures only).
 */
import { SignJWT } from 'jose';
import { DependencyUnavailableError } from '../../middleware/errors';
import type { Audience, ClientConnection, Realtime } from '../../ports/realtime';
import { retry } from '../../utils/retry';

export interface SignalRRealtimeOptions {
  /** The service origin the REST API answers on, e.g. `https://x.service.signalr.net`. */
  readonly endpoint: string;
  readonly accessKey: string;
  /**
   * Where clients connect, when not `endpoint` (Azure's `ClientEndpoint`); `same-origin` sends each client to
   * the origin it reached us at (the local host proxies `/client/` to its embedded emulator).
   */
  readonly clientEndpoint?: string;
  readonly hub: string;
  /** Longest wait for one REST call. Default 2,000 ms. */
  readonly timeoutMs?: number;
}

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

export class SignalRRealtime implements Realtime {
  readonly kind = 'signalr' as const;
  private readonly key: Uint8Array;
  private readonly base: string;
  private readonly clientEndpoint: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: SignalRRealtimeOptions) {
    this.key = new TextEncoder().encode(options.accessKey);
    const endpoint = options.endpoint.replace(/\/+$/, '');
    this.base = `${endpoint}/api/v1/hubs/${encodeURIComponent(options.hub)}`;
    this.clientEndpoint = (options.clientEndpoint ?? endpoint).replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 2_000;
  }

  /** `HEAD /api/v1/health` (no token needed). @throws SignalRHttpError, SignalRTimeoutError */
  async ping(): Promise<void> {
    const endpoint = this.options.endpoint.replace(/\/+$/, '');
    await this.call(`${endpoint}/api/v1/health`, { method: 'HEAD' }, 'health', 2);
  }

  async clientConnection(userId: string, ttlSeconds: number, origin?: string): Promise<ClientConnection> {
    const base = this.clientEndpoint === 'same-origin' ? (origin ?? this.options.endpoint) : this.clientEndpoint;
    const url = `${base.replace(/\/+$/, '')}/client/?hub=${encodeURIComponent(this.options.hub)}`;
    const accessToken = await new SignJWT({ nameid: userId })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setAudience(url)
      .setIssuedAt()
      .setExpirationTime(`${Math.max(60, Math.floor(ttlSeconds))}s`)
      .sign(this.key);
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
        const token = await new SignJWT({})
          .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
          .setAudience(audience)
          .setIssuedAt()
          .setExpirationTime(`${TOKEN_TTL_SECONDS}s`)
          .sign(this.key);
        const signal = AbortSignal.timeout(this.timeoutMs);
        let response: Response;
        try {
          response = await fetch(url, {
            ...init,
            headers: { ...(init.headers as Record<string, string>), authorization: `Bearer ${token}` },
            signal,
          });
        } catch (error) {
          if (signal.aborted) throw new SignalRTimeoutError(`SignalR did not answer ${what} in time`, { cause: error });
          throw new SignalRUnreachableError(`SignalR unreachable for ${what}`, { cause: error });
        }
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
