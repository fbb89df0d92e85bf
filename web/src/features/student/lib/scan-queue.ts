/**
 * The rules of the phone's scan queue, without storage or React: how long a waiting scan is kept, and what to do
 * after a failed attempt — wait and send the same scan id again, try once more under a new scan id (a device
 * signature the server refused but a new attempt can fix), or give up and show the refusal.
 */
import type { ScanRequest } from '@qrca/contract';
import type { ApiError } from '../../../lib/api-client';
import { DEVICE_SIGNATURE_REASON } from '../../../lib/error-messages';

/** A scan attempt kept on the phone until the server answers it for good. Never holds a signature. */
export interface PendingScan {
  readonly sessionId: string;
  readonly scanId: string;
  readonly payload: string;
  readonly location?: ScanRequest['location'];
  /** When the student scanned (device clock). */
  readonly savedAt: number;
  /** The scan id of the refused attempt this one retries (a retry is never retried again). */
  readonly retryOf?: string;
}

/** A scan older than this is dropped: its code expired long ago (a new scan is needed). */
export const KEEP_MS = 10 * 60_000;

/** The scans worth keeping at `nowMs`. Throws nothing. */
export function keptScans(all: readonly PendingScan[], nowMs: number): PendingScan[] {
  return all.filter((scan) => nowMs - scan.savedAt < KEEP_MS);
}

/** What follows a failed attempt. */
export type AfterFailure =
  /** Offline or the server busy: the same attempt (same scan id) goes again when it can. */
  | { readonly kind: 'wait' }
  /**
   * The device signature was refused in a way a new attempt fixes: the key was unknown (`register`: register it
   * first) or signed by a clock far off (the refusal's `Date` header has corrected it). A new scan id, since the
   * server keeps the refusal as the old one's answer.
   */
  | { readonly kind: 'retry'; readonly register: boolean }
  /** A refusal for good: shown to the student. */
  | { readonly kind: 'refused' };

/** What to do after `error` answered an attempt of `scan`. Throws nothing. */
export function afterFailure(error: ApiError, scan: PendingScan): AfterFailure {
  if (error.code === 'NETWORK' || error.code === 'DEPENDENCY_UNAVAILABLE') return { kind: 'wait' };
  const fixable =
    error.code === 'NOT_ELIGIBLE' &&
    error.reason === DEVICE_SIGNATURE_REASON &&
    (error.signature === 'unknown_device' || error.signature === 'stale');
  if (fixable && scan.retryOf === undefined) return { kind: 'retry', register: error.signature === 'unknown_device' };
  return { kind: 'refused' };
}

/** The attempt that retries `scan` under `scanId`: same payload, place and scan time. Throws nothing. */
export function retryScan(scan: PendingScan, scanId: string): PendingScan {
  return { ...scan, scanId, retryOf: scan.scanId };
}
