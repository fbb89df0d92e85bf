// The device registry on both stores (SQLite and Azure Tables on Azurite): registered keys found by their id,
// and a session's device-use records written with a scan's commit (created once, replaced at the version read),
// listed in the snapshot and purged with the audit log.
import { scanSignatureVectors } from '@qrca/contract';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openSqliteTableStore } from '../adapters/sqlite/sqlite-table-store';
import { createAzureTableStore } from '../adapters/tables/azure-table-store';
import type { DeviceUseRecord, SessionRecord } from '../domain/records';
import { StoreConflictError, type TableStore } from '../ports/table-store';
import { newDevice } from '../test-support/devices';
import { FakeClock } from '../test-support/fake-clock';
import { DeviceRepository, MAX_DEVICES } from './devices.repository';
import { create, replace } from './session-changes';
import { SessionRepository } from './session.repository';

const vector = scanSignatureVectors[0] as (typeof scanSignatureVectors)[number];
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const stores: [string, () => TableStore][] = [
  [
    'SQLite',
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'qrca-devices-'));
      dirs.push(dir);
      return openSqliteTableStore({ file: join(dir, 'store.sqlite') });
    },
  ],
  ['Azure Tables (Azurite)', () => createAzureTableStore({ connectionString: inject('azuriteConnectionString') })],
];

const session = (id: string): SessionRecord => ({
  id,
  title: 'Devices',
  ownerId: 'u_owner',
  ownerEmail: 'owner@staff.example.edu',
  coTeachers: [],
  status: 'active',
  startAt: '2030-01-10T09:00:00.000Z',
  endAt: '2030-01-10T10:00:00.000Z',
  lateCutoffMinutes: 10,
  exitWindowMinutes: 10,
  entryMethod: 'chain',
  joinCode: 'ABCDEFGH',
  rosterMode: 'strict',
  rosterCount: 0,
  constraints: {},
  earlyLeaveOpen: false,
  createdAt: '2030-01-10T08:00:00.000Z',
  startedAt: '2030-01-10T09:00:00.000Z',
  endedAt: null,
});

describe.each(stores)('the device registry on %s', (_name, open) => {
  it('finds a registered key by its id (the RFC 7638 thumbprint) for its user only, keeping 10 per user', async () => {
    const store = open();
    const clock = new FakeClock(Date.UTC(2030, 0, 10, 9, 0));
    const devices = new DeviceRepository(store, clock);
    const user = `u${randomUUID().slice(0, 8)}`;
    expect(await devices.register(user, vector.publicKey)).toBe(vector.deviceId);
    expect((await devices.find(user, vector.deviceId))?.jwk).toEqual(vector.publicKey);
    expect(await devices.find(`${user}x`, vector.deviceId)).toBeUndefined();
    expect(await devices.find(user, 'not a device id')).toBeUndefined();
    expect(
      await devices.find(
        user,
        vector.deviceId.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')),
      ),
    ).toBeUndefined();
    // Ten more keys, each seen later: the vector's key, seen least recently, gives way.
    for (let i = 0; i < MAX_DEVICES; i++) {
      clock.advance(1_000);
      await devices.register(user, (await newDevice()).publicKey);
    }
    expect(await devices.list(user)).toHaveLength(MAX_DEVICES);
    expect(await devices.find(user, vector.deviceId)).toBeUndefined();
    await store.close();
  });

  it('commits device-use records with the session’s changes, compare-and-swap, and purges them with the audit', async () => {
    const store = open();
    const repository = new SessionRepository(store);
    const id = `S${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    await repository.createSession(session(id));
    expect(await repository.getDeviceUse(id, vector.deviceId)).toBeUndefined();
    expect(await repository.getDeviceUse(id, 'bad/id')).toBeUndefined();
    const first: DeviceUseRecord = {
      deviceId: vector.deviceId,
      accounts: [{ studentId: 'ana', firstAt: '2030-01-10T09:01:00.000Z' }],
    };
    await repository.commit({ sessionId: id, devices: [create(first)] });
    const stored = (await repository.getDeviceUse(id, vector.deviceId)) ?? expect.fail('not stored');
    expect(stored.value).toEqual(first);
    // A second create, or a replace at a version that moved on, loses: nothing is written.
    await expect(repository.commit({ sessionId: id, devices: [create(first)] })).rejects.toBeInstanceOf(
      StoreConflictError,
    );
    const second = {
      ...first,
      accounts: [...first.accounts, { studentId: 'ben', firstAt: '2030-01-10T09:02:00.000Z' }],
    };
    await repository.commit({ sessionId: id, devices: [replace(stored, second)] });
    await expect(repository.commit({ sessionId: id, devices: [replace(stored, first)] })).rejects.toBeInstanceOf(
      StoreConflictError,
    );
    expect((await repository.getDeviceUse(id, vector.deviceId))?.value).toEqual(second);
    expect((await repository.snapshot(id)).devices.map((d) => d.value)).toEqual([second]);
    expect(await repository.deleteAudit(id)).toBe(1);
    expect(await repository.getDeviceUse(id, vector.deviceId)).toBeUndefined();
    await repository.deleteSession(id);
    await store.close();
  });
});
