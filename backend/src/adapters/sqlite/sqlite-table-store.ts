/**
 * TableStore on one SQLite file via better-sqlite3 (the embedded default). Layout: one SQL table per logical
 * table, `t_<name>(pk, rk, etag, data)` with PRIMARY KEY (pk, rk) WITHOUT ROWID, so a partition is one
 * contiguous, rowKey-ordered range of the primary key; `data` is the entity's JSON and `etag` a random
 * 128-bit base64url token (never repeats, even across restarts). Durability: WAL with synchronous=NORMAL,
 * so a write whose call has returned survives a crash or SIGKILL of this process (it is in the WAL, in the
 * OS page cache; see sqlite-durability.medium.test.ts); a power loss or kernel panic may drop the last few
 * commits, which only synchronous=FULL would prevent, at a large cost per write.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type {
  BatchOperation,
  ConflictReason,
  Entity,
  EntityData,
  Page,
  QueryOptions,
  TableStore,
} from '../../ports/table-store';
import { StoreConflictError, StoreUsageError } from '../../ports/table-store';
import type { PreparedOperation } from '../table-store-rules';
import {
  assertEtag,
  assertKey,
  assertTableName,
  compareKeys,
  parseData,
  prepareBatch,
  resolveLimit,
  rowKeyRange,
  serializeData,
} from '../table-store-rules';

export interface SqliteTableStoreOptions {
  /** Path of the database file; its directory is created if missing. */
  readonly file: string;
}

interface Row {
  readonly rk: string;
  readonly etag: string;
  readonly data: string;
}

type Statement<R = unknown> = Database.Statement<unknown[], R>;

/** The prepared statements of one logical table, built when the table is first used. */
interface TableStatements {
  readonly get: Statement<Row>;
  readonly etagOf: Statement<string>;
  readonly insert: Statement;
  readonly update: Statement;
  readonly upsert: Statement;
  readonly delete: Statement;
  readonly deleteIf: Statement;
  /** Range queries, keyed by `${lowerOperator}|${hasUpperBound}`. */
  readonly queries: Map<string, Statement<Row>>;
}

type RunBatch = (
  statements: TableStatements,
  table: string,
  partitionKey: string,
  operations: readonly PreparedOperation[],
) => string[];

/** 128 random bits: an ETag must never come back after a restart, which a counter could. */
function newEtag(): string {
  return randomBytes(16).toString('base64url');
}

function encodeContinuation(lastRowKey: string): string {
  return Buffer.from(lastRowKey, 'utf8').toString('base64url');
}

function decodeContinuation(token: string): string {
  const rowKey = typeof token === 'string' ? Buffer.from(token, 'base64url').toString('utf8') : '';
  if (rowKey.length === 0 || encodeContinuation(rowKey) !== token) {
    throw new StoreUsageError('invalid continuation token');
  }
  return rowKey;
}

/**
 * Opens (creating if needed) the SQLite file and its directory, in WAL mode with synchronous=NORMAL and a
 * 5 s busy timeout.
 * @throws SqliteError when the file cannot be opened or is not a database.
 */
export function openSqliteTableStore(options: SqliteTableStoreOptions): SqliteTableStore {
  mkdirSync(dirname(options.file), { recursive: true });
  const db = new Database(options.file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 5000');
  } catch (error) {
    db.close();
    throw error;
  }
  return new SqliteTableStore(db);
}

/**
 * TableStore over an open better-sqlite3 database (use {@link openSqliteTableStore}). Every call runs
 * synchronously inside the returned promise, so calls from this process never interleave; other processes
 * are serialised by SQLite's lock (busy timeout 5 s).
 */
export class SqliteTableStore implements TableStore {
  readonly kind = 'sqlite' as const;
  private readonly tables = new Map<string, TableStatements>();
  private readonly pingStatement: Statement;
  private closed = false;

  private readonly runBatch: Database.Transaction<RunBatch>;

  constructor(private readonly db: Database.Database) {
    this.pingStatement = db.prepare('SELECT 1');
    this.runBatch = db.transaction<RunBatch>((statements, table, partitionKey, operations) =>
      operations.map((operation, index) => {
        try {
          return this.applyOperation(statements, table, partitionKey, operation);
        } catch (error) {
          if (!(error instanceof StoreConflictError)) throw error;
          throw new StoreConflictError(error.reason, table, partitionKey, operation.rowKey, index);
        }
      }),
    );
  }

  /** @throws StoreUsageError on a bad table name or key, or after close(). */
  async get<T extends EntityData>(table: string, partitionKey: string, rowKey: string): Promise<Entity<T> | undefined> {
    const statements = this.statementsFor(table);
    assertKey('partitionKey', partitionKey);
    assertKey('rowKey', rowKey);
    const row = statements.get.get(partitionKey, rowKey);
    return row && { partitionKey, rowKey, etag: row.etag, data: parseData<T>(row.data) };
  }

