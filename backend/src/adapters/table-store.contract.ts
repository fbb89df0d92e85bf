/**
 * Contract suite of the TableStore port, run against every adapter (sqlite-table-store.medium.test.ts,
 * azure-table-store.medium.test.ts) so repositories can rely on one behaviour whichever store is configured.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BatchOperation, ConflictReason, Entity, EntityData, TableStore } from '../ports/table-store';
import { MAX_BATCH_OPERATIONS, MAX_ENTITY_BYTES, StoreConflictError, StoreUsageError } from '../ports/table-store';
import { MAX_KEY_LENGTH } from './table-store-rules';

/** Awaits `promise` and returns what it rejected with (fails the test if it resolved). */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

async function expectConflict(
  promise: Promise<unknown>,
  reason: ConflictReason,
  operationIndex?: number,
): Promise<StoreConflictError> {
  const error = await rejectionOf(promise);
  expect(error).toBeInstanceOf(StoreConflictError);
  const conflict = error as StoreConflictError;
  expect(conflict.reason).toBe(reason);
  if (operationIndex !== undefined) expect(conflict.operationIndex).toBe(operationIndex);
  return conflict;
}

async function expectUsageError(promise: Promise<unknown>): Promise<void> {
  expect(await rejectionOf(promise)).toBeInstanceOf(StoreUsageError);
}

/** Reads every page of a partition (following continuations) and returns the pages. */
async function allPages<T extends EntityData>(
  store: TableStore,
  table: string,
  partitionKey: string,
  options: { prefix?: string; from?: string; below?: string; limit?: number } = {},
): Promise<Entity<T>[][]> {
  const pages: Entity<T>[][] = [];
  let continuation: string | undefined;
  do {
    const page = await store.query<T>(table, partitionKey, { ...options, continuation });
    pages.push(page.items);
    continuation = page.continuation;
    if (pages.length > 1000) throw new Error('query never ended');
  } while (continuation !== undefined);
  return pages;
}

async function rowKeysIn(
  store: TableStore,
  table: string,
  partitionKey: string,
  options: { prefix?: string; from?: string; below?: string; limit?: number } = {},
): Promise<string[]> {
  return (await allPages(store, table, partitionKey, options)).flat().map((entity) => entity.rowKey);
}

/**
 * Registers the TableStore contract tests for one adapter. `open` is called once for the suite (and once
 * more for the close test); each test writes to its own partition of a table unique to this run.
 */
