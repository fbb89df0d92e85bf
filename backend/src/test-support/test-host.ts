/**
 * An in-process local host for HTTP tests: the real registrations, pipeline and adapters (SQLite in a temp
 * dir unless the env says otherwise), with an optional fake clock and captured logs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { ServiceRuntime, type Services } from '../composition';
import { loadConfig } from '../config';
import type * as RegisterModule from '../functions/register';
import { installFunctionsCoreShim } from '../local/functions-core-shim';
import type * as HostModule from '../local/host';
import type { Clock } from '../ports/clock';
import type { TableStore } from '../ports/table-store';
import { createLogger } from '../utils/logger';

const registry = installFunctionsCoreShim();

export interface TestHost {
  readonly url: string;
  readonly services: Services;
  readonly dataDir: string;
  /** Every log line written so far, as text (JSON lines). */
  logs(): string;
  /** fetch() against the host; `path` starts with `/`. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface TestHostOptions {
  readonly clock?: Clock;
  readonly webRoot?: string;
  /** Run the timers on wall-clock schedules (default false: tests tick the session clock themselves). */
  readonly timers?: boolean;
  /** Reuse a data directory (e.g. to restart on the same SQLite file); default a fresh temp dir. */
  readonly dataDir?: string;
  readonly logLevel?: 'info' | 'warn' | 'silent';
  /**
   * With Redis, the cache key space to use: hosts given the same one share it (instances of one deployment).
   * By default each host gets its own.
   */
  readonly sharedCache?: string;
  /** Wraps the store the services use (e.g. a FaultInjectingStore). */
  readonly wrapStore?: (store: TableStore) => TableStore;
}

/** Starts a host on a free port. Close it (it removes its temp dir unless `dataDir` was given). */
export async function startTestHost(env: NodeJS.ProcessEnv = {}, options: TestHostOptions = {}): Promise<TestHost> {
  const { registerFunctions } = (await import('../functions/register')) as typeof RegisterModule;
  const { startLocalHost } = (await import('../local/host')) as typeof HostModule;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'qrca-test-'));
  // Tests share one Redis (and re-runs meet yesterday's counters): each host gets its own key space unless the
  // test shares one on purpose (several instances of one deployment).
  const space = options.sharedCache ?? `test-${randomUUID()}`;
  const cacheSpace = env.REDIS_URL && env.REDIS_KEY_PREFIX === undefined ? { REDIS_KEY_PREFIX: `${space}:` } : {};
  const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: options.logLevel ?? 'info', ...cacheSpace, ...env });
  let logs = '';
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logs += chunk.toString();
      done();
    },
  });
  const logger = createLogger(config, sink);
  registry.functions.splice(0);
  registry.hooks.splice(0);
  const runtime = new ServiceRuntime(config, logger, {
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.wrapStore ? { wrapStore: options.wrapStore } : {}),
  });
  registerFunctions(runtime);
  const services = await runtime.get();
  const host = await startLocalHost({
    registry,
    logger,
    port: 0,
    webRoot: options.webRoot,
    shutdownGraceMs: 500,
    timers: options.timers ?? false,
  });
  return {
    url: host.url,
    services,
    dataDir,
    logs: () => logs,
    fetch: (path, init) => fetch(`${host.url}${path}`, init),
    async close() {
      await host.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
