/**
 * The simulator's HTTP client: calls the public API by the contract's route table, checks every answer against
 * the route's response schema (or the error catalogue), spreads calls over one or more instances, and records
 * each call's latency by route and each refusal by error code. Keep-alive node:http(s) agents: lighter on the
 * shared CPU than fetch(), leaving more of the machine to the host under test.
 */
import { ErrorBodySchema, routePath, routes, type ErrorCode, type RouteName } from '@qrca/contract';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { performance } from 'node:perf_hooks';
import type { z } from 'zod';

type Route<R extends RouteName> = (typeof routes)[R];
/** What a route answers on success, by its contract schema (undefined for routes without a body). */
export type ResponseOf<R extends RouteName> =
  Route<R> extends { response: infer S extends z.ZodType } ? z.output<S> : undefined;
/** What a route takes, by its contract schema. */
export type RequestOf<R extends RouteName> =
  Route<R> extends { request: infer S extends z.ZodType } ? z.input<S> : undefined;

/** Who calls: their session token and the client address the server is told (X-Forwarded-For). */
export interface Caller {
  readonly token?: string;
  readonly ip?: string;
}

export type Success<T> = {
  readonly ok: true;
  readonly status: number;
  readonly data: T;
  /** The instance that answered (index into the client's base URLs). */
  readonly instance: number;
  /** When the request left and when its answer was read (epoch ms). */
  readonly sentAt: number;
  readonly answeredAt: number;
};

export type Failure = {
  readonly ok: false;
  readonly status: number;
  /** The catalogue's code; `NETWORK` when no answer came, `CONTRACT` when the answer broke the contract. */
  readonly code: ErrorCode | 'NETWORK' | 'CONTRACT';
  readonly message: string;
  readonly details?: Record<string, unknown>;
  /** Seconds, from Retry-After. */
  readonly retryAfter?: number;
  readonly instance: number;
  readonly sentAt: number;
  readonly answeredAt: number;
};

export type Answer<T> = Success<T> | Failure;

export interface CallOptions<R extends RouteName> {
  readonly as?: Caller;
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly body?: RequestOf<R>;
  /** Which instance to ask; default the next one in turn. */
  readonly instance?: number;
  /** Answer the body as text (the CSV export) instead of JSON. */
  readonly text?: boolean;
  /** Do not count a refusal in the tally (an expected probe, e.g. waiting for the outbox). */
  readonly quiet?: boolean;
}

/** Latencies by route and refusals by code, as the calls happened. */
export class CallBook {
  readonly latencies = new Map<string, number[]>();
  readonly refusals: Record<string, number> = {};
  /** Scans answered, with their moment and instance, for rates and per-instance figures. */
  readonly scans: { readonly at: number; readonly instance: number; readonly ok: boolean }[] = [];

  record(route: RouteName, ms: number, answer: Answer<unknown>, quiet: boolean): void {
    const list = this.latencies.get(route) ?? [];
    list.push(ms);
    this.latencies.set(route, list);
    if (!answer.ok && !quiet) this.refusals[answer.code] = (this.refusals[answer.code] ?? 0) + 1;
    if (route === 'scansCreate') this.scans.push({ at: answer.answeredAt, instance: answer.instance, ok: answer.ok });
  }
}

const REQUEST_TIMEOUT_MS = 30_000;

interface Base {
  readonly url: URL;
  readonly agent: HttpAgent | HttpsAgent;
}

export class ApiClient {
  private readonly bases: Base[];
  private turn = 0;

  /** @param urls one base URL (origin) per instance, e.g. `http://127.0.0.1:7071`. */
  constructor(
    urls: readonly string[],
    readonly book: CallBook = new CallBook(),
  ) {
    if (urls.length === 0) throw new Error('ApiClient needs at least one base URL');
    this.bases = urls.map((raw) => {
      const url = new URL(raw);
      const options = { keepAlive: true, maxSockets: 256 };
      return { url, agent: url.protocol === 'https:' ? new HttpsAgent(options) : new HttpAgent(options) };
    });
  }

  get instances(): number {
    return this.bases.length;
  }

  /** The origin of instance `i`. */
  origin(i: number): string {
    return (this.bases[i % this.bases.length] as Base).url.origin;
  }

  /** The next instance in turn (requests of all students spread evenly over the instances). */
  nextInstance(): number {
    this.turn = (this.turn + 1) % this.bases.length;
    return this.turn;
  }