  /** @throws StoreUsageError on a bad table name, key, range, limit or continuation token, or after close(). */
  async query<T extends EntityData>(table: string, partitionKey: string, options: QueryOptions = {}): Promise<Page<T>> {
    const statements = this.statementsFor(table);
    assertKey('partitionKey', partitionKey);
    const limit = resolveLimit(options.limit);
    const range = rowKeyRange(options);
    const after = options.continuation === undefined ? undefined : decodeContinuation(options.continuation);
    if (range.empty) return { items: [] };
    let lowerOperator: '>=' | '>' = '>=';
    let lower = range.lower ?? '';
    if (after !== undefined && compareKeys(after, lower) >= 0) {
      lowerOperator = '>';
      lower = after;
    }
    const statement = this.queryStatement(table, statements, lowerOperator, range.upper !== undefined);
    const rows =
      range.upper === undefined
        ? statement.all(partitionKey, lower, limit + 1)
        : statement.all(partitionKey, lower, range.upper, limit + 1);
    const more = rows.length > limit;
    const items = rows
      .slice(0, limit)
      .map((row) => ({ partitionKey, rowKey: row.rk, etag: row.etag, data: parseData<T>(row.data) }));
    const last = items[items.length - 1];
    return more && last ? { items, continuation: encodeContinuation(last.rowKey) } : { items };
  }

  /** @throws StoreConflictError('exists'); StoreUsageError on bad arguments or after close(). */
  async insert(table: string, partitionKey: string, rowKey: string, data: EntityData): Promise<string> {
    const statements = this.statementsFor(table);
    assertKey('partitionKey', partitionKey);
    assertKey('rowKey', rowKey);
    return this.insertRow(statements, table, partitionKey, rowKey, serializeData(data));
  }

  /** @throws StoreConflictError('etag_mismatch' | 'not_found'); StoreUsageError on bad arguments or after close(). */
  async update(table: string, partitionKey: string, rowKey: string, data: EntityData, etag: string): Promise<string> {
    const statements = this.statementsFor(table);
    assertKey('partitionKey', partitionKey);
    assertKey('rowKey', rowKey);
    assertEtag(etag);
    return this.updateRow(statements, table, partitionKey, rowKey, serializeData(data), etag);
  }

  /** @throws StoreUsageError on bad arguments or after close(). */
  async upsert(table: string, partitionKey: string, rowKey: string, data: EntityData): Promise<string> {
    const statements = this.statementsFor(table);
    assertKey('partitionKey', partitionKey);
    assertKey('rowKey', rowKey);
    const etag = newEtag();
    statements.upsert.run(partitionKey, rowKey, etag, serializeData(data));
    return etag;
  }

  /**
   * @throws StoreConflictError('etag_mismatch' | 'not_found') only when `etag` is given; StoreUsageError on bad
   * arguments or after close().
   */
  async delete(table: string, partitionKey: string, rowKey: string, etag?: string): Promise<void> {
    const statements = this.statementsFor(table);
    assertKey('partitionKey', partitionKey);
    assertKey('rowKey', rowKey);
    if (etag !== undefined) assertEtag(etag);
    this.deleteRow(statements, table, partitionKey, rowKey, false, etag);
  }

  /**
   * Runs the operations in one immediate transaction; deletes are unconditional, and a delete of a missing row
   * fails the batch with 'not_found', as Azure does.
   * @throws StoreConflictError with `operationIndex` (nothing applied); StoreUsageError on a bad batch or after
   * close().
   */
  async batch(table: string, partitionKey: string, operations: readonly BatchOperation[]): Promise<string[]> {
    const statements = this.statementsFor(table);
    assertKey('partitionKey', partitionKey);
    const prepared = prepareBatch(operations);
    // IMMEDIATE takes the write lock up front, so another process's writer makes us wait (busy timeout)
    // instead of failing the upgrade from a read lock with SQLITE_BUSY.
    return this.runBatch.immediate(statements, table, partitionKey, prepared);
  }

  /** @throws StoreUsageError after close(). */
  async ping(): Promise<void> {
    this.assertOpen();
    this.pingStatement.get();
  }

