import { describe, expect, it } from 'vitest';
import { errorCodes, errorStatus } from './errors';

describe('error catalogue', () => {
  it('holds every code the public API documents, with its status', () => {
    const documented = {
      VALIDATION_FAILED: 400,
      UNAUTHENTICATED: 401,
      CODE_INVALID: 401,
      FORBIDDEN: 403,
      DOMAIN_NOT_ALLOWED: 403,
      NOT_FOUND: 404,
      BATON_TAKEN: 409,
      ALREADY_VERIFIED: 409,
      CODE_EXPIRED: 410,
      NOT_LATE_YET: 422,
      NOT_ELIGIBLE: 422,
      OUTSIDE_NETWORK: 422,
      OUTSIDE_GEOFENCE: 422,
      WRONG_PHASE: 422,
      RATE_LIMITED: 429,
      TOO_MANY_ATTEMPTS: 429,
      DEPENDENCY_UNAVAILABLE: 503,
    };
    expect(errorStatus).toMatchObject(documented);
  });

  it('uses UPPER_SNAKE codes and error statuses only', () => {
    for (const code of errorCodes) {
      expect(code).toMatch(/^[A-Z]+(_[A-Z]+)*$/);
      expect(errorStatus[code]).toBeGreaterThanOrEqual(400);
      expect(errorStatus[code]).toBeLessThan(600);
    }
  });
});