  /** Calls `route`; never throws for an HTTP or network failure (those are answers). */
  async call<R extends RouteName>(name: R, options: CallOptions<R> = {}): Promise<Answer<ResponseOf<R>>> {
    const route: Route<R> = routes[name];
    const instance = options.instance ?? this.nextInstance();
    const base = this.bases[instance % this.bases.length] as Base;
    const query = options.query ? `?${new URLSearchParams(options.query).toString()}` : '';
    const path = `/api/${routePath(route.path, options.params)}${query}`;
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const headers: Record<string, string> = { 'user-agent': 'qrca-sim/1' };
    if (options.as?.token) headers.authorization = `Bearer ${options.as.token}`;
    if (options.as?.ip) headers['x-forwarded-for'] = options.as.ip;
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    const sentAt = Date.now();
    const started = performance.now();
    const raw = await this.send(base, route.method, path, headers, payload);
    const ms = performance.now() - started;
    const answeredAt = Date.now();
    const answer = this.interpret(route, raw, { instance, sentAt, answeredAt, text: options.text === true });
    this.book.record(name, ms, answer, options.quiet === true);
    return answer as Answer<ResponseOf<R>>;
  }

  /** Calls `route` for its body as text (the CSV export); never throws for an HTTP or network failure. */
  async text<R extends RouteName>(name: R, options: Omit<CallOptions<R>, 'text'> = {}): Promise<Answer<string>> {
    return (await this.call(name, { ...options, text: true })) as unknown as Answer<string>;
  }

  /** Closes the keep-alive sockets. */
  close(): void {
    for (const base of this.bases) base.agent.destroy();
  }

  private interpret(
    route: Route<RouteName>,
    raw: Raw,
    at: { instance: number; sentAt: number; answeredAt: number; text: boolean },
  ): Answer<unknown> {
    const { instance, sentAt, answeredAt } = at;
    const fail = (status: number, code: Failure['code'], message: string, extra: Partial<Failure> = {}): Failure => ({
      ok: false,
      status,
      code,
      message,
      instance,
      sentAt,
      answeredAt,
      ...extra,
    });
    if ('error' in raw) return fail(0, 'NETWORK', raw.error);
    const json = raw.contentType.startsWith('application/json') && raw.body ? safeJson(raw.body) : undefined;
    if (raw.status >= 400) {
      const body = ErrorBodySchema.safeParse(json);
      if (!body.success) return fail(raw.status, 'CONTRACT', `HTTP ${raw.status} without the catalogue's body`);
      const retryAfter = Number(raw.retryAfter);
      return fail(raw.status, body.data.error.code, body.data.error.message, {
        ...(body.data.error.details ? { details: body.data.error.details } : {}),
        ...(Number.isFinite(retryAfter) && raw.retryAfter !== undefined ? { retryAfter } : {}),
      });
    }
    if (at.text) return { ok: true, status: raw.status, data: raw.body, instance, sentAt, answeredAt };
    const schema = 'response' in route ? route.response : undefined;
    if (!schema || raw.status === 204)
      return { ok: true, status: raw.status, data: undefined, instance, sentAt, answeredAt };
    const parsed = (schema as z.ZodType).safeParse(json);
    if (!parsed.success) {
      return fail(
        raw.status,
        'CONTRACT',
        `${route.name} answered outside its schema: ${parsed.error.issues[0]?.message}`,
      );
    }
    return { ok: true, status: raw.status, data: parsed.data, instance, sentAt, answeredAt };
  }

  private send(
    base: Base,
    method: string,
    path: string,
    headers: Record<string, string>,
    payload: string | undefined,
  ): Promise<Raw> {
    const request = base.url.protocol === 'https:' ? httpsRequest : httpRequest;
    const attempt = (mayRetry: boolean): Promise<Raw> =>
      new Promise((resolve) => {
        const req = request(
          {
            agent: base.agent,
            hostname: base.url.hostname,
            port: base.url.port,
            method,
            path,
            headers,
            timeout: REQUEST_TIMEOUT_MS,
          },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (chunk: Buffer) => chunks.push(chunk));
            res.on('error', (error) => resolve({ error: error.message }));
            res.on('end', () =>
              resolve({
                status: res.statusCode ?? 0,
                contentType: String(res.headers['content-type'] ?? ''),
                retryAfter: res.headers['retry-after'],
                body: Buffer.concat(chunks).toString('utf8'),
              }),
            );
          },
        );
        req.on('timeout', () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
        req.on('error', (error: NodeJS.ErrnoException) => {
          // A keep-alive socket the server had just closed: send once more on a fresh one.
          if (mayRetry && req.reusedSocket && error.code === 'ECONNRESET') resolve(attempt(false));
          else resolve({ error: `${method} ${path}: ${error.message}` });
        });
        req.end(payload);
      });
    return attempt(true);
  }
}

type Raw =
  | {
      readonly status: number;
      readonly contentType: string;
      readonly retryAfter: string | undefined;
      readonly body: string;
    }
  | { readonly error: string };

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Throws for a failure, naming the call; returns the data of a success. @throws Error */
export function must<T>(answer: Answer<T>, what: string): T {
  if (answer.ok) return answer.data;
  throw new Error(`${what}: ${answer.status} ${answer.code} — ${answer.message}`);
}
