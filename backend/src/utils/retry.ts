/**
 * Retry with exponential backoff and full jitter, for transient failures only (seed: Table Storage,
 * SignalR and external calls). Non-idempotent calls are retried only when the failure proves the request
 * was not applied (throttling, refused connection), so a retry can never apply a write twice.
 */

export interface RetryOptions {
  /** Total attempts including the first; default 4. */
  readonly maxAttempts?: number;
  /** First backoff ceiling in ms; default 100. */
  readonly baseDelayMs?: number;
  /** Largest backoff ceiling in ms; default 5,000. Retry-After is honoured up to `maxRetryAfterMs`. */
  readonly maxDelayMs?: number;
  /** Longest Retry-After we wait for before giving up; default 30,000. */
  readonly maxRetryAfterMs?: number;
  /**
   * False for writes that must not be applied twice (insert, update-if-ETag, increments): then only
   * failures that show the request was not processed are retried. Default true.
   */
  readonly idempotent?: boolean;
  /** Injected for tests. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected for tests; returns [0, 1). */
  readonly random?: () => number;
  /** Injected for tests; the time Retry-After dates are measured from. */
  readonly now?: () => number;
  /** Called before each retry (for logs and metrics). */
  readonly onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
}

export type TransientKind = 'not_applied' | 'maybe_applied';

const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);
const MAYBE_APPLIED_CODES = new Set([
  'ECONNRESET',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EPIPE',
  'ESOCKETTIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'REQUEST_SEND_ERROR',
]);

function field(error: unknown, key: string): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[key] : undefined;
}

/** HTTP status of an error from fetch-like, Azure SDK (`statusCode`) or our own clients (`status`). */
export function statusOf(error: unknown): number | undefined {
  const status = field(error, 'statusCode') ?? field(error, 'status');
  return typeof status === 'number' ? status : undefined;
}

/**
 * Classifies an error: `not_applied` (throttled, 503 busy, connection refused), `maybe_applied` (408, other
 * 5xx, resets and timeouts), or undefined when it is not transient (other 4xx, programming errors).
 */
export function classifyTransient(error: unknown, depth = 0): TransientKind | undefined {
  const status = statusOf(error);
  if (status !== undefined) {
    if (status === 429 || status === 503) return 'not_applied';
    // 501 Not Implemented and 505 HTTP Version Not Supported never get better by retrying.
    if (status === 408 || (status >= 500 && status !== 501 && status !== 505)) return 'maybe_applied';
    if (status > 0) return undefined;
  }
  const code = field(error, 'code');
  if (typeof code === 'string') {
    if (NOT_SENT_CODES.has(code)) return 'not_applied';
    if (MAYBE_APPLIED_CODES.has(code)) return 'maybe_applied';
  }
  const cause = field(error, 'cause');
  // Bounded: cause chains may loop.
  return cause !== undefined && depth < 5 ? classifyTransient(cause, depth + 1) : undefined;
}

/** Retry-After in ms from an error's response headers (seconds or HTTP date), if any. */
export function retryAfterMs(error: unknown, now = Date.now()): number | undefined {
  const headers = field(error, 'headers') ?? field(field(error, 'response'), 'headers');
  let raw: unknown;
  if (headers && typeof (headers as { get?: unknown }).get === 'function') {
    raw = (headers as { get(name: string): unknown }).get('retry-after');
  } else if (headers && typeof headers === 'object') {
    raw = (headers as Record<string, unknown>)['retry-after'] ?? (headers as Record<string, unknown>)['Retry-After'];
  }
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const text = String(raw).trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  // Otherwise only an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT"); Date.parse would accept "-5" as a year.
  if (!/^[A-Za-z]{3}, \d{1,2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation`, retrying transient failures with full-jitter exponential backoff
 * (delay = random · min(maxDelay, base · 2^(attempt−1)), or Retry-After when the server sends one).
 * Rethrows the last error, or the first non-transient one, unchanged.
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const {
    maxAttempts = 4,
    baseDelayMs = 100,
    maxDelayMs = 5_000,
    maxRetryAfterMs = 30_000,
    idempotent = true,
    sleep = defaultSleep,
    random = Math.random,
    now = Date.now,
    onRetry,
  } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const kind = classifyTransient(error);
      const retryable = kind === 'not_applied' || (kind === 'maybe_applied' && idempotent);
      if (!retryable || attempt >= maxAttempts) throw error;
      const serverDelay = retryAfterMs(error, now());
      if (serverDelay !== undefined && serverDelay > maxRetryAfterMs) throw error;
      const ceiling = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
      const delayMs = serverDelay ?? Math.floor(random() * ceiling);
      onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs);
    }
  }
}
