/**
 * The HTTP pipeline every route goes through, in both hosts: correlation id → services → body parsed with the
 * contract schema → the route's handler → response headers and one access-log line; any error is mapped by
 * middleware/errors. Routes stay thin: parse, call one service, present.
 */
import type { HttpHandler, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { pathParams, type PathParams, type RouteDef } from '@qrca/contract';
import type { z } from 'zod';
import type { ServiceRuntime, Services } from '../composition';
import { clientIpFrom } from '../domain/network';
import { resolveCaller } from '../middleware/auth';
import type { Caller } from '../services/auth.service';
import {
  AppError,
  DependencyUnavailableError,
  errorResponse,
  NotFoundError,
  ValidationError,
  validationErrorFromZod,
} from '../middleware/errors';
import { firstIllFormedString } from '../utils/text';
import { withDeadline } from '../utils/deadline';
import type { Logger } from '../utils/logger';

/**
 * Backstop for a dependency that hangs without a timeout of its own: the caller gets a 503 by then (adapters
 * time out well before: store requests after 2 s, Redis commands after 1 s, per attempt).
 */
export const REQUEST_DEADLINE_MS = 20_000;

/** Largest JSON body accepted (rosters of 2,000 emails fit comfortably). */
export const MAX_BODY_BYTES = 512 * 1024;

type BodyOf<D extends RouteDef> = D extends { request: infer S extends z.ZodType } ? z.infer<S> : unknown;
/** The JSON a route answers with: its contract response schema's type (nothing for routes without one). */
type JsonOf<D extends RouteDef> = D extends { response: infer S extends z.ZodType } ? z.input<S> : never;

/** A route's answer: `jsonBody` typed by the contract, so a handler cannot answer outside its schema. */
export type RouteResponse<D extends RouteDef> = Omit<HttpResponseInit, 'jsonBody'> & { readonly jsonBody?: JsonOf<D> };
type CallerOf<D extends RouteDef> = D['role'] extends 'anonymous' ? undefined : Caller;

export interface RequestContext<D extends RouteDef = RouteDef> {
  readonly request: HttpRequest;
  /** The route's path parameters, decoded and validated against the contract's {@link pathParams}. */
  readonly params: PathParams<D['path']>;
  readonly body: BodyOf<D>;
  /** Resolved for the route's declared role; undefined on anonymous routes. */
  readonly caller: CallerOf<D>;
  /** The client's address (X-Forwarded-For walked past trusted proxies), when known. */
  readonly clientIp: string | undefined;
  readonly services: Services;
  readonly correlationId: string;
  readonly log: Logger;
}

export interface HttpRoute<D extends RouteDef = RouteDef> {
  readonly def: D;
  readonly handle: (ctx: RequestContext<D>) => Promise<RouteResponse<D>>;
  /** Also accept a `text/csv` body, turned into the JSON shape the route's schema validates. */
  readonly fromCsv?: (text: string) => unknown;
}

/** Pairs a contract route with its handler. */
export function defineRoute<D extends RouteDef>(
  def: D,
  handle: HttpRoute<D>['handle'],
  options: { fromCsv?: (text: string) => unknown } = {},
): HttpRoute<D> {
  return { def, handle, ...options };
}

const SAFE_CORRELATION_ID = /^[A-Za-z0-9._-]{8,64}$/;

/** A caller-supplied `x-correlation-id` when well-formed, else the invocation id. */
export function correlationIdFor(request: HttpRequest, context: InvocationContext): string {
  const supplied = request.headers.get('x-correlation-id');
  return supplied && SAFE_CORRELATION_ID.test(supplied) ? supplied : context.invocationId;
}

const BASE_HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** Reads and validates a JSON (or, where the route allows, CSV) body against `schema`. @throws AppError 413/415/400. */
async function readBody(
  request: HttpRequest,
  schema: z.ZodType,
  fromCsv?: (text: string) => unknown,
): Promise<unknown> {
  const declared = Number(request.headers.get('content-length') ?? '0');
  if (declared > MAX_BODY_BYTES) {
    throw new AppError('PAYLOAD_TOO_LARGE', `The body is larger than ${MAX_BODY_BYTES} bytes.`);
  }
  const type = request.headers.get('content-type') ?? '';
  const csv = fromCsv !== undefined && /^text\/csv\b/i.test(type);
  if (!csv && !/^application\/json\b/i.test(type)) {
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', `Send the body as application/json${fromCsv ? ' or text/csv' : ''}.`);
  }
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) {
    throw new AppError('PAYLOAD_TOO_LARGE', `The body is larger than ${MAX_BODY_BYTES} bytes.`);
  }
  let json: unknown;
  try {
    json = text === '' ? undefined : csv && fromCsv ? fromCsv(text) : JSON.parse(text);
  } catch {
    throw new AppError('VALIDATION_FAILED', `The body is not valid ${csv ? 'CSV' : 'JSON'}.`);
  }
  // JSON may carry lone surrogates ("\ud800"): text no store, file name or spreadsheet can hold faithfully.
  const illFormed = firstIllFormedString(json);
  if (illFormed !== undefined) {
    throw new ValidationError('The body holds text that is not valid Unicode.', [
      { path: illFormed || '(root)', message: 'lone surrogate' },
    ]);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw validationErrorFromZod(parsed.error);
  return parsed.data;
}

/**
 * The request's path parameters checked against the contract: an id no record could have is "not found"
 * (as if looked up), any other bad value is invalid input. Both hosts hand us decoded values.
 * @throws NotFoundError, ValidationError
 */
export function parsePathParams(values: Readonly<Record<string, string>>): Record<string, unknown> {
  const parsed: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    const param = (pathParams as Record<string, (typeof pathParams)[keyof typeof pathParams] | undefined>)[name];
    if (!param) continue;
    const result = param.schema.safeParse(value);
    if (result.success) parsed[name] = result.data;
    else if (param.kind === 'id') throw new NotFoundError();
    else throw validationErrorFromZod(result.error, `The ${name} in the path is not valid.`);
  }
  return parsed;
}

