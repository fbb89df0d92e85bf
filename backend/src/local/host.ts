/**
 * The local host: serves the captured `app.http` registrations on `/api/...` (Azure's route syntax and
 * prefix), the built web app on `/` from the same origin, over HTTP or (given a certificate) HTTPS, runs
 * `app.timer` registrations on their NCRONTAB schedules, and shuts down cleanly (stop accepting, finish
 * in-flight work, run app-terminate hooks). Load this module only after installFunctionsCoreShim().
 */
import { HttpRequest, HttpResponse, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { serialize as serializeCookie } from 'cookie';
import { Cron } from 'croner';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  createServer,
  request as httpRequest,
  STATUS_CODES,
  type IncomingMessage,
  type RequestListener,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Duplex } from 'node:stream';
import type { AddressInfo } from 'node:net';
import sirv from 'sirv';
import type { Logger } from '../utils/logger';
import type { CapturedFunction, Registry } from './functions-core-shim';

const API_PREFIX = '/api';
/** Raw request bodies above this are refused before any handler runs. */
const MAX_REQUEST_BYTES = 1024 * 1024;

/** Functions log levels → our logger's methods. */
const LOG_LEVELS = {
  trace: 'trace',
  debug: 'debug',
  information: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'fatal',
  none: 'trace',
} as const;

export interface LocalHostOptions {
  readonly registry: Registry;
  readonly logger: Logger;
  /** 0 picks a free port. */
  readonly port: number;
  readonly hostname?: string;
  /** Directory of the built web app (index.html); when missing, `/` explains how to build it. */
  readonly webRoot?: string;
  /** Run the timers on their schedules (default true; tests on a fake clock turn them off and tick by hand). */
  readonly timers?: boolean;
  /** Longest wait for in-flight requests and timers at shutdown before connections are cut. */
  readonly shutdownGraceMs?: number;
  /**
   * Origin of the embedded SignalR emulator: `/client/…` (negotiate and the WebSocket) is passed to it, so
   * browsers and phones reach real time on this very origin (no CORS, no mixed content under HTTPS).
   */
  readonly realtimeTarget?: string;
  /** Serve HTTPS with this certificate (PEM) and key instead of plain HTTP; the URL is then `https://…`. */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
}

export interface LocalHost {
  /** `http://` or, with `tls`, `https://`; `localhost` when listening on every interface. */
  readonly url: string;
  readonly server: Server;
  /** Names of the timers that are scheduled. */
  readonly timers: readonly string[];
  close(): Promise<void>;
}

interface HttpFunction {
  readonly name: string;
  readonly methods: readonly string[];
  readonly template: string;
  readonly pattern: RegExp;
  readonly paramNames: readonly string[];
  /** Literal segments first when two routes match the same path (as ASP.NET routing prefers). */
  readonly specificity: number;
  readonly handler: CapturedFunction['handler'];
}

/** Compiles an Azure Functions route template (`sessions/{id}`, `{x?}`, `{id:guid}`) to a regex. */
export function compileRoute(template: string): { pattern: RegExp; paramNames: string[]; specificity: number } {
  const paramNames: string[] = [];
  let specificity = 0;
  const source = template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map((segment) => {
      const param = /^\{(\*?)(\w+)(?::[^}?]+)?(\?)?\}$/.exec(segment);
      if (!param) {
        specificity += 2;
        return `/${segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`;
      }
      const [, catchAll, name, optional] = param;
      paramNames.push(name ?? '');
      specificity += 1;
      const capture = catchAll ? '(.*)' : '([^/]+)';
      return optional ? `(?:/${capture})?` : `/${capture}`;
    })
    .join('');
  return { pattern: new RegExp(`^${API_PREFIX}${source}/?$`, 'i'), paramNames, specificity };
}

