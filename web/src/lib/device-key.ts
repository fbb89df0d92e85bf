/**
 * This device's signing key (docs/api.md, "Device keys and flags"): an ECDSA P-256 key pair made once with
 * WebCrypto — the private half not extractable, so no script, this app's included, can read it — kept in IndexedDB
 * (a structured clone keeps the CryptoKey), with the accounts that registered it. A browser without WebCrypto or
 * IndexedDB (a very old one, an insecure origin, some private windows) has no key, and its scans go unsigned.
 * Layout: database `qrca-device`, store `keys`: `pair` → DeviceKeyPair; `registered` → {[userId]: deviceId}.
 */
import { generateDeviceKey, type DeviceKeyPair } from '@qrca/contract';
import { createStore, get, update, type UseStore } from 'idb-keyval';

const PAIR = 'pair';
const REGISTERED = 'registered';
/** A key not ready by then (IndexedDB stuck, a slow first generation) is not waited for: that scan goes unsigned. */
const LOAD_TIMEOUT_MS = 3_000;

type Registrations = Readonly<Record<string, string>>;

let store: UseStore | undefined;
let loading: Promise<DeviceKeyPair | null> | undefined;

const keyStore = (): UseStore => (store ??= createStore('qrca-device', 'keys'));

/** Whether this browser can make and keep a device key at all. Throws nothing. */
export function deviceKeysSupported(): boolean {
  return (
    typeof indexedDB !== 'undefined' &&
    typeof crypto !== 'undefined' &&
    typeof crypto.subtle?.generateKey === 'function' &&
    typeof CryptoKey !== 'undefined'
  );
}

/** A kept value that is a usable key pair (a store written by another version, or damaged, is not). */
export function isDeviceKeyPair(value: unknown): value is DeviceKeyPair {
  if (typeof value !== 'object' || value === null) return false;
  const { privateKey, publicKey, deviceId } = value as Record<string, unknown>;
  return (
    typeof CryptoKey !== 'undefined' &&
    privateKey instanceof CryptoKey &&
    privateKey.type === 'private' &&
    privateKey.algorithm.name === 'ECDSA' &&
    typeof deviceId === 'string' &&
    typeof publicKey === 'object' &&
    publicKey !== null &&
    typeof (publicKey as Record<string, unknown>)['x'] === 'string' &&
    typeof (publicKey as Record<string, unknown>)['y'] === 'string'
  );
}

async function loadOrCreate(): Promise<DeviceKeyPair | null> {
  const db = keyStore();
  const kept = await get<unknown>(PAIR, db);
  if (isDeviceKeyPair(kept)) return kept;
  const fresh = await generateDeviceKey();
  // Another tab may have made one meanwhile: the first one kept wins, and every tab signs with it.
  await update<unknown>(PAIR, (current) => (isDeviceKeyPair(current) ? current : fresh), db);
  const chosen = await get<unknown>(PAIR, db);
  return isDeviceKeyPair(chosen) ? chosen : null;
}

function timeout(ms: number): Promise<null> {
  return new Promise((resolve) => setTimeout(() => resolve(null), ms));
}

/**
 * This device's key pair, made and kept on first use; null when this browser cannot make or keep one (or not
 * within a few seconds; a later call tries again). Throws nothing.
 */
export async function loadDeviceKey(): Promise<DeviceKeyPair | null> {
  if (!deviceKeysSupported()) return null;
  loading ??= loadOrCreate().catch(() => null);
  const pending = loading;
  const key = await Promise.race([pending, timeout(LOAD_TIMEOUT_MS)]);
  // Only a key is remembered for the page's life; a failure or a wait too long is tried again next time.
  if (!key && loading === pending) loading = undefined;
  return key;
}

/** Whether `userId` registered the key `deviceId` from this device, as far as this device knows. Throws nothing. */
export async function isRegistered(userId: string, deviceId: string): Promise<boolean> {
  try {
    const registered = await get<Registrations>(REGISTERED, keyStore());
    return registered?.[userId] === deviceId;
  } catch {
    return false;
  }
}

/** Notes that the server registered `deviceId` for `userId`. Throws nothing. */
export async function rememberRegistration(userId: string, deviceId: string): Promise<void> {
  try {
    await update<Registrations>(REGISTERED, (registered) => ({ ...registered, [userId]: deviceId }), keyStore());
  } catch {
    // Not kept: the key is registered again (idempotently) next time.
  }
}

/** Forgets the registration of `userId` (the server said it does not know the key). Throws nothing. */
export async function forgetRegistration(userId: string): Promise<void> {
  try {
    await update<Registrations>(
      REGISTERED,
      (registered) => Object.fromEntries(Object.entries(registered ?? {}).filter(([id]) => id !== userId)),
      keyStore(),
    );
  } catch {
    // Nothing kept, nothing to forget.
  }
}
