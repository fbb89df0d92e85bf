/**
 * Device keys and signed scans (docs/api.md, "Device keys and flags"), shared by every client: the message a
 * device signs for a scan, signing it with a WebCrypto ECDSA P-256 key, and a key's device id (its RFC 7638
 * thumbprint). WebCrypto only, so the same code runs in browsers and Node.
 */

import type { DeviceKey } from './auth';

/** First field of the signed message: names the format and its version. */
export const SCAN_SIGNATURE_PREFIX = 'QRCA1.S';

/** The `scanId` a join's device signature uses (its `payload` is the join code). */
export const JOIN_SIGNATURE_ID = 'join';

/** What a scan's signature covers. */
export interface ScanSignatureFields {
  readonly sessionId: string;
  readonly scanId: string;
  /** When the device signed, in unix milliseconds by the server's clock as the device knows it. */
  readonly signedAt: number;
  /** The scan's `payload`, as the request carries it (the server trims white space at both ends). */
  readonly payload: string;
}

/**
 * The signed message: `QRCA1.S.<sessionId>.<scanId>.<signedAt>.<payload>`, UTF-8. `signedAt` in decimal without
 * leading zeros, `payload` trimmed and last, so the dots it may contain are not ambiguous. Throws nothing.
 */
export function scanSignatureMessage(fields: ScanSignatureFields): string {
  return [SCAN_SIGNATURE_PREFIX, fields.sessionId, fields.scanId, String(fields.signedAt), fields.payload.trim()].join(
    '.',
  );
}

/** A WebCrypto private key (`CryptoKey`), as `crypto.subtle.sign` takes it in browsers and Node alike. */
export type DeviceSigningKey = Parameters<typeof crypto.subtle.sign>[1];

/** base64url without padding (RFC 4648 §5). */
export function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/**
 * Signs a scan with the device's private key (ECDSA P-256, SHA-256): the signature as WebCrypto makes it, IEEE
 * P1363 `r || s` (64 bytes), in base64url without padding. @throws what WebCrypto throws for a wrong key.
 */
export async function signScan(privateKey: DeviceSigningKey, fields: ScanSignatureFields): Promise<string> {
  const signature = await crypto.subtle.sign(
    { name: 'ECDSA', hash: 'SHA-256' },
    privateKey,
    new TextEncoder().encode(scanSignatureMessage(fields)),
  );
  return toBase64Url(new Uint8Array(signature));
}

/**
 * A device key's id: its RFC 7638 JWK thumbprint (SHA-256 of `{"crv","kty","x","y"}` in that order, no white
 * space), base64url without padding: 43 characters. This is `device.id` on scans.
 */
export async function deviceIdOf(jwk: {
  readonly crv: string;
  readonly kty: string;
  readonly x: string;
  readonly y: string;
}) {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(canonical));
  return toBase64Url(new Uint8Array(digest));
}

/**
 * The public half of a device key as `deviceKey` takes it: `{kty, crv, x, y}` only (a JWK exported by WebCrypto
 * also carries `ext` and `key_ops`, which the API refuses). @throws Error for a key that is not EC P-256.
 */
export function publicDeviceKey(jwk: {
  readonly kty?: string;
  readonly crv?: string;
  readonly x?: string;
  readonly y?: string;
}): DeviceKey {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new Error('not an EC P-256 public key');
  return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
}

/** A device's key pair as the app keeps it (in IndexedDB): the private key usable to sign, never extractable. */
export interface DeviceKeyPair {
  readonly privateKey: DeviceSigningKey;
  /** What to register (`deviceKey`). */
  readonly publicKey: DeviceKey;
  /** `device.id` on scans. */
  readonly deviceId: string;
}

/** Makes a new ECDSA P-256 device key pair with WebCrypto; the private key is not extractable. */
export async function generateDeviceKey(): Promise<DeviceKeyPair> {
  const pair = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
  const publicKey = publicDeviceKey(await crypto.subtle.exportKey('jwk', pair.publicKey));
  return { privateKey: pair.privateKey, publicKey, deviceId: await deviceIdOf(publicKey) };
}
