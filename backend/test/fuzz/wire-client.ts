/**
 * Sends one HTTP request exactly as written and reports what came back: over node:http with a keep-alive
 * agent (full control of Host, headers and raw body bytes), or, for what node:http refuses to send (bytes
 * outside latin1 in the target or headers, unknown methods, broken framing), over a fresh raw TCP socket.
 * Never throws: a timeout or a connection closed without an answer is an outcome too.
 */
import http from 'node:http';
import net from 'node:net';

/** One header line; order and duplicates are kept. */
export type Header = readonly [name: string, value: string];

export interface WireRequest {
  readonly method: string;
  /** The request target exactly as sent (path and query), never re-encoded. */
  readonly target: string;
  /** Header lines in order. Host is sent only when listed. */
  readonly headers: readonly Header[];
  readonly body?: Buffer;
  /** `socket` writes the bytes itself: for what node:http refuses, and for framing tricks. */
  readonly via: 'http' | 'socket';
  /** Send the body chunked (two chunks) instead of with the Content-Length the headers give. */
  readonly chunked?: boolean;
  /** Socket only: half-close after writing (a body shorter than its Content-Length then ends early). */
  readonly endAfterWrite?: boolean;
}

export type WireOutcome =
  | {
      readonly kind: 'response';
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: Buffer;
      readonly ms: number;
    }
  | { readonly kind: 'timeout'; readonly ms: number }
  | { readonly kind: 'closed'; readonly error: string; readonly ms: number };

export interface WireClient {
  send(request: WireRequest): Promise<WireOutcome>;
  close(): void;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** node:http sends latin1; anything beyond ASCII goes over the socket as UTF-8, as a browser would send it. */
const HTTP_SAFE_VALUE = /^[\t\x20-\x7e]*$/;
const HTTP_SAFE_TARGET = /^[\x21-\x7e]+$/;
/** Methods node:http sends and reads like any other (CONNECT waits for a tunnel instead of a response). */
const ORDINARY_METHODS = new Set(http.METHODS.filter((m) => m !== 'CONNECT'));

/** Whether node:http would send `request` as written (else it must go over a raw socket). */
export function httpCanSend(request: Omit<WireRequest, 'via'>): boolean {
  return (
    TOKEN.test(request.method) &&
    ORDINARY_METHODS.has(request.method) &&
    HTTP_SAFE_TARGET.test(request.target) &&
    request.headers.every(([name, value]) => TOKEN.test(name) && HTTP_SAFE_VALUE.test(value))
  );
}

/** A client for one server on 127.0.0.1:`port`; `timeoutMs` bounds each request from send to last byte. */
export function wireClient(port: number, timeoutMs: number): WireClient {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  const send = async (request: WireRequest): Promise<WireOutcome> => {
    if (request.via === 'socket') return sendOverSocket(port, request, timeoutMs);
    const first = await sendOverHttp(agent, port, request, timeoutMs);
    // A kept-alive socket the server closed as we reused it: retry once on a new one (node's advice).
    if (first.kind === 'closed' && first.error.startsWith('reused:')) {
      return sendOverHttp(agent, port, request, timeoutMs, true);
    }
    return first;
  };
  return { send, close: () => agent.destroy() };
}

function sendOverHttp(
  agent: http.Agent,
  port: number,
  request: WireRequest,
  timeoutMs: number,
  fresh = false,
): Promise<WireOutcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: WireOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        method: request.method,
        path: request.target,
        agent: fresh ? false : agent,
        setHost: false,
        headers: request.headers.flatMap(([name, value]) => [name, value]),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          settle({
            kind: 'response',
            status: res.statusCode ?? 0,
            headers: flatHeaders(res.headers),
            body: Buffer.concat(chunks),
            ms: ms(),
          }),
        );
        res.on('error', (error) => settle({ kind: 'closed', error: `response: ${error.message}`, ms: ms() }));
      },
    );
    const timer = setTimeout(() => {
      req.destroy();
      settle({ kind: 'timeout', ms: ms() });
    }, timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      const reused = req.reusedSocket && error.code === 'ECONNRESET' && !fresh;
      settle({ kind: 'closed', error: `${reused ? 'reused:' : ''}${error.code ?? ''} ${error.message}`, ms: ms() });
    });
    const body = request.body;
    if (body && request.chunked && body.length > 1) {
      const half = Math.floor(body.length / 2);
      req.write(body.subarray(0, half));
      req.end(body.subarray(half));
    } else {
      req.end(body);
    }
  });
}

