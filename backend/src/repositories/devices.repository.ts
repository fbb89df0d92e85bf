/**
 * Devices a user signed in with (public keys, for device binding). Layout: table `Devices`, PK = user id,
 * RK = the key's RFC 7638 thumbprint (the `device.id` scans name), data { jwk, addedAt, lastSeenAt }. Read by
 * point lookup (a scan's device) or per user. At most MAX_DEVICES per user: the least recently seen goes first.
 */
import type { DeviceKey } from '@qrca/contract';
import { calculateJwkThumbprint } from 'jose';
import type { Clock } from '../ports/clock';
import type { TableStore } from '../ports/table-store';

const TABLE = 'Devices';
export const MAX_DEVICES = 10;
/** A SHA-256 thumbprint in base64url; anything else is no device of ours. */
const DEVICE_ID = /^[A-Za-z0-9_-]{43}$/;
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;

export interface DeviceRecord {
  readonly jwk: DeviceKey;
  readonly addedAt: string;
  readonly lastSeenAt: string;
  readonly [key: string]: unknown;
}

export class DeviceRepository {
  constructor(
    private readonly store: TableStore,
    private readonly clock: Clock,
  ) {}

  /** Records (or refreshes) a device key for the user; returns its thumbprint. */
  async register(userId: string, jwk: DeviceKey): Promise<string> {
    const thumbprint = await calculateJwkThumbprint(jwk, 'sha256');
    const now = new Date(this.clock.now()).toISOString();
    const existing = await this.store.get<DeviceRecord>(TABLE, userId, thumbprint);
    await this.store.upsert(TABLE, userId, thumbprint, {
      jwk,
      addedAt: existing?.data.addedAt ?? now,
      lastSeenAt: now,
    } satisfies DeviceRecord);
    const { items } = await this.store.query<DeviceRecord>(TABLE, userId);
    const stale = items
      .sort((a, b) => b.data.lastSeenAt.localeCompare(a.data.lastSeenAt))
      .slice(MAX_DEVICES)
      .filter((entity) => entity.rowKey !== thumbprint);
    for (const entity of stale) await this.store.delete(TABLE, userId, entity.rowKey);
    return thumbprint;
  }

  /**
   * The user's registered device with this id (its thumbprint), or undefined — also for ids no key could have.
   */
  async find(userId: string, deviceId: string): Promise<DeviceRecord | undefined> {
    if (!DEVICE_ID.test(deviceId) || !USER_ID.test(userId)) return undefined;
    return (await this.store.get<DeviceRecord>(TABLE, userId, deviceId))?.data;
  }

  /** The user's registered devices, most recently seen first. */
  async list(userId: string): Promise<DeviceRecord[]> {
    const { items } = await this.store.query<DeviceRecord>(TABLE, userId);
    return items.map((item) => item.data).sort((a, b) => b.lastSeenAt.localeCompare(a.lastSeenAt));
  }
}
