/**
 * Signing a student's scans with this device's key (docs/api.md, "Device keys and flags"): the key registered for
 * the signed-in student before the first scan (once per account and device, remembered on the device), then each
 * attempt's `device` field signed as it is sent, with the server's time as the phone knows it. A device without a
 * key signs nothing: its scans go unsigned (flagged under the default device policy, refused only under `enforce`).
 */
import { signScan, type DeviceKey, type DeviceKeyPair, type ScanRequest } from '@qrca/contract';

/** What the signer needs from the browser and the server (injected, so tests can use a plain key and clock). */
export interface ScanSignerDeps {
  /** This device's key pair, or null when it cannot keep one. Throws nothing. */
  readonly loadKey: () => Promise<DeviceKeyPair | null>;
  /** Whether `userId` registered `deviceId` from this device. Throws nothing. */
  readonly isRegistered: (userId: string, deviceId: string) => Promise<boolean>;
  readonly rememberRegistration: (userId: string, deviceId: string) => Promise<void>;
  readonly forgetRegistration: (userId: string) => Promise<void>;
  /** POST /api/auth/devices. @throws ApiError */
  readonly register: (deviceKey: DeviceKey) => Promise<{ deviceId: string }>;
  /** Now by the server's clock, as this device knows it (unix ms). */
  readonly now: () => number;
}

/** What a signature covers of a scan attempt. */
export interface ScanToSign {
  readonly sessionId: string;
  readonly scanId: string;
  readonly payload: string;
}

/** One signed-in student's signer on this device. */
export class ScanSigner {
  /** Settles once the key is known to be registered; cleared by a failure, so the next scan tries again. */
  private registration: Promise<void> | undefined;

  constructor(
    private readonly userId: string,
    private readonly deps: ScanSignerDeps,
  ) {}

  /**
   * Makes sure the server knows this device's key for the student (registers it unless this device remembers
   * having done so); resolves with the key, or null when the device has none. A failed registration (offline) is
   * not waited on: the scan is signed anyway and the next one registers. Throws nothing.
   */
  async prepare(): Promise<DeviceKeyPair | null> {
    const key = await this.deps.loadKey();
    if (!key) return null;
    this.registration ??= this.register(key);
    await this.registration;
    return key;
  }

  /** Forgets that the key is registered (the server said it does not know it): the next scan registers it. */
  async forgetRegistration(): Promise<void> {
    this.registration = undefined;
    await this.deps.forgetRegistration(this.userId);
  }

  /**
   * The `device` field of an attempt, signed now (registering the key first when needed); undefined when this
   * device cannot sign. Throws nothing.
   */
  async sign(scan: ScanToSign): Promise<ScanRequest['device'] | undefined> {
    const key = await this.prepare();
    if (!key) return undefined;
    // The server wants whole milliseconds; the clock offset may carry a fraction.
    const signedAt = Math.round(this.deps.now());
    try {
      const signature = await signScan(key.privateKey, { ...scan, payload: scan.payload.trim(), signedAt });
      return { id: key.deviceId, signedAt, signature };
    } catch {
      return undefined;
    }
  }

  private async register(key: DeviceKeyPair): Promise<void> {
    try {
      if (await this.deps.isRegistered(this.userId, key.deviceId)) return;
      const { deviceId } = await this.deps.register(key.publicKey);
      if (deviceId === key.deviceId) await this.deps.rememberRegistration(this.userId, deviceId);
    } catch {
      // Offline or refused: this scan goes signed all the same (the server flags or refuses an unknown key, and the
      // app retries a refusal after registering); the next scan tries to register again.
      this.registration = undefined;
    }
  }
}
