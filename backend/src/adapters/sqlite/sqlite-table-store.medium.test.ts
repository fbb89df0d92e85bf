import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeTableStoreContract } from '../table-store.contract';
import { openSqliteTableStore } from './sqlite-table-store';

const dir = mkdtempSync(join(tmpdir(), 'qrca-sqlite-store-'));
let files = 0;

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describeTableStoreContract('sqlite', async () => openSqliteTableStore({ file: join(dir, `contract-${++files}.db`) }));

describe('SqliteTableStore', () => {
  it('creates the parent directory and keeps rows across a reopen, with fresh ETags afterwards', async () => {
    const file = join(dir, 'nested', 'deeper', 'reopen.db');
    const first = openSqliteTableStore({ file });
    const etag = await first.insert('things', 'p', 'row', { v: 1 });
    await first.close();
    expect(existsSync(file)).toBe(true);

    const second = openSqliteTableStore({ file });
    expect(await second.get('things', 'p', 'row')).toEqual({ partitionKey: 'p', rowKey: 'row', etag, data: { v: 1 } });
    const next = await second.update('things', 'p', 'row', { v: 2 }, etag);
    expect(next).not.toBe(etag);
    expect(next).toMatch(/^[A-Za-z0-9_-]{22}$/);
    await second.close();
  });

  it('maintain() checkpoints the WAL into the database file and truncates it', async () => {
    const file = join(dir, 'maintain.db');
    const store = openSqliteTableStore({ file });
    await store.batch(
      'things',
      'p',
      Array.from({ length: 100 }, (_, i) => ({ kind: 'insert', rowKey: `r${i}`, data: { i } })),
    );
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);
    await store.maintain();
    expect(statSync(`${file}-wal`).size).toBe(0);
    expect((await store.query('things', 'p')).items).toHaveLength(100);
    await store.close();
  });

  it('sees writes made through another connection to the same file', async () => {
    const file = join(dir, 'shared.db');
    const a = openSqliteTableStore({ file });
    const b = openSqliteTableStore({ file });
    const etag = await a.insert('things', 'p', 'row', { by: 'a' });
    await b.update('things', 'p', 'row', { by: 'b' }, etag);
    expect((await a.get('things', 'p', 'row'))?.data).toEqual({ by: 'b' });
    await expect(a.update('things', 'p', 'row', { by: 'a' }, etag)).rejects.toMatchObject({ reason: 'etag_mismatch' });
    await a.close();
    await b.close();
  });
});