export function describeTableStoreContract(name: string, open: () => Promise<TableStore>): void {
  describe(`TableStore contract: ${name}`, () => {
    const table = `contract${randomUUID().replaceAll('-', '').slice(0, 12)}`;
    let partitions = 0;
    /** A partition no other test touches. */
    const freshPartition = (): string => `p${++partitions}`;
    let store: TableStore;

    beforeAll(async () => {
      store = await open();
    });

    afterAll(async () => {
      await store?.close();
    });

    it('round-trips an entity through insert, get, update, upsert and delete, with a new ETag on every write', async () => {
      const pk = freshPartition();
      const data = {
        text: 'héllo wörld · 日本語 · emoji 😀👍🏽 · quotes "\' and \\ backslash',
        nested: { list: [1, 2.5, null, true, 'x'], empty: {} },
        // Large-ish (26,000 bytes, under MAX_ENTITY_BYTES) and mostly non-ASCII.
        blob: 'ü'.repeat(8_000) + 'z'.repeat(10_000),
      };
      const etags = new Set<string>();
      const inserted = await store.insert(table, pk, 'row', data);
      etags.add(inserted);
      expect(await store.get(table, pk, 'row')).toEqual({ partitionKey: pk, rowKey: 'row', etag: inserted, data });

      const updated = await store.update(table, pk, 'row', { ...data, version: 2 }, inserted);
      etags.add(updated);
      const afterUpdate = await store.get<typeof data & { version: number }>(table, pk, 'row');
      expect(afterUpdate?.etag).toBe(updated);
      expect(afterUpdate?.data.version).toBe(2);
      expect(afterUpdate?.data.blob).toBe(data.blob);

      etags.add(await store.upsert(table, pk, 'row', { version: 3 }));
      const [fromBatch] = await store.batch(table, pk, [{ kind: 'upsert', rowKey: 'row', data: { version: 4 } }]);
      etags.add(fromBatch as string);
      const current = await store.get(table, pk, 'row');
      expect(current?.data).toEqual({ version: 4 });
      expect(current?.etag).toBe(fromBatch);
      expect(etags.size).toBe(4);

      await store.delete(table, pk, 'row', current?.etag);
      expect(await store.get(table, pk, 'row')).toBeUndefined();
    });

    it('stores a payload of exactly MAX_ENTITY_BYTES and refuses one byte more', async () => {
      const pk = freshPartition();
      const overhead = JSON.stringify({ s: '' }).length;
      const largest = { s: 'x'.repeat(MAX_ENTITY_BYTES - overhead) };
      expect(Buffer.byteLength(JSON.stringify(largest))).toBe(MAX_ENTITY_BYTES);
      const etag = await store.insert(table, pk, 'largest', largest);
      const read = await store.get<typeof largest>(table, pk, 'largest');
      expect(read?.etag).toBe(etag);
      expect(read?.data.s).toBe(largest.s);
      await expectUsageError(store.insert(table, pk, 'too-large', { s: `${largest.s}x` }));
      await expectUsageError(store.upsert(table, pk, 'too-large', { s: 'é'.repeat(MAX_ENTITY_BYTES / 2) }));
      expect(await store.get(table, pk, 'too-large')).toBeUndefined();
    });

    it('returns undefined for a missing row, in a used and in a never-used table', async () => {
      const pk = freshPartition();
      await store.insert(table, pk, 'present', { ok: true });
      expect(await store.get(table, pk, 'absent')).toBeUndefined();
      expect(await store.get(table, freshPartition(), 'present')).toBeUndefined();
      expect(await store.get(`${table}x`, pk, 'present')).toBeUndefined();
    });

    it('pages through 250 rows with limit 100, each row once, in rowKey order', async () => {
      const pk = freshPartition();
      const keys = Array.from({ length: 250 }, (_, i) => `r${String(i).padStart(4, '0')}`);
      const noise = freshPartition();
      // Later keys first, so order cannot come from insertion order; a neighbour partition must not leak in.
      for (const start of [200, 100, 0]) {
        const slice = keys.slice(start, start + 100);
        await store.batch(
          table,
          pk,
          slice.map((rowKey) => ({ kind: 'insert', rowKey, data: { rowKey } })),
        );
      }
      await store.insert(table, noise, 'r0000', { noise: true });

      const pages = await allPages<{ rowKey: string }>(store, table, pk, { limit: 100 });
      for (const page of pages) expect(page.length).toBeLessThanOrEqual(100);
      expect(pages.length).toBeGreaterThanOrEqual(3);
      expect(pages.length).toBeLessThanOrEqual(4); // a service may end with an empty page
      const rows = pages.flat();
      expect(rows.map((row) => row.rowKey)).toEqual(keys);
      expect(rows.every((row) => row.data.rowKey === row.rowKey && row.partitionKey === pk)).toBe(true);

      const firstPage = await store.query(table, pk);
      expect(firstPage.items).toHaveLength(250);
    });

    it('selects rowKey ranges with prefix, from and below, also across pages', async () => {
      const pk = freshPartition();
      const keys = ['a1', 'a2', 'ab', 'a~', 'b', 'b1', 'b2', 'c'];
      await store.batch(
        table,
        pk,
        keys.map((rowKey) => ({ kind: 'upsert', rowKey, data: {} })),
      );
      expect(await rowKeysIn(store, table, pk)).toEqual(keys);
      expect(await rowKeysIn(store, table, pk, { prefix: 'a' })).toEqual(['a1', 'a2', 'ab', 'a~']);
      expect(await rowKeysIn(store, table, pk, { prefix: 'b' })).toEqual(['b', 'b1', 'b2']);
      expect(await rowKeysIn(store, table, pk, { prefix: 'b1' })).toEqual(['b1']);
      expect(await rowKeysIn(store, table, pk, { from: 'a2', below: 'b2' })).toEqual(['a2', 'ab', 'a~', 'b', 'b1']);
      expect(await rowKeysIn(store, table, pk, { from: 'b1' })).toEqual(['b1', 'b2', 'c']);
      expect(await rowKeysIn(store, table, pk, { below: 'ab' })).toEqual(['a1', 'a2']);
      expect(await rowKeysIn(store, table, pk, { prefix: 'a', from: 'a2' })).toEqual(['a2', 'ab', 'a~']);
      expect(await rowKeysIn(store, table, pk, { prefix: 'a', below: 'ab' })).toEqual(['a1', 'a2']);
      expect(await rowKeysIn(store, table, pk, { prefix: 'a', from: 'b' })).toEqual([]);
      expect(await rowKeysIn(store, table, pk, { from: 'b2', below: 'b2' })).toEqual([]);
      expect(await rowKeysIn(store, table, pk, { prefix: 'zz' })).toEqual([]);
      expect(await rowKeysIn(store, table, pk, { prefix: 'a', limit: 1 })).toEqual(['a1', 'a2', 'ab', 'a~']);
      expect(await rowKeysIn(store, table, pk, { from: 'a2', below: 'c', limit: 2 })).toEqual([
        'a2',
        'ab',
        'a~',
        'b',
        'b1',
        'b2',
      ]);
    });

    it('refuses an update with a stale ETag (etag_mismatch) and leaves the row alone', async () => {
      const pk = freshPartition();
      const first = await store.insert(table, pk, 'row', { v: 1 });
      const second = await store.update(table, pk, 'row', { v: 2 }, first);
      await expectConflict(store.update(table, pk, 'row', { v: 3 }, first), 'etag_mismatch');
      expect(await store.get(table, pk, 'row')).toMatchObject({ etag: second, data: { v: 2 } });
    });

    it('refuses an update of a missing row (not_found)', async () => {
      const pk = freshPartition();
      const etag = await store.insert(table, pk, 'other', { v: 1 });
      const conflict = await expectConflict(store.update(table, pk, 'missing', { v: 2 }, etag), 'not_found');
      expect(conflict).toMatchObject({ table, partitionKey: pk, rowKey: 'missing' });
      expect(await store.get(table, pk, 'missing')).toBeUndefined();
    });

    it('refuses a duplicate insert (exists) and keeps the first version', async () => {
      const pk = freshPartition();
      const etag = await store.insert(table, pk, 'row', { v: 1 });
      await expectConflict(store.insert(table, pk, 'row', { v: 2 }), 'exists');
      expect(await store.get(table, pk, 'row')).toMatchObject({ etag, data: { v: 1 } });
    });

    it('deletes conditionally: a stale ETag is refused, a missing row without ETag is a no-op', async () => {
      const pk = freshPartition();
      const first = await store.insert(table, pk, 'row', { v: 1 });
      const second = await store.update(table, pk, 'row', { v: 2 }, first);
      await expectConflict(store.delete(table, pk, 'row', first), 'etag_mismatch');
      expect(await store.get(table, pk, 'row')).toMatchObject({ etag: second });
      await store.delete(table, pk, 'row', second);
      expect(await store.get(table, pk, 'row')).toBeUndefined();
      await expect(store.delete(table, pk, 'row')).resolves.toBeUndefined();
      await expect(store.delete(table, pk, 'never-there')).resolves.toBeUndefined();
      await expectConflict(store.delete(table, pk, 'row', second), 'not_found');
      await store.insert(table, pk, 'plain', {});
      await store.delete(table, pk, 'plain');
      expect(await store.get(table, pk, 'plain')).toBeUndefined();
    });

    it('upsert creates the row, then replaces it whole', async () => {
      const pk = freshPartition();
      const created = await store.upsert(table, pk, 'row', { a: 1, b: 2 });
      expect(await store.get(table, pk, 'row')).toMatchObject({ etag: created, data: { a: 1, b: 2 } });
      const replaced = await store.upsert(table, pk, 'row', { c: 3 });
      expect(replaced).not.toBe(created);
      expect(await store.get(table, pk, 'row')).toEqual({
        partitionKey: pk,
        rowKey: 'row',
        etag: replaced,
        data: { c: 3 },
      });
    });

    it('applies a mixed batch and returns per-operation ETags usable for later updates', async () => {
      const pk = freshPartition();
      const existing = await store.insert(table, pk, 'existing', { v: 1 });
      await store.insert(table, pk, 'doomed', { v: 1 });
      const etags = await store.batch(table, pk, [
        { kind: 'insert', rowKey: 'new', data: { v: 'new' } },
        { kind: 'upsert', rowKey: 'upserted', data: { v: 'up' } },
        { kind: 'update', rowKey: 'existing', data: { v: 2 }, etag: existing },
        { kind: 'delete', rowKey: 'doomed' },
      ]);
      expect(etags).toHaveLength(4);
      expect(etags[3]).toBe('');
      expect(etags.slice(0, 3).every((etag) => typeof etag === 'string' && etag.length > 0)).toBe(true);
      expect(etags[2]).not.toBe(existing);
      expect(await rowKeysIn(store, table, pk)).toEqual(['existing', 'new', 'upserted']);
      expect(await store.get(table, pk, 'existing')).toMatchObject({ etag: etags[2], data: { v: 2 } });

      await store.update(table, pk, 'new', { v: 'new2' }, etags[0] as string);
      await store.update(table, pk, 'upserted', { v: 'up2' }, etags[1] as string);
      await store.update(table, pk, 'existing', { v: 3 }, etags[2] as string);
      expect((await store.get(table, pk, 'new'))?.data).toEqual({ v: 'new2' });
    });

    it('applies a batch all-or-nothing, naming the failed operation', async () => {
      const pk = freshPartition();
      await store.insert(table, pk, 'taken', { v: 1 });
      const conflict = await expectConflict(
        store.batch(table, pk, [
          { kind: 'insert', rowKey: 'fresh', data: { v: 1 } },
          { kind: 'upsert', rowKey: 'upserted', data: { v: 1 } },
          { kind: 'insert', rowKey: 'taken', data: { v: 2 } },
        ]),
        'exists',
        2,
      );
      expect(conflict).toMatchObject({ table, partitionKey: pk, rowKey: 'taken' });
      expect(await store.get(table, pk, 'fresh')).toBeUndefined();
      expect(await store.get(table, pk, 'upserted')).toBeUndefined();
      expect((await store.get(table, pk, 'taken'))?.data).toEqual({ v: 1 });
    });

    it('fails a batch whose update carries a stale ETag or targets a missing row', async () => {
      const pk = freshPartition();
      const stale = await store.insert(table, pk, 'row', { v: 1 });
      const current = await store.update(table, pk, 'row', { v: 2 }, stale);
      const other = await store.insert(table, pk, 'other', { v: 1 });
      await expectConflict(
        store.batch(table, pk, [
          { kind: 'update', rowKey: 'other', data: { v: 2 }, etag: other },
          { kind: 'update', rowKey: 'row', data: { v: 3 }, etag: stale },
        ]),
        'etag_mismatch',
        1,
      );
      await expectConflict(
        store.batch(table, pk, [
          { kind: 'update', rowKey: 'missing', data: {}, etag: current },
          { kind: 'insert', rowKey: 'fresh', data: {} },
        ]),
        'not_found',
        0,
      );
      expect(await store.get(table, pk, 'row')).toMatchObject({ etag: current, data: { v: 2 } });
      expect(await store.get(table, pk, 'other')).toMatchObject({ etag: other, data: { v: 1 } });
      expect(await store.get(table, pk, 'fresh')).toBeUndefined();
    });

    it('deletes unconditionally in a batch; a missing row fails the batch (not_found), nothing applied', async () => {
      const pk = freshPartition();
      const first = await store.insert(table, pk, 'changed', { v: 1 });
      await store.update(table, pk, 'changed', { v: 2 }, first);
      const kept = await store.insert(table, pk, 'kept', { v: 1 });
      const conflict = await expectConflict(
        store.batch(table, pk, [
          { kind: 'insert', rowKey: 'fresh', data: {} },
          { kind: 'delete', rowKey: 'kept' },
          { kind: 'delete', rowKey: 'missing' },
        ]),
        'not_found',
        2,
      );
      expect(conflict).toMatchObject({ table, partitionKey: pk, rowKey: 'missing' });
      expect(await store.get(table, pk, 'kept')).toMatchObject({ etag: kept, data: { v: 1 } });
      expect(await store.get(table, pk, 'fresh')).toBeUndefined();
      // Whatever version the row is at now, a batch delete removes it.
      expect(await store.batch(table, pk, [{ kind: 'delete', rowKey: 'changed' }])).toEqual(['']);
      expect(await rowKeysIn(store, table, pk)).toEqual(['kept']);
    });

    it('refuses bad names, keys, payloads, batches and query options with StoreUsageError', async () => {
      const pk = freshPartition();
      for (const badTable of ['ab', '1abc', 'has-dash', 'has_underscore', 'a'.repeat(64), '']) {
        await expectUsageError(store.get(badTable, pk, 'row'));
        await expectUsageError(store.insert(badTable, pk, 'row', {}));
      }
      await store.insert(table, pk, 'a'.repeat(MAX_KEY_LENGTH), {});
      for (const badKey of [
        '',
        'a/b',
        'a\\b',
        'a#b',
        'a?b',
        'tab\there',
        'nul\u0000',
        'c1\u0085',
        'x'.repeat(MAX_KEY_LENGTH + 1),
      ]) {
        await expectUsageError(store.insert(table, pk, badKey, {}));
        await expectUsageError(store.insert(table, badKey, 'row', {}));
        await expectUsageError(store.get(table, pk, badKey));
      }
      await expectUsageError(store.insert(table, pk, 'lone\ud800', {}));
      await expectUsageError(store.insert(table, pk, 'row', [] as unknown as EntityData));
      await expectUsageError(store.insert(table, pk, 'row', { big: 1n }));
      await expectUsageError(store.update(table, pk, 'row', {}, ''));

      const tooMany: BatchOperation[] = Array.from({ length: MAX_BATCH_OPERATIONS + 1 }, (_, i) => ({
        kind: 'insert',
        rowKey: `k${i}`,
        data: {},
      }));
      await expectUsageError(store.batch(table, pk, tooMany));
      await expectUsageError(store.batch(table, pk, []));
      await expectUsageError(
        store.batch(table, pk, [
          { kind: 'insert', rowKey: 'dup', data: {} },
          { kind: 'upsert', rowKey: 'dup', data: {} },
        ]),
      );
      await expectUsageError(store.batch(table, pk, [{ kind: 'insert', rowKey: 'a/b', data: {} }]));
      await expectUsageError(
        store.batch(table, pk, [{ kind: 'upsert', rowKey: 'big', data: { s: 'x'.repeat(MAX_ENTITY_BYTES) } }]),
      );
      await store.batch(table, pk, tooMany.slice(0, MAX_BATCH_OPERATIONS));

      await expectUsageError(store.query(table, pk, { limit: 0 }));
      await expectUsageError(store.query(table, pk, { limit: 1001 }));
      await expectUsageError(store.query(table, pk, { limit: 1.5 }));
      await expectUsageError(store.query(table, pk, { continuation: '%%% not a token %%%' }));
      expect(await rowKeysIn(store, table, pk)).toHaveLength(MAX_BATCH_OPERATIONS + 1);
    });

    it('lets exactly one of 50 concurrent compare-and-swaps win, round after round', async () => {
      const pk = freshPartition();
      const rounds = 5;
      const racers = 50;
      await store.insert(table, pk, 'counter', { count: 0 });
      for (let round = 0; round < rounds; round++) {
        const reads = await Promise.all(
          Array.from({ length: racers }, () => store.get<{ count: number }>(table, pk, 'counter')),
        );
        const etag = reads[0]?.etag as string;
        expect(reads.every((read) => read?.etag === etag && read.data.count === round)).toBe(true);
        const results = await Promise.allSettled(
          reads.map((read) =>
            store.update(table, pk, 'counter', { count: (read?.data.count ?? 0) + 1 }, read?.etag as string),
          ),
        );
        const winners = results.filter((result) => result.status === 'fulfilled');
        const losers = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
        expect(winners).toHaveLength(1);
        expect(losers).toHaveLength(racers - 1);
        for (const loser of losers) {
          expect(loser).toBeInstanceOf(StoreConflictError);
          expect((loser as StoreConflictError).reason).toBe('etag_mismatch');
        }
      }
      expect((await store.get<{ count: number }>(table, pk, 'counter'))?.data.count).toBe(rounds);
    });

    it('answers ping and maintain, and rejects every call once closed (close is idempotent)', async () => {
      await store.ping();
      await store.maintain();
      const other = await open();
      await other.ping();
      await other.insert(table, freshPartition(), 'row', {});
      await other.close();
      await other.close();
      await expectUsageError(other.get(table, 'p', 'row'));
      await expectUsageError(other.insert(table, 'p', 'row', {}));
      await expectUsageError(other.query(table, 'p'));
      await expectUsageError(other.ping());
    });
  });
}
