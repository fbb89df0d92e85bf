// The commit point and its publish step, on the real SQLite store and the in-process cache: all or nothing,
// and what readers cache follows each commit.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemoryCacheStore } from '../adapters/memory-cache/memory-cache';
import { openSqliteTableStore } from '../adapters/sqlite/sqlite-table-store';
import { emptyAttendance, type ChainRecord, type SessionRecord } from '../domain/records';
import { StoreConflictError, type TableStore } from '../ports/table-store';
import { create, replace } from '../repositories/session-changes';
import { SessionRepository } from '../repositories/session.repository';
import type { Versioned } from '../repositories/versioned';
import { FakeClock } from '../test-support/fake-clock';
import { Cache, cacheKeys } from '../utils/cache';
import { AuditLog } from './audit-log';
import { SessionWriter } from './session-writer';

const clock = new FakeClock(Date.UTC(2030, 0, 10, 9, 0));
const SESSION: SessionRecord = {
  id: 'S1',
  title: 'Writer',
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
};
const CHAIN: ChainRecord = {
  chainId: 'c1',
  phase: 'entry',
  seq: 1,
  holderId: 'u_a',
  nonce: 'n1',
  state: 'active',
  length: 0,
  startedAt: SESSION.startAt,
  lastHandoffAt: SESSION.startAt,
  issuedAt: SESSION.startAt,
};

let dir: string;
let store: TableStore;
let cache: Cache;
let repository: SessionRepository;
let writer: SessionWriter;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'qrca-writer-'));
  store = openSqliteTableStore({ file: join(dir, 'db.sqlite') });
  cache = new Cache(new MemoryCacheStore({ clock }), clock);
  repository = new SessionRepository(store);
  writer = new SessionWriter(repository, cache);
  await repository.createSession(SESSION);
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SessionWriter', () => {
  it('commits rows, events and a kept answer at once, and caches each written chain at its new version', async () => {
    const audit = new AuditLog();
    const committed = await writer.commit({
      sessionId: 'S1',
      attendance: [create(emptyAttendance('u_a', 'a@students.example.edu'))],
      chains: [create(CHAIN)],
      events: [audit.teacherAction('u_owner', clock.now(), 'chain_started', { chainId: 'c1' })],
      scanAnswer: { studentId: 'u_a', scanId: 'scan-0001', answer: { status: 200, body: { ok: true } } },
    });
    const snapshot = await repository.snapshot('S1');
    expect(snapshot.attendance.map((row) => row.value.studentId)).toEqual(['u_a']);
    expect(snapshot.events.map((event) => event.outcome)).toEqual(['chain_started']);
    expect(await repository.getScanAnswer('S1', 'u_a', 'scan-0001')).toEqual({ status: 200, body: { ok: true } });
    const cached = await cache.getJson<Versioned<ChainRecord>>(cacheKeys.chain('S1', 'c1'));
    expect(cached).toEqual(committed.chains[0]);
    expect(cached?.version).toBe(snapshot.chains[0]?.version);
  });

  it('writes nothing when one row changed since it was read (and caches nothing)', async () => {
    await writer.commit({ sessionId: 'S1', chains: [create(CHAIN)] });
    const chain = await repository.getChain('S1', 'c1');
    if (!chain) throw new Error('no chain');
    await writer.commit({ sessionId: 'S1', chains: [replace(chain, { ...CHAIN, seq: 2 })] });
    await cache.invalidate(cacheKeys.chain('S1', 'c1'));
    const stale = writer.commit({
      sessionId: 'S1',
      attendance: [create(emptyAttendance('u_b', 'b@students.example.edu'))],
      chains: [replace(chain, { ...CHAIN, seq: 3 })],
    });
    await expect(stale).rejects.toBeInstanceOf(StoreConflictError);
    const snapshot = await repository.snapshot('S1');
    expect(snapshot.attendance).toEqual([]);
    expect(snapshot.chains.map((c) => c.value.seq)).toEqual([2]);
    expect(await cache.getJson(cacheKeys.chain('S1', 'c1'))).toBeUndefined();
  });

  it('drops the cached attendance list when rows or the session change, not for events alone', async () => {
    const list = cacheKeys.attendance('S1');
    await cache.setJson(list, { cached: true }, 60_000);
    await writer.commit({
      sessionId: 'S1',
      events: [new AuditLog().scanEvent('u_a', clock.now(), { flow: 'chain', outcome: 'INVALID_QR' })],
    });
    expect(await cache.getJson(list)).toEqual({ cached: true });
    await writer.commit({ sessionId: 'S1', attendance: [create(emptyAttendance('u_a', 'a@students.example.edu'))] });
    expect(await cache.getJson(list)).toBeUndefined();
    await cache.setJson(list, { cached: true }, 60_000);
    await cache.setJson(cacheKeys.session('S1'), SESSION, 60_000);
    await writer.updateSession('S1', (current) => ({ ...current, title: 'Renamed' }));
    expect(await cache.getJson(list)).toBeUndefined();
    expect(await cache.getJson(cacheKeys.session('S1'))).toBeUndefined();
  });

  it('updateSession retries a lost race on the session record, and writes nothing for no change', async () => {
    /** Another writer changes the record right after this one read it, once. */
    class RacingRepository extends SessionRepository {
      private raced = false;
      override async getSession(sessionId: string) {
        const read = await super.getSession(sessionId);
        if (read && !this.raced) {
          this.raced = true;
          const record = { ...read.value, rosterCount: 7 };
          await super.commit({ sessionId, session: { record, version: read.version } });
        }
        return read;
      }
    }
    const racing = new SessionWriter(new RacingRepository(store), cache);
    let calls = 0;
    await racing.updateSession('S1', (current) => ({ ...current, title: `Renamed ${++calls}` }));
    expect(calls).toBe(2);
    expect((await repository.getSession('S1'))?.value).toMatchObject({ title: 'Renamed 2', rosterCount: 7 });
    const before = (await repository.getSession('S1'))?.version;
    await writer.updateSession('S1', (current) => current);
    expect((await repository.getSession('S1'))?.version).toBe(before);
  });
});