function httpFunctions(registry: Registry): HttpFunction[] {
  const result: HttpFunction[] = [];
  for (const fn of registry.functions) {
    const trigger = Object.values(fn.bindings).find((b) => b.type === 'httpTrigger');
    if (!trigger) continue;
    const template = typeof trigger.route === 'string' ? trigger.route : fn.name;
    const methods = Array.isArray(trigger.methods)
      ? trigger.methods.map((m) => String(m).toUpperCase())
      : ['GET', 'POST'];
    result.push({ name: fn.name, methods, template, ...compileRoute(template), handler: fn.handler });
  }
  return result.sort((a, b) => b.specificity - a.specificity);
}

/**
 * Writes a complete HTTP/1.1 error response straight to a socket (the request could not be parsed, so there
 * is no ServerResponse) and closes it.
 */
function writeRawError(socket: Duplex, status: ErrorStatus, code: string, message: string, headOnly = false): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const correlationId = randomUUID();
  const body = JSON.stringify({ error: { code, message, correlationId } });
  // Closed once written: a client that keeps its half open must not keep the socket (and shutdown) waiting.
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
      `X-Correlation-Id: ${correlationId}\r\nConnection: close\r\n\r\n${headOnly ? '' : body}`,
    () => socket.destroy(),
  );
}

type ErrorStatus = 400 | 405 | 408 | 413 | 431;

/** A request Node's parser refused (bad request line, headers, framing), answered in the catalogue's shape. */
function answerClientError(error: NodeJS.ErrnoException & { rawPacket?: Buffer }, socket: Duplex): void {
  // An answer to HEAD has no body, even an error's (the client would read the body as the next response).
  const head = error.rawPacket?.subarray(0, 5).toString('latin1') === 'HEAD ';
  switch (error.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      socket.destroy();
      return;
    case 'HPE_HEADER_OVERFLOW':
      return writeRawError(socket, 431, 'HEADERS_TOO_LARGE', 'The request headers are too large.', head);
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return writeRawError(socket, 408, 'REQUEST_TIMEOUT', 'The request took too long to arrive.', head);
    default:
      return writeRawError(socket, 400, 'VALIDATION_FAILED', 'The request is not valid HTTP.', head);
  }
}

/** Real time's client paths: the negotiate and the WebSocket of Azure SignalR's client protocol. */
const isRealtimePath = (pathname: string) => pathname === '/client' || pathname.startsWith('/client/');

/** The scheme the client used: `https` on a TLS socket. */
const schemeOf = (req: Partial<Pick<IncomingMessage, 'socket'>>): 'http' | 'https' =>
  (req.socket as Partial<TLSSocket> | undefined)?.encrypted ? 'https' : 'http';

/** The request's headers as sent (raw order and case), with the scheme the client used for the emulator. */
function forwardedHeaders(req: IncomingMessage): string[] {
  const scheme = schemeOf(req);
  const raw = req.rawHeaders;
  const pairs: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    if (raw[i]?.toLowerCase() === 'x-forwarded-proto') continue;
    pairs.push(raw[i] ?? '', raw[i + 1] ?? '');
  }
  return [...pairs, 'X-Forwarded-Proto', scheme];
}

/**
 * Passes `/client/…` requests and WebSocket upgrades to the embedded emulator at `target`, Host kept (the
 * emulator checks token audiences against the origin the client reached). A dead emulator answers 503.
 */
function realtimeProxy(target: string, logger: Logger) {
  const { hostname, port } = new URL(target);
  return {
    forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
      return new Promise<void>((resolve) => {
        const upstream = httpRequest(
          { hostname, port, method: req.method, path: req.url, headers: forwardedHeaders(req) },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
            answer.pipe(res);
            answer.on('end', resolve);
            answer.on('error', () => resolve());
          },
        );
        upstream.on('error', (error) => {
          logger.warn({ err: error }, 'realtime proxy: the emulator did not answer');
          if (!res.headersSent) {
            jsonError(res, 503, 'DEPENDENCY_UNAVAILABLE', 'Real time is unavailable. Try again shortly.');
          } else res.destroy();
          resolve();
        });
        req.pipe(upstream);
      });
    },
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      const upstream = connect(Number(port), hostname, () => {
        const headers = forwardedHeaders(req);
        let lines = `${req.method ?? 'GET'} ${req.url ?? '/'} HTTP/1.1\r\n`;
        for (let i = 0; i + 1 < headers.length; i += 2) lines += `${headers[i]}: ${headers[i + 1]}\r\n`;
        upstream.write(`${lines}\r\n`);
        if (head.length > 0) upstream.write(head);
        socket.pipe(upstream).pipe(socket);
      });
      const drop = () => {
        socket.destroy();
        upstream.destroy();
      };
      upstream.on('error', drop);
      socket.on('error', drop);
      upstream.on('close', () => socket.destroy());
      socket.on('close', () => upstream.destroy());
    },
  };
}

