/**
 * Central error handling (seed path): typed application errors from the contract's catalogue, and the one
 * mapping from any thrown value to `{error:{code,message,details,correlationId}}` with the right status.
 * Unknown errors become a 500 without internals and are logged with the correlation id.
 */
import type { HttpResponseInit } from '@azure/functions';
import { errorStatus, type ErrorBody, type ErrorCode } from '@qrca/contract';
import { ZodError } from 'zod';
import { StoreConflictError } from '../ports/table-store';
import type { Logger } from '../utils/logger';
import { classifyTransient } from '../utils/retry';

export interface AppErrorOptions {
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;
  readonly cause?: unknown;
}

/** An error the API answers with as is: a catalogue code, a message safe to show, optional details. */
export class AppError extends Error {
  override readonly name: string = 'AppError';
  readonly details?: Record<string, unknown>;
  readonly headers?: Record<string, string>;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    if (options.details) this.details = options.details;
    if (options.headers) this.headers = options.headers;
  }

  get status(): number {
    return errorStatus[this.code];
  }
}

/** 400 VALIDATION_FAILED; `details.issues` lists each bad field. */
export class ValidationError extends AppError {
  override readonly name = 'ValidationError';
  constructor(message: string, issues: readonly { path: string; message: string }[] = []) {
    super('VALIDATION_FAILED', message, { details: { issues } });
  }
}

/** 401 UNAUTHENTICATED. */
export class AuthenticationError extends AppError {
  override readonly name = 'AuthenticationError';
  constructor(message = 'Sign in to continue.') {
    super('UNAUTHENTICATED', message);
  }
}

/** 403 FORBIDDEN (use NotFoundError when the caller must not learn the resource exists). */
export class ForbiddenError extends AppError {
  override readonly name = 'ForbiddenError';
  constructor(message = 'You are not allowed to do this.') {
    super('FORBIDDEN', message);
  }
}

/** 404 NOT_FOUND. */
export class NotFoundError extends AppError {
  override readonly name = 'NotFoundError';
  constructor(message = 'Not found.') {
    super('NOT_FOUND', message);
  }
}

/** 429 RATE_LIMITED with Retry-After in whole seconds. */
export class RateLimitedError extends AppError {
  override readonly name = 'RateLimitedError';
  constructor(retryAfterSeconds: number, message = 'Too many requests. Try again shortly.') {
    const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
    super('RATE_LIMITED', message, {
      details: { retryAfterSeconds: seconds },
      headers: { 'Retry-After': String(seconds) },
    });
  }
}

/** 503 DEPENDENCY_UNAVAILABLE: a store, cache or service we depend on is down. */
export class DependencyUnavailableError extends AppError {
  override readonly name = 'DependencyUnavailableError';
  constructor(dependency: string, cause?: unknown) {
    super('DEPENDENCY_UNAVAILABLE', `A service we depend on (${dependency}) is unavailable. Try again shortly.`, {
      details: { dependency },
      headers: { 'Retry-After': '5' },
      cause,
    });
  }
}

/** Turns zod issues into the `details.issues` shape of VALIDATION_FAILED. */
export function validationErrorFromZod(error: ZodError, message = 'The request is not valid.'): ValidationError {
  return new ValidationError(
    message,
    error.issues.map((issue) => ({ path: issue.path.map(String).join('.') || '(root)', message: issue.message })),
  );
}

/** Which dependency failed: adapters' errors say so in a `dependency` field; storage otherwise. */
function dependencyOf(error: unknown): string {
  const named =
    typeof error === 'object' && error !== null ? (error as { dependency?: unknown }).dependency : undefined;
  return typeof named === 'string' ? named : 'storage';
}

/** Maps anything thrown to an AppError; the second value says whether it was unexpected (log as error). */
export function toAppError(error: unknown): { appError: AppError; unexpected: boolean } {
  if (error instanceof AppError) return { appError: error, unexpected: false };
  if (error instanceof ZodError) return { appError: validationErrorFromZod(error), unexpected: false };
  if (error instanceof StoreConflictError) {
    return {
      appError: new AppError('CONFLICT', 'The record was changed by someone else. Try again.'),
      unexpected: false,
    };
  }
  if (classifyTransient(error) !== undefined) {
    return { appError: new DependencyUnavailableError(dependencyOf(error), error), unexpected: true };
  }
  return { appError: new AppError('INTERNAL', 'Something went wrong on our side.'), unexpected: true };
}

/** The error response for `error`; logs unexpected errors (with stack) under the correlation id. */
export function errorResponse(error: unknown, correlationId: string, logger: Logger): HttpResponseInit {
  const { appError, unexpected } = toAppError(error);
  if (unexpected) logger.error({ err: error, correlationId, errorCode: appError.code }, 'request failed');
  const body: ErrorBody = {
    error: {
      code: appError.code,
      message: appError.message,
      ...(appError.details ? { details: appError.details } : {}),
      correlationId,
    },
  };
  return { status: appError.status, jsonBody: body, headers: { ...appError.headers } };
}
