/**
 * An in-process local host for HTTP tests: the real registrations, pipeline and adapters (SQLite in a temp
 * dir unless the env says otherwise), with an optional fake clock and captured logs.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request as httpsRequest } from 'node:https';
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
import type { DeliveryObserver } from '../services/realtime-delivery';
import { startSignalREmulator } from '@qrca/signalr-emulator';
import { createLogger } from '../utils/logger';

const registry = installFunctionsCoreShim();

export interface TestHost {
  readonly url: string;
  readonly services: Services;
  /** The embedded SignalR emulator, with `realtime: true`. */
  readonly realtime?: TestRealtime;
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
  /**
   * Real time as `npm start` runs it: a SignalR emulator on a free port (its memberships kept in the data
   * directory), reached by clients through the host's `/client/`.
   */
  readonly realtime?: boolean;
  /** Sees every real-time message the host hands to SignalR. */
  readonly observeRealtime?: DeliveryObserver;
  /** Interface to listen on (default 127.0.0.1). */
  readonly hostname?: string;
  /** Port to listen on (default 0: a free one). */
  readonly port?: number;
  /** Serve HTTPS with this certificate and key; the host's `fetch` then trusts that certificate alone. */
  readonly tls?: { readonly cert: string; readonly key: string };
}

/** A fetch() for an HTTPS host that trusts `ca` only (Node's own fetch cannot be given a CA). */
function fetchTrusting(ca: string): { fetch: (url: string, init?: RequestInit) => Promise<Response>; agent: Agent } {
  const agent = new Agent({ ca, keepAlive: true });
  const fetchOver = (url: string, init: RequestInit = {}) =>
    new Promise<Response>((resolve, reject) => {
      const method = (init.method ?? 'GET').toUpperCase();
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const body = init.body ?? undefined;
      if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
        reject(new TypeError('test host fetch over HTTPS sends string or byte bodies only'));
        return;
      }
      const request = httpsRequest(url, { method, headers, agent }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.on('error', reject);
        answer.on('end', () => {
          const status = answer.statusCode ?? 502;
          const responseHeaders = new Headers();
          for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) {
            responseHeaders.append(answer.rawHeaders[i] ?? '', answer.rawHeaders[i + 1] ?? '');
          }
          const empty = method === 'HEAD' || status === 204 || status === 304;
          resolve(new Response(empty ? null : Buffer.concat(chunks), { status, headers: responseHeaders }));
        });
      });
      request.on('error', reject);
      request.end(body);
    });
  return { fetch: fetchOver, agent };
}

/** The emulator behind a test host, which a test may stop and start again (same port, key and memberships). */
export interface TestRealtime {
  readonly endpoint: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

async function startRealtime(dataDir: string): Promise<TestRealtime & { connectionString: string }> {
  const dataFile = join(dataDir, 'signalr-memberships.json');
  let emulator = await startSignalREmulator({ port: 0, dataFile });
  const { port, accessKey, endpoint, connectionString } = emulator;
  let running = true;
  return {
    endpoint,
    connectionString,
    async stop() {
      if (running) await emulator.close();
      running = false;
    },
    async restart() {
      if (running) await emulator.close();
      emulator = await startSignalREmulator({ port, accessKey, dataFile });
      running = true;
    },
  };
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
  const realtime = options.realtime ? await startRealtime(dataDir) : undefined;
  const config = loadConfig({
    DATA_DIR: dataDir,
    LOG_LEVEL: options.logLevel ?? 'info',
    ...cacheSpace,
    ...(realtime ? { SignalRConnectionString: `${realtime.connectionString}ClientEndpoint=same-origin;` } : {}),
    ...env,
  });
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
    ...(options.observeRealtime ? { observeRealtime: options.observeRealtime } : {}),
  });
  registerFunctions(runtime);
  const services = await runtime.get();
  const host = await startLocalHost({
    registry,
    logger,
    port: options.port ?? 0,
    webRoot: options.webRoot,
    shutdownGraceMs: 500,
    timers: options.timers ?? false,
    ...(realtime ? { realtimeTarget: realtime.endpoint } : {}),
    ...(options.hostname ? { hostname: options.hostname } : {}),
    ...(options.tls ? { tls: options.tls } : {}),
  });
  const trusting = options.tls ? fetchTrusting(options.tls.cert) : undefined;
  return {
    url: host.url,
    services,
    ...(realtime ? { realtime } : {}),
    dataDir,
    logs: () => logs,
    fetch: (path, init) => (trusting?.fetch ?? fetch)(`${host.url}${path}`, init),
    async close() {
      trusting?.agent.destroy();
      await host.close();
      await realtime?.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