function flatHeaders(headers: http.IncomingHttpHeaders): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return flat;
}

/** The request's bytes: request line, headers (UTF-8, as written) and the body, chunk-encoded if asked. */
export function requestBytes(request: WireRequest): Buffer {
  const head = `${request.method} ${request.target} HTTP/1.1\r\n${request.headers
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
  const body = request.body ?? Buffer.alloc(0);
  if (!request.chunked) return Buffer.concat([Buffer.from(head, 'utf8'), body]);
  const half = Math.floor(body.length / 2);
  const parts = [body.subarray(0, half), body.subarray(half)].filter((part) => part.length > 0);
  const chunks = parts.flatMap((part) => [Buffer.from(`${part.length.toString(16)}\r\n`), part, Buffer.from('\r\n')]);
  return Buffer.concat([Buffer.from(head, 'utf8'), ...chunks, Buffer.from('0\r\n\r\n')]);
}

function sendOverSocket(port: number, request: WireRequest, timeoutMs: number): Promise<WireOutcome> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    let settled = false;
    let received = Buffer.alloc(0);
    const socket = net.connect(port, '127.0.0.1');
    const settle = (outcome: WireOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => settle({ kind: 'timeout', ms: ms() }), timeoutMs);
    socket.on('connect', () => {
      socket.write(requestBytes(request));
      if (request.endAfterWrite) socket.end();
    });
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const parsed = parseResponse(received, request.method === 'HEAD', false);
      if (parsed) settle({ kind: 'response', ...parsed, ms: ms() });
    });
    socket.on('end', () => {
      const parsed = parseResponse(received, request.method === 'HEAD', true);
      settle(parsed ? { kind: 'response', ...parsed, ms: ms() } : { kind: 'closed', error: 'closed', ms: ms() });
    });
    socket.on('close', () => settle({ kind: 'closed', error: 'closed without a complete response', ms: ms() }));
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const parsed = parseResponse(received, request.method === 'HEAD', true);
      settle(
        parsed
          ? { kind: 'response', ...parsed, ms: ms() }
          : { kind: 'closed', error: `${error.code ?? ''} ${error.message}`, ms: ms() },
      );
    });
  });
}

/**
 * The first complete response in `data` (1xx interim responses skipped), or undefined when more bytes are
 * needed. `ended`: the server closed, so a body without length ends here.
 */
export function parseResponse(
  data: Buffer,
  head: boolean,
  ended: boolean,
): { status: number; headers: Record<string, string>; body: Buffer } | undefined {
  let offset = 0;
  for (;;) {
    const end = data.indexOf('\r\n\r\n', offset);
    if (end < 0) return undefined;
    const lines = data.subarray(offset, end).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(lines[0] ?? '')?.[1]);
    if (!Number.isInteger(status)) return undefined;
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
    }
    const bodyStart = end + 4;
    if (status >= 100 && status < 200) {
      offset = bodyStart;
      continue;
    }
    if (head || status === 204 || status === 304) return { status, headers, body: Buffer.alloc(0) };
    if (/\bchunked\b/i.test(headers['transfer-encoding'] ?? '')) {
      const body = dechunk(data.subarray(bodyStart));
      return body ? { status, headers, body } : undefined;
    }
    const length = headers['content-length'];
    if (length !== undefined) {
      const n = Number(length);
      return data.length - bodyStart >= n
        ? { status, headers, body: data.subarray(bodyStart, bodyStart + n) }
        : undefined;
    }
    return ended ? { status, headers, body: data.subarray(bodyStart) } : undefined;
  }
}

function dechunk(data: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let offset = 0;
  for (;;) {
    const lineEnd = data.indexOf('\r\n', offset);
    if (lineEnd < 0) return undefined;
    const size = parseInt(data.subarray(offset, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    const start = lineEnd + 2;
    if (data.length < start + size + 2) return undefined;
    parts.push(data.subarray(start, start + size));
    offset = start + size + 2;
  }
}
