/** The closed error catalogue: every error code the API can answer with, and its HTTP status. */
import { z } from 'zod';

/** Error code → HTTP status. Codes are stable UPPER_SNAKE strings; add, never rename. */
export const errorStatus = {
  VALIDATION_FAILED: 400,
  UNAUTHENTICATED: 401,
  CODE_INVALID: 401,
  FORBIDDEN: 403,
  DOMAIN_NOT_ALLOWED: 403,
  NOT_ON_ROSTER: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  REQUEST_TIMEOUT: 408,
  CONFLICT: 409,
  BATON_TAKEN: 409,
  ALREADY_VERIFIED: 409,
  CODE_EXPIRED: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  EXPECTATION_FAILED: 417,
  INVALID_QR: 422,
  NOT_LATE_YET: 422,
  NOT_ELIGIBLE: 422,
  OUTSIDE_NETWORK: 422,
  OUTSIDE_GEOFENCE: 422,
  WRONG_PHASE: 422,
  SESSION_ENDED: 422,
  RATE_LIMITED: 429,
  HEADERS_TOO_LARGE: 431,
  TOO_MANY_ATTEMPTS: 429,
  INTERNAL: 500,
  DEPENDENCY_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof errorStatus;

export const errorCodes = Object.keys(errorStatus) as ErrorCode[];

export const ErrorCodeSchema = z.enum(errorCodes as [ErrorCode, ...ErrorCode[]]);

/** The body of every error response. */
export const ErrorBodySchema = z.object({
  error: z.object({
    code: ErrorCodeSchema,
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
    correlationId: z.string(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBodySchema>;