/** Adapts a route to an Azure Functions HTTP handler over the shared service runtime. */
export function toAzureHandler(route: HttpRoute, runtime: ServiceRuntime): HttpHandler {
  return async (request, context) => {
    const started = performance.now();
    const correlationId = correlationIdFor(request, context);
    const log = runtime.logger.child({ correlationId, function: route.def.name });
    let response: HttpResponseInit;
    try {
      const services = await runtime.get().catch((error: unknown) => {
        throw new DependencyUnavailableError('services', error);
      });
      const caller = await resolveCaller(route.def, request, services.auth, services.config.publicUrl);
      const params = parsePathParams(request.params) as RequestContext['params'];
      const body = route.def.request ? await readBody(request, route.def.request, route.fromCsv) : undefined;
      const clientIp = clientIpFrom(request.headers.get('x-forwarded-for'), services.config.trustedProxies);
      // A 503 DEPENDENCY_UNAVAILABLE after the deadline.
      response = await withDeadline(
        REQUEST_DEADLINE_MS,
        () => new DependencyUnavailableError('timeout'),
        () => route.handle({ request, params, body, caller: caller as Caller, clientIp, services, correlationId, log }),
      );
    } catch (error) {
      response = errorResponse(error, correlationId, log);
    }
    const status = response.status ?? 200;
    log.info(
      { method: request.method, route: route.def.path, status, ms: Math.round(performance.now() - started) },
      'request',
    );
    return {
      ...response,
      status,
      headers: { ...BASE_HEADERS, ...headerRecord(response.headers), 'X-Correlation-Id': correlationId },
    };
  };
}

function headerRecord(headers: HttpResponseInit['headers']): Record<string, string> {
  if (!headers) return {};
  return Object.fromEntries(
    headers instanceof Headers ? headers.entries() : Object.entries(headers as Record<string, string>),
  );
}
