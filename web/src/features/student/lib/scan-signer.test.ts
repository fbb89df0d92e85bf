import { generateDeviceKey, scanSignatureMessage, type DeviceKeyPair } from '@qrca/contract';
import { beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../../lib/api-client';
import { ScanSigner, type ScanSignerDeps } from './scan-signer';

const SCAN = { sessionId: 'S3ss10n-Id_0001', scanId: 'scan-0001', payload: '  QRCA1.C.S3ss10n-Id_0001.c.1.2.X \n' };

/** Verifies `signature` (base64url P1363) over `message` with the public half of `key`. */
async function verifies(key: DeviceKeyPair, message: string, signature: string): Promise<boolean> {
  const publicKey = await crypto.subtle.importKey('jwk', key.publicKey, { name: 'ECDSA', namedCurve: 'P-256' }, false, [
    'verify',
  ]);
  const bytes = Uint8Array.from(atob(signature.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  return crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, publicKey, bytes, new TextEncoder().encode(message));
}

/** A device and a server in memory: what was registered, what the device remembers, a fixed server time. */
function fakes(key: DeviceKeyPair | null, options: { failRegistrations?: number; nowMs?: number } = {}) {
  let failures = options.failRegistrations ?? 0;
  const registeredOnServer: string[] = [];
  const remembered = new Map<string, string>();
  const deps: ScanSignerDeps = {
    loadKey: () => Promise.resolve(key),
    isRegistered: (userId, deviceId) => Promise.resolve(remembered.get(userId) === deviceId),
    rememberRegistration: (userId, deviceId) => Promise.resolve(void remembered.set(userId, deviceId)),
    forgetRegistration: (userId) => Promise.resolve(void remembered.delete(userId)),
    register: (deviceKey) => {
      if (failures > 0) {
        failures -= 1;
        return Promise.reject(new ApiError('NETWORK', 'offline', 0));
      }
      registeredOnServer.push(deviceKey.x);
      return key ? Promise.resolve({ deviceId: key.deviceId }) : Promise.reject(new Error('no key'));
    },
    now: () => options.nowMs ?? 1_790_000_002_500,
  };
  return { deps, registeredOnServer, remembered };
}

describe('ScanSigner', () => {
  let key: DeviceKeyPair;
  beforeAll(async () => {
    key = await generateDeviceKey();
  });

  it('keeps the private key out of reach: not extractable, only for signing', async () => {
    expect(key.privateKey.extractable).toBe(false);
    expect(key.privateKey.usages).toEqual(['sign']);
    await expect(crypto.subtle.exportKey('jwk', key.privateKey)).rejects.toThrow();
    expect(Object.keys(key.publicKey).sort()).toEqual(['crv', 'kty', 'x', 'y']);
  });

  it('registers the key once for the student, then signs each attempt over the trimmed payload at server time', async () => {
    const { deps, registeredOnServer, remembered } = fakes(key, { nowMs: 1_790_000_002_500.5 });
    const signer = new ScanSigner('u1', deps);
    const device = await signer.sign(SCAN);
    expect(registeredOnServer).toEqual([key.publicKey.x]);
    expect(remembered.get('u1')).toBe(key.deviceId);
    expect(device?.id).toBe(key.deviceId);
    expect(device?.signedAt).toBe(1_790_000_002_501);
    const message = scanSignatureMessage({ ...SCAN, signedAt: 1_790_000_002_501 });
    expect(message).toBe('QRCA1.S.S3ss10n-Id_0001.scan-0001.1790000002501.QRCA1.C.S3ss10n-Id_0001.c.1.2.X');
    expect(await verifies(key, message, device?.signature ?? '')).toBe(true);

    await signer.sign({ ...SCAN, scanId: 'scan-0002' });
    expect(registeredOnServer).toHaveLength(1);
  });

  it('does not register again what this device remembers registering (e.g. at sign-in)', async () => {
    const { deps, registeredOnServer, remembered } = fakes(key);
    remembered.set('u1', key.deviceId);
    expect((await new ScanSigner('u1', deps).sign(SCAN))?.id).toBe(key.deviceId);
    expect(registeredOnServer).toEqual([]);
    // Another account on the same phone registers the same key for itself.
    await new ScanSigner('u2', deps).sign(SCAN);
    expect(registeredOnServer).toEqual([key.publicKey.x]);
  });

  it('signs while registration fails (offline), and registers at the next attempt', async () => {
    const { deps, registeredOnServer } = fakes(key, { failRegistrations: 1 });
    const signer = new ScanSigner('u1', deps);
    expect((await signer.sign(SCAN))?.signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(registeredOnServer).toEqual([]);
    await signer.sign(SCAN);
    expect(registeredOnServer).toEqual([key.publicKey.x]);
  });

  it('registers again after the server said it does not know the key', async () => {
    const { deps, registeredOnServer, remembered } = fakes(key);
    const signer = new ScanSigner('u1', deps);
    await signer.sign(SCAN);
    await signer.forgetRegistration();
    expect(remembered.has('u1')).toBe(false);
    await signer.sign(SCAN);
    expect(registeredOnServer).toHaveLength(2);
  });

  it('signs nothing, and registers nothing, on a device without a key', async () => {
    const { deps, registeredOnServer } = fakes(null);
    const signer = new ScanSigner('u1', deps);
    expect(await signer.prepare()).toBeNull();
    expect(await signer.sign(SCAN)).toBeUndefined();
    expect(registeredOnServer).toEqual([]);
  });
});
