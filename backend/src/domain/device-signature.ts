/**
 * Device signatures on scans: a scan's ECDSA P-256 / SHA-256 signature (IEEE P1363 `r || s`, base64url) checked
 * against the caller's registered public key over `scanSignatureMessage` (docs/api.md, "Device keys and flags").
 */
import { scanSignatureMessage, type DeviceKey, type SignatureVerdict } from '@qrca/contract';
import { createPublicKey, verify } from 'node:crypto';

/** A signature made further than this from the server's time is `stale` (an offline phone re-signs on sending). */
export const SIGNATURE_MAX_SKEW_MS = 10 * 60_000;

/** A P-256 signature: 64 bytes, 86 base64url characters without padding. */
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

export interface SignedScan {
  readonly sessionId: string;
  readonly scanId: string;
  /** The trimmed payload, as the server read it. */
  readonly payload: string;
  readonly device?: { readonly id: string; readonly signature?: string; readonly signedAt?: number };
}

/**
 * The verdict on a scan's device signature at `nowMs`: `missing` without a device or signature,
 * `unknown_device` when `key` (the caller's registered key with the device's id) is undefined, `invalid` when it
 * does not verify (or `signedAt` is missing), `stale` when valid but signed more than
 * {@link SIGNATURE_MAX_SKEW_MS} away from now, else `valid`. Throws nothing.
 */
export function checkScanSignature(scan: SignedScan, key: DeviceKey | undefined, nowMs: number): SignatureVerdict {
  const { device } = scan;
  if (!device?.signature) return 'missing';
  if (!key) return 'unknown_device';
  if (device.signedAt === undefined || !SIGNATURE.test(device.signature)) return 'invalid';
  const message = scanSignatureMessage({
    sessionId: scan.sessionId,
    scanId: scan.scanId,
    signedAt: device.signedAt,
    payload: scan.payload,
  });
  let valid: boolean;
  try {
    const publicKey = createPublicKey({ key: { ...key }, format: 'jwk' });
    valid = verify(
      'sha256',
      Buffer.from(message, 'utf8'),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      Buffer.from(device.signature, 'base64url'),
    );
  } catch {
    // A registered key that is not a point on the curve verifies nothing.
    return 'invalid';
  }
  if (!valid) return 'invalid';
  return Math.abs(nowMs - device.signedAt) > SIGNATURE_MAX_SKEW_MS ? 'stale' : 'valid';
}
