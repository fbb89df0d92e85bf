/** Starts and stops one emulator: the HTTP server, its two endpoints, the keep-alive ticker and persistence. */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { ClientEndpoint } from './client-endpoint';
import { formatSignalRConnectionString } from './connection-string';
import { refuseUpgrade, sendError } from './http-util';
import { silentLogger } from './logger';
import type { SignalREmulatorLogger } from './logger';
import { loadMemberships, MembershipFileWriter } from './membership-file';
import { handleRestRequest } from './rest';
import { HubState } from './state';
import type { EmulatorStats } from './state';

/** How to start an emulator. Every field is optional. */
export interface SignalREmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to listen on (default 127.0.0.1; 0.0.0.0 to serve phones on the LAN). */
  host?: string;
  /** The AccessKey tokens are signed with; random when absent. */
  accessKey?: string;
  /** Interval of server pings to clients (default 15 000 ms, as the service; clients time out after 30 s). */
  keepAliveMs?: number;
  /** Close a connection that sent nothing for this long (default 30 000 ms; clients ping every 15 s). */
  clientTimeoutMs?: number;
  /** Close a socket that sends no handshake within this time (default 15 000 ms). */
  handshakeTimeoutMs?: number;
  /** How long a negotiate connection token stays usable (default 30 000 ms). */
  connectionTokenTtlMs?: number;
  /** JSON file that keeps user-group memberships across restarts; memory only when absent. */
  dataFile?: string;
  /** Where to log; silent by default. */
  logger?: SignalREmulatorLogger;
  /** Clock in epoch ms for token lifetimes and timeouts (tests pass a fake; default Date.now). */
  now?: () => number;
}

/** A running emulator. */
export interface SignalREmulator {
  /** `http://<host>:<port>`, the origin clients and the REST API use (127.0.0.1 when listening on all interfaces). */
  readonly endpoint: string;
  readonly port: number;
  readonly accessKey: string;
  /** `Endpoint=http://127.0.0.1;Port=N;AccessKey=K;Version=1.0;` */
  readonly connectionString: string;
  /** Live counts. */
  stats(): EmulatorStats;
  /** Closes client connections (close message, `allowReconnect: true`), stops listening, saves memberships. Idempotent. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/**
 * Starts an emulator of Azure SignalR Service in serverless mode.
 * @throws MembershipFileError when `dataFile` exists but cannot be used; the listen error (e.g. EADDRINUSE) when
 *   the port is taken; TypeError for options out of range.
 */
export async function startSignalREmulator(options: SignalREmulatorOptions = {}): Promise<SignalREmulator> {
  const host = options.host ?? '127.0.0.1';
  const keepAliveMs = positive(options.keepAliveMs ?? 15_000, 'keepAliveMs');
  const accessKey = options.accessKey ?? randomBytes(32).toString('base64');
  if (accessKey === '') throw new TypeError('accessKey must not be empty.');
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;

  let writer: MembershipFileWriter | undefined;
  const state = new HubState(now, () => writer?.schedule());
  if (options.dataFile !== undefined) {
    state.restoreUserGroupMemberships(await loadMemberships(options.dataFile));
    writer = new MembershipFileWriter(options.dataFile, () => state.userGroupMemberships(), logger);
  }

  const client = new ClientEndpoint({
    accessKey,
    now,
    logger,
    state,
    connectionTokenTtlMs: positive(options.connectionTokenTtlMs ?? 30_000, 'connectionTokenTtlMs'),
    handshakeTimeoutMs: positive(options.handshakeTimeoutMs ?? 15_000, 'handshakeTimeoutMs'),
    clientTimeoutMs: positive(options.clientTimeoutMs ?? 30_000, 'clientTimeoutMs'),
  });
  const rest = { accessKey, now, logger, state, maxBodyBytes: MAX_BODY_BYTES };

  const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    void serve(req, res).catch((error: unknown) => fail(req, res, error));
  });
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    req.on('error', (error) => logger.debug('signalr-emulator: request error', { error: String(error) }));
    res.on('error', (error) => logger.debug('signalr-emulator: response error', { error: String(error) }));
    const url = parseRequestUrl(req);
    // The path only: a query string may carry an access token.
    res.once('finish', () => {
      logger.debug('signalr-emulator: request', { method: req.method, path: url?.pathname, status: res.statusCode });
    });
    if (url === undefined) {
      req.resume();
      sendError(req, res, 400, 'Bad request URL.');
    } else if (ClientEndpoint.owns(url.pathname)) {
      await client.handleRequest(req, res, url);
    } else if (url.pathname === '/api' || url.pathname.startsWith('/api/')) {
      await handleRestRequest(rest, req, res, url);
    } else {
      req.resume();
      sendError(req, res, 404, 'Not found.');
    }
  };
  const fail = (req: IncomingMessage, res: ServerResponse, error: unknown) => {
    logger.error('signalr-emulator: request failed', {
      method: req.method,
      path: parseRequestUrl(req)?.pathname,
      error: String(error),
    });
    if (res.headersSent) res.destroy();
    else sendError(req, res, 500, 'The emulator failed to handle the request.');
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', (error) => logger.debug('signalr-emulator: upgrade socket error', { error: String(error) }));
    const url = parseRequestUrl(req);
    if (url === undefined) {
      refuseUpgrade(socket, 400, 'Bad request URL.');
      return;
    }
    client.handleUpgrade(req, socket, head, url).catch((error: unknown) => {
      logger.error('signalr-emulator: upgrade failed', { path: url.pathname, error: String(error) });
      refuseUpgrade(socket, 500, 'The emulator failed to handle the upgrade.');
    });
  });
  server.on('clientError', (error, socket) => {
    logger.debug('signalr-emulator: malformed HTTP request', { error: String(error) });
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => logger.error('signalr-emulator: server error', { error: String(error) }));

  const ticker = setInterval(() => {
    client.tick();
    state.sweepExpired();
  }, keepAliveMs);
  ticker.unref();

  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${publicHost(host)}:${port}`;
  const connectionString = formatSignalRConnectionString({ endpoint, accessKey });
  logger.info('signalr-emulator: listening', { endpoint, dataFile: options.dataFile });

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(ticker);
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      await client.shutdown();
      server.closeAllConnections();
      await stopped;
      await writer?.flush();
      logger.info('signalr-emulator: stopped', { endpoint });
    })();
    return closing;
  };

  return { endpoint, port, accessKey, connectionString, stats: () => state.stats(), close };
}

function parseRequestUrl(req: IncomingMessage): URL | undefined {
  try {
    return new URL(req.url ?? '/', 'http://emulator.invalid');
  } catch {
    return undefined;
  }
}

/** The host to advertise: a wildcard address is not reachable as such, loopback is. */
function publicHost(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new TypeError(`${name} must be a positive number.`);
  return value;
}
