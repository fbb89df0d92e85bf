/** HealthService: checks each dependency (store, cache, realtime) with its latency for GET /api/health. */
import type { DependencyCheck, HealthResponse } from '@qrca/contract';
import type { CacheStore } from '../ports/cache-store';
import type { Realtime } from '../ports/realtime';
import type { TableStore } from '../ports/table-store';
import type { Logger } from '../utils/logger';

export interface HealthDependencies {
  readonly store: Pick<TableStore, 'kind' | 'ping'>;
  readonly cache: Pick<CacheStore, 'kind' | 'ping'>;
  readonly realtime: Pick<Realtime, 'kind' | 'ping'>;
  /** Failures are logged here in full; the response only says `timeout` or `unavailable`. */
  readonly logger: Pick<Logger, 'warn'>;
  /** A check slower than this counts as failed; default 2,000 ms. */
  readonly timeoutMs?: number;
}

class HealthTimeout extends Error {}

export class HealthService {
  constructor(private readonly deps: HealthDependencies) {}

  /** Runs all checks in parallel; `degraded` when any fails. Never throws. */
  async check(): Promise<HealthResponse> {
    const { store, cache, realtime } = this.deps;
    const [storeCheck, cacheCheck, realtimeCheck] = await Promise.all([
      this.probe('store', store.kind, () => store.ping()),
      this.probe('cache', cache.kind, () => cache.ping()),
      this.probe('realtime', realtime.kind, () => realtime.ping()),
    ]);
    const checks = { store: storeCheck, cache: cacheCheck, realtime: realtimeCheck };
    const ok = Object.values(checks).every((c) => c.ok);
    return { status: ok ? 'ok' : 'degraded', checks };
  }

  private async probe(dependency: string, kind: string, ping: () => Promise<void>): Promise<DependencyCheck> {
    const timeoutMs = this.deps.timeoutMs ?? 2_000;
    const started = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        ping(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new HealthTimeout(`no answer within ${timeoutMs} ms`)), timeoutMs);
        }),
      ]);
      return { ok: true, kind, ms: elapsed(started) };
    } catch (error) {
      this.deps.logger.warn({ err: error, dependency, kind }, 'health check failed');
      return {
        ok: false,
        kind,
        ms: elapsed(started),
        error: error instanceof HealthTimeout ? 'timeout' : 'unavailable',
      };
    } finally {
      clearTimeout(timer);
    }
  }
}

const elapsed = (started: number) => Math.round((performance.now() - started) * 100) / 100;
