import { describe, expect, it } from 'vitest';
import { ApiError } from '../../../lib/api-client';
import { afterFailure, KEEP_MS, keptScans, retryScan, type PendingScan } from './scan-queue';

const scan: PendingScan = {
  sessionId: 's1',
  scanId: 'scan-0001',
  payload: 'QRCA1.C.s1.c.1.2.X',
  location: { lat: 1, lon: 2, accuracyM: 10 },
  savedAt: 1_000,
};
const refusal = (details: Record<string, unknown>) => new ApiError('NOT_ELIGIBLE', 'refused', 422, details);

describe('after a failed attempt', () => {
  it('waits when offline or the server is busy, to send the same scan id again', () => {
    expect(afterFailure(new ApiError('NETWORK', '', 0), scan)).toEqual({ kind: 'wait' });
    expect(afterFailure(new ApiError('DEPENDENCY_UNAVAILABLE', '', 503), scan)).toEqual({ kind: 'wait' });
  });

  it('registers the key and retries once when the server does not know it', () => {
    const unknown = refusal({ reason: 'device_signature', signature: 'unknown_device' });
    expect(afterFailure(unknown, scan)).toEqual({ kind: 'retry', register: true });
    expect(afterFailure(unknown, retryScan(scan, 'scan-0002'))).toEqual({ kind: 'refused' });
  });

  it('retries once, without registering, a signature refused as stale (the refusal corrected the clock)', () => {
    const stale = refusal({ reason: 'device_signature', signature: 'stale' });
    expect(afterFailure(stale, scan)).toEqual({ kind: 'retry', register: false });
    expect(afterFailure(stale, retryScan(scan, 'scan-0002'))).toEqual({ kind: 'refused' });
  });

  it('shows every other refusal: a shared phone, no or a bad signature, the flow’s own', () => {
    for (const details of [
      { reason: 'device_shared' },
      { reason: 'device_signature', signature: 'missing' },
      { reason: 'device_signature', signature: 'invalid' },
      { reason: 'device_signature' },
      { reason: 'taken' },
      {},
    ]) {
      expect(afterFailure(refusal(details), scan), JSON.stringify(details)).toEqual({ kind: 'refused' });
    }
    expect(afterFailure(new ApiError('BATON_TAKEN', '', 409), scan)).toEqual({ kind: 'refused' });
    expect(
      afterFailure(new ApiError('RATE_LIMITED', '', 429, { reason: 'device_signature', signature: 'stale' }), scan),
    ).toEqual({ kind: 'refused' });
  });
});

describe('the queue', () => {
  it('retries under a new scan id with the same payload, place and scan time', () => {
    expect(retryScan(scan, 'scan-0002')).toEqual({ ...scan, scanId: 'scan-0002', retryOf: 'scan-0001' });
  });

  it('keeps scans for ten minutes after they were made', () => {
    const later = { ...scan, scanId: 'scan-0002', savedAt: 5_000 };
    expect(keptScans([scan, later], 1_000 + KEEP_MS - 1)).toEqual([scan, later]);
    expect(keptScans([scan, later], 1_000 + KEEP_MS)).toEqual([later]);
  });
});
