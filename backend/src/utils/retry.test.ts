/** retry(): backoff bounds, attempt limits, transient classification (idempotent or not), Retry-After, onRetry. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RetryOptions } from './retry';
import { classifyTransient, retry, retryAfterMs, statusOf } from './retry';

/** An HTTP-style error as fetch wrappers and our clients throw it. */
function httpError(status: number, headers?: unknown): Error {
  return Object.assign(new Error(`HTTP ${status}`), { status, headers });
}

/** A Node socket-style error. */
function codeError(code: string): Error {
  return Object.assign(new Error(code), { code });
}

/** An operation that throws `errors` in turn, then resolves 'ok'; records the attempt numbers it saw. */
function failing(...errors: unknown[]) {
  const attempts: number[] = [];
  const operation = vi.fn(async (attempt: number) => {
    attempts.push(attempt);
    const error = errors[attempts.length - 1];
    if (error !== undefined) throw error;
    return 'ok';
  });
  return { operation, attempts };
}

/** Options with a recording, instant sleep and a fixed random. */
function instant(options: RetryOptions = {}) {
  const delays: number[] = [];
  const sleep = vi.fn(async (ms: number) => {
    delays.push(ms);
  });
  return { delays, options: { random: () => 0.5, ...options, sleep } };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('backoff', () => {
  it('draws each delay from [0, base · 2^(attempt−1)) (full jitter)', async () => {
    for (const [random, expected] of [
      [0, [0, 0, 0]],
      [0.5, [50, 100, 200]],
      [0.999_999, [99, 199, 399]],
    ] as const) {
      const { delays, options } = instant({ random: () => random, baseDelayMs: 100 });
      const { operation } = failing(httpError(503), httpError(503), httpError(503));
      await expect(retry(operation, options)).resolves.toBe('ok');
      expect(delays).toEqual(expected);
    }
  });

  it('caps the backoff ceiling at maxDelayMs', async () => {
    const { delays, options } = instant({ random: () => 0.999_999, baseDelayMs: 100, maxDelayMs: 300, maxAttempts: 6 });
    const error = httpError(503);
    await retry(failing(error, error, error, error, error).operation, options);
    expect(delays).toEqual([99, 199, 299, 299, 299]);
  });

  it('stays within the ceiling for many attempts (no overflow)', async () => {
    const { delays, options } = instant({ random: () => 0.999_999, maxAttempts: 1_200 });
    const errors = Array.from({ length: 1_199 }, () => codeError('ECONNREFUSED'));
    await retry(failing(...errors).operation, options);
    expect(Math.max(...delays)).toBe(4_999);
  });

  it('uses real timers by default', async () => {
    vi.useFakeTimers();
    const { operation } = failing(httpError(503));
    const result = retry(operation, { random: () => 0.5, baseDelayMs: 1_000 });
    await vi.advanceTimersByTimeAsync(499);
    expect(operation).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    await expect(result).resolves.toBe('ok');
    expect(operation).toHaveBeenCalledTimes(2);
  });
});

describe('attempts', () => {
  it('returns the first success and passes attempt numbers from 1', async () => {
    const { options } = instant();
    const { operation, attempts } = failing(httpError(500), codeError('ECONNRESET'));
    await expect(retry(operation, options)).resolves.toBe('ok');
    expect(attempts).toEqual([1, 2, 3]);
  });

  it('makes at most maxAttempts attempts (default 4) and rethrows the last error unchanged', async () => {
    const errors = [httpError(503), httpError(502), httpError(504), httpError(500), httpError(503)];
    const byDefault = failing(...errors);
    const thrown = await retry(byDefault.operation, instant().options).catch((error: unknown) => error);
    expect(thrown).toBe(errors[3]);
    expect(byDefault.attempts).toEqual([1, 2, 3, 4]);

    const twice = failing(...errors);
    await expect(retry(twice.operation, instant({ maxAttempts: 2 }).options)).rejects.toBe(errors[1]);
    expect(twice.attempts).toEqual([1, 2]);
  });

  it('makes a single attempt when maxAttempts is 1', async () => {
    const { operation } = failing(httpError(503));
    await expect(retry(operation, instant({ maxAttempts: 1 }).options)).rejects.toThrow('HTTP 503');
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it('calls onRetry before each retry with the failed attempt, the delay and the error', async () => {
    const onRetry = vi.fn();
    const errors = [httpError(503), codeError('ECONNREFUSED'), httpError(429)];
    const { delays, options } = instant({ onRetry });
    await retry(failing(...errors).operation, options);
    expect(onRetry.mock.calls.map(([info]) => info)).toEqual([
      { attempt: 1, delayMs: delays[0], error: errors[0] },
      { attempt: 2, delayMs: delays[1], error: errors[1] },
      { attempt: 3, delayMs: delays[2], error: errors[2] },
    ]);
  });

  it('does not call onRetry when giving up', async () => {
    const onRetry = vi.fn();
    await expect(retry(failing(httpError(404)).operation, instant({ onRetry }).options)).rejects.toThrow();
    await expect(
      retry(failing(httpError(503)).operation, instant({ onRetry, maxAttempts: 1 }).options),
    ).rejects.toThrow();
    expect(onRetry).not.toHaveBeenCalled();
  });
});

describe('which failures are retried', () => {
  const retried = async (error: unknown, idempotent: boolean) => {
    const { operation } = failing(error);
    const result = await retry(operation, instant({ idempotent }).options).catch(() => 'gave up');
    return result === 'ok';
  };

  it.each([408, 500, 502, 504])(
    'retries %i when idempotent, not otherwise (it may have been applied)',
    async (status) => {
      expect(await retried(httpError(status), true)).toBe(true);
      expect(await retried(httpError(status), false)).toBe(false);
    },
  );

  it.each(['ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'UND_ERR_SOCKET'])(
    'retries %s when idempotent, not otherwise',
    async (code) => {
      expect(await retried(codeError(code), true)).toBe(true);
      expect(await retried(codeError(code), false)).toBe(false);
    },
  );

  it.each([429, 503])('retries %i even when not idempotent (the request was not processed)', async (status) => {
    expect(await retried(httpError(status), true)).toBe(true);
    expect(await retried(httpError(status), false)).toBe(true);
  });

  it.each(['ECONNREFUSED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'])(
    'retries %s even when not idempotent (nothing was sent)',
    async (code) => {
      expect(await retried(codeError(code), false)).toBe(true);
    },
  );

  it.each([400, 401, 403, 404, 409, 412, 422, 501, 505])('never retries %i', async (status) => {
    expect(await retried(httpError(status), true)).toBe(false);
    expect(await retried(httpError(status, { 'retry-after': '1' }), true)).toBe(false);
  });

  it('never retries programming errors, unknown codes or thrown non-errors', async () => {
    expect(await retried(new TypeError('x is undefined'), true)).toBe(false);
    expect(await retried(codeError('ENOENT'), true)).toBe(false);
    expect(await retried('a string', true)).toBe(false);
    expect(await retried(null, true)).toBe(false);
  });

  it('reads the Azure SDK statusCode field', async () => {
    expect(await retried(Object.assign(new Error('throttled'), { statusCode: 429 }), false)).toBe(true);
    expect(await retried(Object.assign(new Error('conflict'), { statusCode: 409 }), true)).toBe(false);
  });

  it('classifies through nested causes (fetch wraps socket errors)', async () => {
    const refused = new TypeError('fetch failed', { cause: codeError('ECONNREFUSED') });
    const reset = new Error('outer', { cause: new Error('middle', { cause: codeError('ECONNRESET') }) });
    expect(await retried(refused, false)).toBe(true);
    expect(await retried(reset, true)).toBe(true);
    expect(await retried(reset, false)).toBe(false);
    expect(classifyTransient(reset)).toBe('maybe_applied');
  });

  it('lets a non-transient status win over a transient cause', () => {
    const error = Object.assign(new Error('not found'), { status: 404, cause: codeError('ECONNRESET') });
    expect(classifyTransient(error)).toBeUndefined();
  });

  it('rethrows a non-transient error at once, unchanged', async () => {
    const error = httpError(409);
    const { operation } = failing(error);
    await expect(retry(operation, instant().options)).rejects.toBe(error);
    expect(operation).toHaveBeenCalledTimes(1);
  });

  // throws a RangeError instead of the caller's error. Flip to `it` once classifyTransient bounds its walk.
  it('rethrows an error whose cause chain loops, unchanged', async () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    await expect(retry(failing(a).operation, instant().options)).rejects.toBe(a);
  });
});

describe('Retry-After', () => {
  it('waits the seconds the server asks for instead of the backoff (Headers with get)', async () => {
    const { delays, options } = instant();
    await retry(failing(httpError(429, new Headers({ 'Retry-After': '2' }))).operation, options);
    expect(delays).toEqual([2_000]);
  });

  it('reads plain-object headers in either case, fractional seconds and numbers', async () => {
    for (const [headers, expected] of [
      [{ 'retry-after': '3' }, 3_000],
      [{ 'Retry-After': '1.5' }, 1_500],
      [{ 'retry-after': 4 }, 4_000],
      [{ 'retry-after': ' 0 ' }, 0],
    ] as const) {
      const { delays, options } = instant();
      await retry(failing(httpError(503, headers)).operation, options);
      expect(delays).toEqual([expected]);
    }
  });

  it('reads response.headers (Azure SDK RestError shape)', async () => {
    const error = Object.assign(new Error('busy'), {
      statusCode: 503,
      response: { headers: { get: (name: string) => (name === 'retry-after' ? '7' : undefined) } },
    });
    const { delays, options } = instant();
    await retry(failing(error).operation, options);
    expect(delays).toEqual([7_000]);
  });

  it('honours an HTTP date', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const at = new Date('2030-01-01T00:00:05Z').toUTCString();
    const { delays, options } = instant();
    await retry(failing(httpError(429, { 'retry-after': at })).operation, options);
    expect(delays).toEqual([5_000]);
    expect(retryAfterMs(httpError(429, new Headers({ 'retry-after': at })))).toBe(5_000);
  });

  it('treats an HTTP date in the past as "now"', () => {
    expect(retryAfterMs(httpError(429, { 'retry-after': 'Wed, 21 Oct 2015 07:28:00 GMT' }))).toBe(0);
  });

  it('may exceed maxDelayMs up to maxRetryAfterMs', async () => {
    const { delays, options } = instant({ maxDelayMs: 1_000, maxRetryAfterMs: 10_000 });
    await retry(failing(httpError(429, { 'retry-after': '10' })).operation, options);
    expect(delays).toEqual([10_000]);
  });

  it('gives up at once when the server asks for longer than maxRetryAfterMs (default 30 s)', async () => {
    const error = httpError(503, { 'retry-after': '31' });
    const { operation } = failing(error);
    await expect(retry(operation, instant().options)).rejects.toBe(error);
    expect(operation).toHaveBeenCalledTimes(1);

    const custom = failing(httpError(429, { 'retry-after': '2' }));
    await expect(retry(custom.operation, instant({ maxRetryAfterMs: 1_999 }).options)).rejects.toThrow('HTTP 429');
    expect(custom.operation).toHaveBeenCalledTimes(1);
  });

  it('falls back to the backoff when Retry-After is missing or unreadable', async () => {
    for (const headers of [
      undefined,
      {},
      new Headers(),
      { 'retry-after': 'soon' },
      { 'retry-after': '-5s' },
      { 'retry-after': '-5' },
      { 'retry-after': '+5' },
    ]) {
      const { delays, options } = instant({ random: () => 0.5, baseDelayMs: 100 });
      await retry(failing(httpError(503, headers)).operation, options);
      expect(delays).toEqual([50]);
    }
  });
});

describe('helpers', () => {
  it('statusOf prefers statusCode, then status, numbers only', () => {
    expect(statusOf({ statusCode: 503, status: 400 })).toBe(503);
    expect(statusOf({ status: 404 })).toBe(404);
    expect(statusOf({ status: '503' })).toBeUndefined();
    expect(statusOf(undefined)).toBeUndefined();
  });

  it('classifyTransient names what may have been applied', () => {
    expect(classifyTransient(httpError(429))).toBe('not_applied');
    expect(classifyTransient(httpError(503))).toBe('not_applied');
    expect(classifyTransient(codeError('ECONNREFUSED'))).toBe('not_applied');
    expect(classifyTransient(httpError(500))).toBe('maybe_applied');
    expect(classifyTransient(codeError('ETIMEDOUT'))).toBe('maybe_applied');
    expect(classifyTransient(httpError(400))).toBeUndefined();
    expect(classifyTransient(new Error('plain'))).toBeUndefined();
  });
});
