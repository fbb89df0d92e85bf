import { errorCodes, errorStatus } from '@qrca/contract';
import { describe, expect, it } from 'vitest';
import { ApiError, messageFor, toApiError } from './api-client';
import { DEVICE_SHARED_MESSAGE, errorMessages, signatureRefusalMessages } from './error-messages';

describe('the API client maps every error of the catalogue', () => {
  it.each(errorCodes)('%s: a typed error with a human message', (code) => {
    const error = toApiError(errorStatus[code], {
      error: { code, message: 'server words', correlationId: 'c-1', details: { reason: 'x' } },
    });
    expect(error).toBeInstanceOf(ApiError);
    expect(error.code).toBe(code);
    expect(error.status).toBe(errorStatus[code]);
    expect(error.details).toEqual({ reason: 'x' });
    expect(error.message.length).toBeGreaterThan(10);
    expect(error.message).not.toMatch(/[A-Z]{3,}_[A-Z]+/); // no raw codes shown to people
  });

  it('has a message for every code, and for being offline', () => {
    expect(Object.keys(errorMessages).sort()).toEqual([...errorCodes, 'NETWORK'].sort());
  });

  it('falls back to the status when the body is not ours', () => {
    expect(toApiError(404, '<html>').code).toBe('NOT_FOUND');
    expect(toApiError(503, undefined).code).toBe('DEPENDENCY_UNAVAILABLE');
    expect(toApiError(418, undefined).code).toBe('INTERNAL');
  });

  it('shows the server’s own sentence for refusals that explain themselves', () => {
    expect(messageFor('NOT_ELIGIBLE', 'You are already verified.')).toBe('You are already verified.');
    expect(messageFor('BATON_TAKEN', 'ignored')).toBe(errorMessages.BATON_TAKEN);
  });

  it('says in its own words why a session that checks phones refused the scan, whatever the server wrote', () => {
    const refused = (details: Record<string, unknown>) =>
      toApiError(422, { error: { code: 'NOT_ELIGIBLE', message: 'server words', correlationId: 'c-3', details } });
    expect(refused({ reason: 'device_shared' }).message).toBe(
      'This phone was already used for another student in this session. Use your own phone.',
    );
    expect(DEVICE_SHARED_MESSAGE).toBe(refused({ reason: 'device_shared' }).message);
    for (const verdict of ['missing', 'unknown_device', 'invalid', 'stale'] as const) {
      const error = refused({ reason: 'device_signature', signature: verdict });
      expect(error.message).toBe(signatureRefusalMessages[verdict]);
      expect([error.reason, error.signature]).toEqual(['device_signature', verdict]);
    }
    expect(refused({ reason: 'device_signature', signature: 'from_the_future' }).message).toBe(
      signatureRefusalMessages.invalid,
    );
    expect(refused({ reason: 'device_signature', signature: 'toString' }).message).toBe(
      signatureRefusalMessages.invalid,
    );
    for (const message of [...Object.values(signatureRefusalMessages), DEVICE_SHARED_MESSAGE]) {
      expect(message).not.toMatch(/[a-z]+_[a-z]+|signature|device/i); // people's words, no jargon
    }
    // Other reasons keep the server's own sentence; no reason, no signature.
    expect(refused({ reason: 'taken' }).message).toBe('server words');
    expect([new ApiError('NETWORK', '', 0).reason, new ApiError('NETWORK', '', 0).signature]).toEqual([
      undefined,
      undefined,
    ]);
  });

  it('says which failures are worth retrying', () => {
    expect(new ApiError('NETWORK', '', 0).transient).toBe(true);
    expect(new ApiError('BATON_TAKEN', '', 409).transient).toBe(false);
  });

  it('lists the fields a validation failure names, and nothing from details of another shape', () => {
    const refused = toApiError(400, {
      error: {
        code: 'VALIDATION_FAILED',
        message: 'Check the session settings.',
        correlationId: 'c-2',
        details: { issues: [{ path: 'endAt', message: 'The end must be after the start.' }, { path: 3 }, 'x'] },
      },
    });
    expect(refused.issues).toEqual([{ path: 'endAt', message: 'The end must be after the start.' }]);
    expect(new ApiError('NOT_FOUND', '', 404, { issues: 'none' }).issues).toEqual([]);
    expect(new ApiError('NETWORK', '', 0).issues).toEqual([]);
  });
});
