/** Realtime adapters: Azure SignalR Service REST (health so far) and the "not configured" one. */
import type { Realtime } from '../../ports/realtime';
import { retry } from '../../utils/retry';

const API_VERSION = '2022-06-01';

/** Error for a non-2xx answer, shaped so utils/retry can classify it. */
class SignalRHttpError extends Error {
  override readonly name = 'SignalRHttpError';
  constructor(
    readonly status: number,
    readonly headers: Headers,
  ) {
    super(`SignalR answered ${status}`);
  }
}

/** Azure SignalR Service (serverless): `HEAD {endpoint}/api/health` for reachability. */
export function createSignalRRealtime(options: { endpoint: string; timeoutMs?: number }): Realtime {
  const { endpoint, timeoutMs = 2_000 } = options;
  return {
    kind: 'signalr',
    async ping() {
      await retry(
        async () => {
          const response = await fetch(`${endpoint}/api/health?api-version=${API_VERSION}`, {
            method: 'HEAD',
            signal: AbortSignal.timeout(timeoutMs),
          });
          if (!response.ok) throw new SignalRHttpError(response.status, response.headers);
        },
        { maxAttempts: 2 },
      );
    },
    async close() {},
  };
}

/** No realtime service configured: health reports kind `none`, which is not a failure. */
export const noRealtime: Realtime = {
  kind: 'none',
  async ping() {},
  async close() {},
};
