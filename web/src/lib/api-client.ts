/**
 * The one API client: same-origin JSON calls with the session cookie, contract-checked answers, and every
 * failure turned into an ApiError carrying the catalogue's code and a human message.
 */
import { ErrorBodySchema, errorStatus, routePath, type ErrorCode, type RouteDef } from '@qrca/contract';
import type { z } from 'zod';
import {
  DEVICE_SHARED_MESSAGE,
  DEVICE_SHARED_REASON,
  DEVICE_SIGNATURE_REASON,
  errorMessages,
  signatureRefusalMessages,
  type RefusedSignature,
} from './error-messages';
import { observeServerDate } from './server-clock';

export type ApiErrorCode = ErrorCode | 'NETWORK';

/** A field a refusal names: its dotted path in the request body and what is wrong with it. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** A refused or failed call: `code` from the catalogue (or NETWORK), `message` for people. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly status: number,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }

  /**
   * The fields a refusal names (a validation failure's `details.issues`): each with its dotted path in the
   * request body (`title`, `constraints.networks.cidrs.2`) and a message; empty when it names none.
   */
  get issues(): readonly FieldIssue[] {
    const issues = this.details['issues'];
    if (!Array.isArray(issues)) return [];
    return issues.flatMap((issue: unknown) => {
      if (typeof issue !== 'object' || issue === null) return [];
      const { path, message } = issue as Record<string, unknown>;
      return typeof path === 'string' && typeof message === 'string' ? [{ path, message }] : [];
    });
  }

  /** Why a 422 NOT_ELIGIBLE was refused (`details.reason`: `device_signature`, `device_shared`, `taken`…). */
  get reason(): string | undefined {
    const reason = this.details['reason'];
    return typeof reason === 'string' ? reason : undefined;
  }

  /** A refused device signature's verdict (`details.signature`: `unknown_device`, `stale`…). */
  get signature(): string | undefined {
    const signature = this.details['signature'];
    return typeof signature === 'string' ? signature : undefined;
  }

  /** Whether trying the same call again later may succeed (offline, busy, rate-limited, a race). */
  get transient(): boolean {
    return ['NETWORK', 'DEPENDENCY_UNAVAILABLE', 'RATE_LIMITED', 'CONFLICT', 'REQUEST_TIMEOUT', 'INTERNAL'].includes(
      this.code,
    );
  }
}

/** The app's own words for a refusal of the scanning phone (`details.reason`), when it is one. Throws nothing. */
function deviceRefusal(code: ApiErrorCode, details: Record<string, unknown>): string | undefined {
  if (code !== 'NOT_ELIGIBLE') return undefined;
  if (details['reason'] === DEVICE_SHARED_REASON) return DEVICE_SHARED_MESSAGE;
  if (details['reason'] !== DEVICE_SIGNATURE_REASON) return undefined;
  const verdict = details['signature'];
  const known = typeof verdict === 'string' && Object.hasOwn(signatureRefusalMessages, verdict);
  return signatureRefusalMessages[known ? (verdict as RefusedSignature) : 'invalid'];
}

/**
 * The human message for an error code: the app's own for a refused phone, else the server's own message when it is
 * for people (refusals), else the catalogue's.
 */
export function messageFor(code: ApiErrorCode, serverMessage?: string, details: Record<string, unknown> = {}): string {
  const device = deviceRefusal(code, details);
  if (device) return device;
  const specific = ['NOT_ELIGIBLE', 'WRONG_PHASE', 'OUTSIDE_GEOFENCE', 'NOT_LATE_YET', 'VALIDATION_FAILED'];
  if (serverMessage && specific.includes(code)) return serverMessage;
  return errorMessages[code];
}

/** Maps any response body and status to an ApiError (never throws itself). */
export function toApiError(status: number, body: unknown): ApiError {
  const parsed = ErrorBodySchema.safeParse(body);
  if (parsed.success) {
    const { code, message, details } = parsed.data.error;
    return new ApiError(code, messageFor(code, message, details ?? {}), status, details ?? {});
  }
  const code = (Object.entries(errorStatus).find(([, s]) => s === status)?.[0] ?? 'INTERNAL') as ErrorCode;
  return new ApiError(code, messageFor(code), status);
}

interface CallOptions<D extends RouteDef> {
  readonly params?: Record<string, string>;
  readonly query?: Record<string, string | undefined>;
  readonly body?: D extends { request: infer S extends z.ZodType } ? z.input<S> : never;
  readonly headers?: Record<string, string>;
  readonly signal?: AbortSignal;
}

type Answer<D extends RouteDef> = D extends { response: infer S extends z.ZodType } ? z.output<S> : undefined;

/**
 * Calls a contract route. Resolves with the parsed answer (validated by the route's response schema).
 * @throws ApiError for every refusal, an answer outside the contract, or no network.
 */
export async function call<D extends RouteDef>(route: D, options: CallOptions<D> = {}): Promise<Answer<D>> {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(options.query ?? {})) if (value !== undefined) query.set(key, value);
  const search = query.toString();
  const url = `/api/${routePath(route.path, options.params)}${search ? `?${search}` : ''}`;
  let response: Response;
  const sentAt = Date.now();
  try {
    response = await fetch(url, {
      method: route.method,
      credentials: 'same-origin',
      headers: {
        Accept: 'application/json',
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError('NETWORK', errorMessages.NETWORK, 0);
  }
  observeServerDate(response.headers.get('date'), sentAt, Date.now());
  const text = await response.text().catch(() => '');
  let json: unknown;
  try {
    json = text ? (JSON.parse(text) as unknown) : undefined;
  } catch {
    json = undefined;
  }
  if (!response.ok) throw toApiError(response.status, json);
  if (!route.response || json === undefined) return undefined as Answer<D>;
  const parsed = route.response.safeParse(json);
  if (!parsed.success) throw new ApiError('INTERNAL', errorMessages.INTERNAL, response.status);
  return parsed.data as Answer<D>;
}
