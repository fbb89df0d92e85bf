import { ErrorBodySchema } from '@qrca/contract';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { StoreConflictError } from '../ports/table-store';
import { createLogger } from '../utils/logger';
import {
  AppError,
  DependencyUnavailableError,
  NotFoundError,
  RateLimitedError,
  ValidationError,
  errorResponse,
} from './errors';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, logger: createLogger({ logLevel: 'info', env: 'test' }, sink) };
}

const bodyOf = (response: ReturnType<typeof errorResponse>) => ErrorBodySchema.parse(response.jsonBody).error;

describe('errorResponse', () => {
  it('answers an AppError with its catalogue status, code, message and details', () => {
    const { logger, lines } = capture();
    const response = errorResponse(
      new ValidationError('Bad input.', [{ path: 'email', message: 'required' }]),
      'cid-1',
      logger,
    );
    expect(response.status).toBe(400);
    expect(bodyOf(response)).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'Bad input.',
      details: { issues: [{ path: 'email', message: 'required' }] },
      correlationId: 'cid-1',
    });
    expect(lines).toHaveLength(0);
  });

  it('sets Retry-After on rate limits and dependency failures', () => {
    const { logger } = capture();
    const limited = errorResponse(new RateLimitedError(2.2), 'c', logger);
    expect(limited.status).toBe(429);
    expect(limited.headers).toMatchObject({ 'Retry-After': '3' });
    const down = errorResponse(new DependencyUnavailableError('cache'), 'c', logger);
    expect(down.status).toBe(503);
    expect(bodyOf(down).code).toBe('DEPENDENCY_UNAVAILABLE');
  });

  it('maps zod errors to 400 with the failing paths', () => {
    const { logger } = capture();
    const parsed = z.object({ email: z.email(), n: z.number() }).safeParse({ email: 'nope', n: 'x' });
    if (parsed.success) throw new Error('expected failure');
    const response = errorResponse(parsed.error, 'c', logger);
    expect(response.status).toBe(400);
    const issues = (bodyOf(response).details as { issues: { path: string }[] }).issues;
    expect(issues.map((i) => i.path).sort()).toEqual(['email', 'n']);
  });

  it('maps an unhandled store conflict to 409 CONFLICT', () => {
    const { logger } = capture();
    const response = errorResponse(new StoreConflictError('etag_mismatch', 'Chains', 's1', 'c1'), 'c', logger);
    expect(response.status).toBe(409);
    expect(bodyOf(response).code).toBe('CONFLICT');
  });

  it('maps transient dependency failures to 503 and logs them', () => {
    const { logger, lines } = capture();
    const response = errorResponse(
      Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:6379'), { code: 'ECONNREFUSED' }),
      'cid-9',
      logger,
    );
    expect(response.status).toBe(503);
    expect(JSON.stringify(response.jsonBody)).not.toContain('10.0.0.5');
    expect(lines[0]).toMatchObject({ level: 'error', correlationId: 'cid-9' });
  });

  it('hides unknown errors behind a 500 and logs them with the correlation id', () => {
    const { logger, lines } = capture();
    const response = errorResponse(new TypeError('secret internals: cannot read x of undefined'), 'cid-2', logger);
    expect(response.status).toBe(500);
    expect(bodyOf(response)).toEqual({
      code: 'INTERNAL',
      message: 'Something went wrong on our side.',
      correlationId: 'cid-2',
    });
    expect(JSON.stringify(response.jsonBody)).not.toContain('internals');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', correlationId: 'cid-2', errorCode: 'INTERNAL' });
    expect(JSON.stringify(lines[0])).toContain('secret internals');
  });

  it('gives each typed error its catalogue status', () => {
    expect(new NotFoundError().status).toBe(404);
    expect(new AppError('BATON_TAKEN', 'x').status).toBe(409);
    expect(new AppError('CODE_EXPIRED', 'x').status).toBe(410);
    expect(new AppError('WRONG_PHASE', 'x').status).toBe(422);
  });
});
