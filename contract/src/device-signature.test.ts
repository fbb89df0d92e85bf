import { describe, expect, it } from 'vitest';
import {
  deviceIdOf,
  generateDeviceKey,
  publicDeviceKey,
  scanSignatureMessage,
  signScan,
  toBase64Url,
} from './device-signature';
import { scanSignatureVectors } from './wire-vectors';

const vector = scanSignatureVectors[0] as (typeof scanSignatureVectors)[number];
const algorithm = { name: 'ECDSA', namedCurve: 'P-256' } as const;

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

const verify = async (message: string, signature: string) =>
  crypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    await crypto.subtle.importKey('jwk', vector.publicKey, algorithm, false, ['verify']),
    fromBase64Url(signature),
    new TextEncoder().encode(message),
  );

describe('scanSignatureMessage', () => {
  it('joins prefix, session, scan id, time and the trimmed payload with dots, the payload last', () => {
    expect(scanSignatureMessage(vector)).toBe(vector.message);
    expect(scanSignatureMessage({ sessionId: 'S1', scanId: 'scan-1', signedAt: 0, payload: ' k7p2qx\n' })).toBe(
      'QRCA1.S.S1.scan-1.0.k7p2qx',
    );
  });
});

describe('signScan and the vector', () => {
  it('the vector’s signature verifies with WebCrypto (IEEE P1363 r || s, base64url)', async () => {
    expect(fromBase64Url(vector.signature)).toHaveLength(64);
    expect(await verify(vector.message, vector.signature)).toBe(true);
    expect(await verify(`${vector.message}x`, vector.signature)).toBe(false);
  });

  it('signs what verifies with the device’s public key', async () => {
    const key = await crypto.subtle.importKey('jwk', { ...vector.publicKey, d: vector.privateD }, algorithm, false, [
      'sign',
    ]);
    const signature = await signScan(key, vector);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(await verify(vector.message, signature)).toBe(true);
  });

  it('names a key by its RFC 7638 thumbprint, whatever order its members come in', async () => {
    const { x, y } = vector.publicKey;
    expect(await deviceIdOf({ y, x, kty: 'EC', crv: 'P-256' })).toBe(vector.deviceId);
    expect(toBase64Url(new Uint8Array([251, 255, 191]))).toBe('-_-_');
  });

  it('makes a key pair whose private half cannot be exported, and registers only {kty, crv, x, y}', async () => {
    const device = await generateDeviceKey();
    expect(Object.keys(device.publicKey).sort()).toEqual(['crv', 'kty', 'x', 'y']);
    expect(device.deviceId).toBe(await deviceIdOf(device.publicKey));
    await expect(crypto.subtle.exportKey('jwk', device.privateKey)).rejects.toThrow();
    const exported = { ...vector.publicKey, ext: true, key_ops: ['verify'] };
    expect(publicDeviceKey(exported)).toEqual(vector.publicKey);
    expect(() => publicDeviceKey({ kty: 'EC', crv: 'P-384', x: 'a', y: 'b' })).toThrow('not an EC P-256 public key');
  });
});
