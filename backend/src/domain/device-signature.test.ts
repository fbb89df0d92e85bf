import { deviceIdOf, scanSignatureMessage, scanSignatureVectors, signScan } from '@qrca/contract';
import { calculateJwkThumbprint } from 'jose';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../test-support/fake-clock';
import { checkScanSignature, SIGNATURE_MAX_SKEW_MS, type SignedScan } from './device-signature';

const vector = scanSignatureVectors[0] as (typeof scanSignatureVectors)[number];
const device = { id: vector.deviceId, signature: vector.signature, signedAt: vector.signedAt };
const signed: SignedScan = { sessionId: vector.sessionId, scanId: vector.scanId, payload: vector.payload, device };

/** The vector's private key as WebCrypto holds it on a phone. */
function privateKey() {
  return crypto.subtle.importKey(
    'jwk',
    { ...vector.publicKey, d: vector.privateD },
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['sign'],
  );
}

describe('checkScanSignature', () => {
  const clock = new FakeClock(vector.signedAt + 1_200);

  it('accepts the documented vector against its registered key', () => {
    expect(checkScanSignature(signed, vector.publicKey, clock.now())).toBe('valid');
  });

  it('accepts what a phone signs with WebCrypto (the contract’s signScan)', async () => {
    const fields = { sessionId: 'S1', scanId: 'scan-abc-123', signedAt: clock.now(), payload: '  K7P2QX ' };
    const signature = await signScan(await privateKey(), fields);
    expect(signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    const scan = {
      ...fields,
      payload: 'K7P2QX',
      device: { id: vector.deviceId, signature, signedAt: fields.signedAt },
    };
    expect(checkScanSignature(scan, vector.publicKey, clock.now())).toBe('valid');
  });

  it('says missing without a device or signature, unknown_device without the registered key', () => {
    const { device: _device, ...unsigned } = signed;
    expect(checkScanSignature(unsigned, vector.publicKey, clock.now())).toBe('missing');
    expect(checkScanSignature({ ...signed, device: { id: vector.deviceId } }, vector.publicKey, clock.now())).toBe(
      'missing',
    );
    expect(checkScanSignature(signed, undefined, clock.now())).toBe('unknown_device');
  });

  it('says invalid for any other message, key or signature, and without signedAt', () => {
    const now = clock.now();
    // Another valid P-256 key (RFC 7517, appendix A.1).
    const other = {
      ...vector.publicKey,
      x: 'MKBCTNIcKUSDii11ySs3526iDZ8AiTo7Tu6KPAqv7D4',
      y: '4Etl6SRW2YiLUrN5vfvVHuhp7x8PxltmWWlbbM4IFyM',
    };
    expect(checkScanSignature({ ...signed, scanId: 'scan-0002' }, vector.publicKey, now)).toBe('invalid');
    expect(checkScanSignature({ ...signed, payload: 'QRCA1.C.other' }, vector.publicKey, now)).toBe('invalid');
    expect(checkScanSignature({ ...signed, sessionId: 'S3ss10n-Id_0002' }, vector.publicKey, now)).toBe('invalid');
    expect(
      checkScanSignature({ ...signed, device: { ...device, signedAt: vector.signedAt + 1 } }, vector.publicKey, now),
    ).toBe('invalid');
    expect(checkScanSignature(signed, other, now)).toBe('invalid');
    const flipped = (vector.signature.startsWith('A') ? 'B' : 'A') + vector.signature.slice(1);
    for (const signature of [flipped, 'not-base64url!', vector.signature.slice(0, 85), 'A'.repeat(86)]) {
      expect(checkScanSignature({ ...signed, device: { ...device, signature } }, vector.publicKey, now)).toBe(
        'invalid',
      );
    }
    const { signedAt: _signedAt, ...undated } = device;
    expect(checkScanSignature({ ...signed, device: undated }, vector.publicKey, now)).toBe('invalid');
  });

  it('says stale for a valid signature made more than 10 minutes from the server’s time', () => {
    const early = vector.signedAt - SIGNATURE_MAX_SKEW_MS;
    expect(checkScanSignature(signed, vector.publicKey, vector.signedAt + SIGNATURE_MAX_SKEW_MS)).toBe('valid');
    expect(checkScanSignature(signed, vector.publicKey, vector.signedAt + SIGNATURE_MAX_SKEW_MS + 1)).toBe('stale');
    expect(checkScanSignature(signed, vector.publicKey, early - 1)).toBe('stale');
  });
});

describe('the scan signature vector', () => {
  it('signs the documented message, and names its key by the thumbprint the server stores', async () => {
    expect(scanSignatureMessage(vector)).toBe(vector.message);
    expect(await deviceIdOf(vector.publicKey)).toBe(vector.deviceId);
    expect(await calculateJwkThumbprint(vector.publicKey, 'sha256')).toBe(vector.deviceId);
  });
});

describe('docs/api.md, "Device keys and flags"', () => {
  const doc = readFileSync(join(__dirname, '..', '..', '..', 'docs', 'api.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Device keys and flags'), doc.indexOf('## QR wire formats'));

  it('lists exactly the contract’s signature vectors', () => {
    const table = section.slice(
      section.indexOf('<!-- signature-vectors:start -->'),
      section.indexOf('<!-- signature-vectors:end -->'),
    );
    const rows = table
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) =>
        line
          .split('|')
          .slice(1, -1)
          .map((cell) => cell.trim().replace(/^`|`$/g, '')),
      );
    expect(rows).toEqual(scanSignatureVectors.map((v) => [v.publicKey.x, v.publicKey.y, v.deviceId, v.signature]));
  });

  it('works the example through: its message, and a request body whose signature verifies', () => {
    expect(section.replace(/\s+/g, ' ')).toContain(
      `the message is \`${vector.message}\` (${Buffer.byteLength(vector.message)} bytes)`,
    );
    const body = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)?.[1] ?? '{}') as {
      scanId: string;
      payload: string;
      device: { id: string; signature: string; signedAt: number };
    };
    expect(checkScanSignature({ sessionId: vector.sessionId, ...body }, vector.publicKey, body.device.signedAt)).toBe(
      'valid',
    );
    expect(body.device.id).toBe(vector.deviceId);
  });
});