/** Host header values we accept: a DNS name or IPv4 address, or a bracketed IPv6 address, with an optional port. */
const HOST_HEADER = /^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::(\d{1,5}))?$/;

/**
 * The request's URL, or undefined when its target or Host header is not valid (answered 400). The Host
 * header only names the origin (as Azure's front end does); it is checked, never trusted to parse the path.
 * The scheme is the socket's (`https` over TLS), so that origins built from the URL (CSRF checks, real-time
 * audiences) are the ones the browser sees.
 */
export function requestUrl(
  req: Pick<IncomingMessage, 'url' | 'headers'> & Partial<Pick<IncomingMessage, 'socket'>>,
): URL | undefined {
  const host = req.headers.host ?? 'localhost';
  const port = HOST_HEADER.exec(host)?.[1];
  if (!HOST_HEADER.test(host) || (port !== undefined && Number(port) > 65_535)) return undefined;
  const target = req.url ?? '/';
  try {
    // Absolute-form ("http://host/path", from proxies) keeps only its path and query.
    const path = /^https?:\/\//i.test(target) ? pathAndQuery(new URL(target)) : target;
    // Otherwise origin-form only ("/path?query"); "//x" would name another authority.
    if (!path.startsWith('/') || path.startsWith('//')) return undefined;
    return new URL(`${schemeOf(req)}://${host}${path}`);
  } catch {
    return undefined;
  }
}

const pathAndQuery = (url: URL) => `${url.pathname}${url.search}`;

/**
 * A path segment with its percent-escapes decoded; a segment that is not valid UTF-8 percent-encoding is kept
 * as it came (as Azure's front end does), so the route's parameter validation refuses it as any odd value.
 */
export function decodePathSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function jsonError(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extra: Record<string, string> = {},
): void {
  const correlationId = randomUUID();
  const body = JSON.stringify({ error: { code, message, correlationId } });
  res.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'X-Correlation-Id': correlationId,
    ...extra,
  });
  res.end(body);
}

/** The raw body; 'too_large' past the limit (the rest is drained), 'aborted' when the client went away. */
function readRawBody(req: IncomingMessage): Promise<Buffer | 'too_large' | 'aborted'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        resolve('too_large');
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve('aborted'));
  });
}

/**
 * The request's headers, with the socket's peer appended to X-Forwarded-For as Azure's front end appends the
 * client's address: the app then believes entries to its left only from configured trusted proxies.
 */
function requestHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  const peer = req.socket.remoteAddress;
  if (peer) headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${peer}` : peer;
  return headers;
}

async function writeResponse(res: ServerResponse, result: unknown): Promise<void> {
  const response = result instanceof HttpResponse ? result : new HttpResponse((result ?? {}) as HttpResponseInit);
  const headers: Record<string, string | string[]> = Object.fromEntries(response.headers.entries());
  if (response.cookies.length > 0) {
    // Azure's front end turns HttpResponse.cookies into Set-Cookie headers; so do we.
    headers['set-cookie'] = response.cookies.map(({ name, value, expires, sameSite, ...rest }) =>
      serializeCookie(name, value, {
        ...rest,
        ...(expires === undefined ? {} : { expires: new Date(expires) }),
        ...(sameSite ? { sameSite: sameSite.toLowerCase() as 'strict' | 'lax' | 'none' } : {}),
      }),
    );
  }
  const body = Buffer.from(await response.arrayBuffer());
  res.writeHead(response.status, headers);
  res.end(body);
}

/** The HTTP server, or with `tls` the HTTPS one: same options, same listeners, same behaviour. */
function createHostServer(options: Pick<LocalHostOptions, 'tls'>, listener: RequestListener): Server {
  // requireHostHeader off: a request without Host is answered like any other (requestUrl treats it as ours).
  const serverOptions: ServerOptions = { requireHostHeader: false };
  if (!options.tls) return createServer(serverOptions, listener);
  return createHttpsServer({ ...serverOptions, cert: options.tls.cert, key: options.tls.key }, listener);
}

/**
 * Starts the HTTP (or HTTPS) server and the timers.
 * @throws Error when the port cannot be bound (e.g. EADDRINUSE) or the certificate and key are not usable.
 */
export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const { registry, logger, shutdownGraceMs = 3_000 } = options;
  const routes = httpFunctions(registry);
  const inFlight = new Set<Promise<unknown>>();
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.finally(() => inFlight.delete(work)).catch(() => undefined);
    return work;
  };
  const context = (functionName: string) =>
    new InvocationContext({
      invocationId: randomUUID(),
      functionName,
      logHandler: (level, ...args) => logger[LOG_LEVELS[level]]({ function: functionName }, args.map(String).join(' ')),
    });

  const web =
    options.webRoot && existsSync(`${options.webRoot}/index.html`)
      ? sirv(options.webRoot, {
          single: true,
          etag: true,
          dev: false,
          // Vite fingerprints everything under assets/; the shell itself must be revalidated after a deploy.
          setHeaders: (res, pathname) => {
            const immutable = pathname.startsWith('/assets/');
            res.setHeader('Cache-Control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
            res.setHeader('X-Content-Type-Options', 'nosniff');
            res.setHeader('Referrer-Policy', 'no-referrer');
            res.setHeader('X-Frame-Options', 'DENY');
          },
        })
      : undefined;

  const handleApi = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const matches = routes
      .map((route) => ({ route, match: route.pattern.exec(url.pathname) }))
      .filter((m): m is { route: HttpFunction; match: RegExpExecArray } => m.match !== null);
    const hit = matches.find((m) => m.route.methods.includes(method));
    if (!hit) {
      if (matches.length > 0) {
        const allow = [...new Set(matches.flatMap((m) => m.route.methods))].join(', ');
        return jsonError(res, 405, 'METHOD_NOT_ALLOWED', `Use ${allow} on this path.`, { Allow: allow });
      }
      return jsonError(res, 404, 'NOT_FOUND', 'No such API route.');
    }
    // Read even a GET's body (and drop it): a socket closed with unread bytes is reset, and a reset can cut a
    // large answer short on its way to the client.
    const raw = await readRawBody(req);
    const body = method === 'GET' || method === 'HEAD' ? (typeof raw === 'string' ? raw : Buffer.alloc(0)) : raw;
    if (body === 'aborted') {
      res.destroy();
      return;
    }
    if (body === 'too_large') {
      return jsonError(res, 413, 'PAYLOAD_TOO_LARGE', `The body is larger than ${MAX_REQUEST_BYTES} bytes.`, {
        Connection: 'close',
      });
    }
    const params: Record<string, string> = {};
    hit.route.paramNames.forEach((name, i) => {
      const value = hit.match[i + 1];
      if (value !== undefined) params[name] = decodePathSegment(value);
    });
    const request = new HttpRequest({
      method,
      url: url.toString(),
      headers: requestHeaders(req),
      params,
      ...(body.length > 0 ? { body: { bytes: body } } : {}),
    });
    await writeResponse(res, await hit.route.handler(request, context(hit.route.name)));
  };

  const realtime = options.realtimeTarget ? realtimeProxy(options.realtimeTarget, logger) : undefined;
  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = requestUrl(req);
    if (!url) {
      req.resume();
      return jsonError(res, 400, 'VALIDATION_FAILED', 'The request line or Host header is not valid.');
    }
    if (url.pathname === API_PREFIX || url.pathname.startsWith(`${API_PREFIX}/`)) return handleApi(req, res, url);
    if (realtime && isRealtimePath(url.pathname)) return realtime.forward(req, res);
    serveWeb(req, res);
  };

  const server = createHostServer(options, (req, res) => {
    // Nothing a request carries may escape this function: one request must never stop the host.
    void track(
      (async () => serve(req, res))().catch((error: unknown) => {
        logger.error({ err: error, method: req.method }, 'local host failed to serve a request');
        if (!res.headersSent) jsonError(res, 500, 'INTERNAL', 'Something went wrong on our side.');
        else res.destroy();
      }),
    );
  });
  // Every socket, also those taken over by CONNECT or refused by the parser, so shutdown can end them all.
  const sockets = new Set<Duplex>();
  const trackSocket = (socket: Duplex) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  server.on('connection', trackSocket);
  // Over TLS, 'connection' sees the raw TCP socket; requests, upgrades and CONNECT get the TLS socket on it.
  server.on('secureConnection', trackSocket);
  // A failed handshake (a phone that has not accepted the certificate yet, plain HTTP sent to this port) only
  // ends its own connection.
  server.on('tlsClientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    logger.debug({ err: error }, 'local host: TLS handshake failed');
    socket.destroy();
  });
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  // What Node's HTTP layer refuses before any route runs is answered in the catalogue's shape too.
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => answerClientError(error, socket));
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) =>
    jsonError(res, 417, 'EXPECTATION_FAILED', 'Only "Expect: 100-continue" is supported.', { Connection: 'close' }),
  );
  server.on('connect', (_req: IncomingMessage, socket: Duplex) =>
    writeRawError(socket, 405, 'METHOD_NOT_ALLOWED', 'CONNECT is not supported.'),
  );
  // WebSocket upgrades: only real time's, on /client/.
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = requestUrl(req);
    if (!realtime || !url || !isRealtimePath(url.pathname)) {
      writeRawError(socket, 400, 'VALIDATION_FAILED', 'No WebSocket here.');
      return;
    }
    realtime.upgrade(req, socket, head);
  });

  function serveWeb(req: IncomingMessage, res: ServerResponse): void {
    if (web) {
      web(req, res, () => jsonError(res, 404, 'NOT_FOUND', 'Not found.'));
      return;
    }
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end('QR Chain Attendance API is running. The web app is not built: run `npm run build -w web`.\n');
  }

  const timerJobs = (options.timers === false ? [] : registry.functions).flatMap((fn) => {
    const trigger = Object.values(fn.bindings).find((b) => b.type === 'timerTrigger');
    if (!trigger || typeof trigger.schedule !== 'string') return [];
    const job = new Cron(trigger.schedule, { protect: true }, async () => {
      const timer = {
        isPastDue: false,
        schedule: { adjustForDST: true },
        scheduleStatus: { last: '', next: '', lastUpdated: '' },
      };
      await track(Promise.resolve(fn.handler(timer, context(fn.name)))).catch((error: unknown) => {
        logger.error({ err: error, function: fn.name }, 'timer failed');
      });
    });
    return [{ name: fn.name, job }];
  });

  // Snapshots: registrations made after this host started (tests start several) are not this host's.
  const hooks = [...registry.hooks];
  for (const hook of hooks.filter((h) => h.name === 'appStart')) await hook.callback({ hookData: {} });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.hostname ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${options.tls ? 'https' : 'http'}://${host === '0.0.0.0' || host === '[::]' ? 'localhost' : host}:${address.port}`;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      for (const { job } of timerJobs) job.stop();
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const grace = new Promise<void>((resolve) => setTimeout(resolve, shutdownGraceMs).unref());
      await Promise.race([Promise.allSettled([...inFlight]), grace]);
      server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await stopped;
      for (const hook of hooks.filter((h) => h.name === 'appTerminate')) {
        await hook.callback({ hookData: {} });
      }
    })());

  return { url, server, timers: timerJobs.map((t) => t.name), close };
}