  /**
   * Lets SQLite refresh its query statistics, then folds the WAL back into the database file and truncates it
   * (optimize first: its ANALYZE writes go to the WAL, which the checkpoint then empties).
   */
  async maintain(): Promise<void> {
    this.assertOpen();
    this.db.pragma('optimize');
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  /** Closes the database; idempotent. Later calls reject with StoreUsageError. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tables.clear();
    this.db.close();
  }

  private applyOperation(
    statements: TableStatements,
    table: string,
    partitionKey: string,
    operation: PreparedOperation,
  ): string {
    switch (operation.kind) {
      case 'insert':
        return this.insertRow(statements, table, partitionKey, operation.rowKey, operation.json);
      case 'upsert': {
        const etag = newEtag();
        statements.upsert.run(partitionKey, operation.rowKey, etag, operation.json);
        return etag;
      }
      case 'update':
        return this.updateRow(statements, table, partitionKey, operation.rowKey, operation.json, operation.etag);
      case 'delete':
        this.deleteRow(statements, table, partitionKey, operation.rowKey, true);
        return '';
    }
  }

  private insertRow(statements: TableStatements, table: string, pk: string, rk: string, json: string): string {
    const etag = newEtag();
    if (statements.insert.run(pk, rk, etag, json).changes === 0) {
      throw new StoreConflictError('exists', table, pk, rk);
    }
    return etag;
  }

  private updateRow(
    statements: TableStatements,
    table: string,
    pk: string,
    rk: string,
    json: string,
    expected: string,
  ): string {
    const etag = newEtag();
    if (statements.update.run(etag, json, pk, rk, expected).changes === 0) {
      throw new StoreConflictError(this.missOrMismatch(statements, pk, rk), table, pk, rk);
    }
    return etag;
  }

  /**
   * Deletes the row; with `etag`, only that version (else StoreConflictError 'etag_mismatch' | 'not_found').
   * Without `etag`, a missing row is a no-op unless `mustExist` (batch deletes), then 'not_found'.
   */
  private deleteRow(
    statements: TableStatements,
    table: string,
    pk: string,
    rk: string,
    mustExist: boolean,
    etag?: string,
  ): void {
    if (etag === undefined) {
      const { changes } = statements.delete.run(pk, rk);
      if (changes === 0 && mustExist) throw new StoreConflictError('not_found', table, pk, rk);
      return;
    }
    if (statements.deleteIf.run(pk, rk, etag).changes === 0) {
      throw new StoreConflictError(this.missOrMismatch(statements, pk, rk), table, pk, rk);
    }
  }

  private missOrMismatch(statements: TableStatements, pk: string, rk: string): ConflictReason {
    return statements.etagOf.get(pk, rk) === undefined ? 'not_found' : 'etag_mismatch';
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUsageError('the SQLite table store is closed');
  }

  /** Validates the name, creates the SQL table on first use and returns its cached statements. */
  private statementsFor(table: string): TableStatements {
    this.assertOpen();
    const cached = this.tables.get(table);
    if (cached) return cached;
    assertTableName(table);
    // Safe to interpolate: the name matched ^[A-Za-z][A-Za-z0-9]{2,62}$.
    const t = `"t_${table}"`;
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS ${t} (pk TEXT NOT NULL, rk TEXT NOT NULL, etag TEXT NOT NULL, data TEXT NOT NULL, ` +
        'PRIMARY KEY (pk, rk)) WITHOUT ROWID',
    );
    const statements: TableStatements = {
      get: this.db.prepare<unknown[], Row>(`SELECT rk, etag, data FROM ${t} WHERE pk = ? AND rk = ?`),
      etagOf: this.db.prepare<unknown[], string>(`SELECT etag FROM ${t} WHERE pk = ? AND rk = ?`).pluck(),
      insert: this.db.prepare(`INSERT INTO ${t} (pk, rk, etag, data) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`),
      update: this.db.prepare(`UPDATE ${t} SET etag = ?, data = ? WHERE pk = ? AND rk = ? AND etag = ?`),
      upsert: this.db.prepare(
        `INSERT INTO ${t} (pk, rk, etag, data) VALUES (?, ?, ?, ?) ` +
          'ON CONFLICT (pk, rk) DO UPDATE SET etag = excluded.etag, data = excluded.data',
      ),
      delete: this.db.prepare(`DELETE FROM ${t} WHERE pk = ? AND rk = ?`),
      deleteIf: this.db.prepare(`DELETE FROM ${t} WHERE pk = ? AND rk = ? AND etag = ?`),
      queries: new Map(),
    };
    this.tables.set(table, statements);
    return statements;
  }

  private queryStatement(
    table: string,
    statements: TableStatements,
    lowerOperator: '>=' | '>',
    bounded: boolean,
  ): Statement<Row> {
    const key = `${lowerOperator}|${bounded}`;
    let statement = statements.queries.get(key);
    if (!statement) {
      const upper = bounded ? ' AND rk < ?' : '';
      statement = this.db.prepare<unknown[], Row>(
        `SELECT rk, etag, data FROM "t_${table}" WHERE pk = ? AND rk ${lowerOperator} ?${upper} ORDER BY rk LIMIT ?`,
      );
      statements.queries.set(key, statement);
    }
    return statement;
  }
}
