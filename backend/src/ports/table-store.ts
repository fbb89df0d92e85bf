/**
 * Table store port with Azure Table Storage semantics: entities addressed by (partitionKey, rowKey), an opaque
 * ETag per version, queries within one partition ordered by rowKey with continuation, and all-or-nothing
 * batches within one partition. Repositories are written once against this port; adapters: SQLite
 * (embedded default) and Azure Tables.
 */

/** An entity's own properties. JSON-serialisable; at most {@link MAX_ENTITY_BYTES} once serialised. */
export type EntityData = Record<string, unknown>;

export interface Entity<T extends EntityData = EntityData> {
  readonly partitionKey: string;
  readonly rowKey: string;
  readonly etag: string;
  readonly data: T;
}

/**
 * Largest entity payload, in UTF-8 bytes of its JSON. The payload is one JSON string property, and Azure caps
 * a string property at 64 KiB of UTF-16 (32K code units); 30,000 UTF-8 bytes is never more than 30,000 UTF-16
 * code units, so it always fits.
 */
export const MAX_ENTITY_BYTES = 30_000;
/** Azure caps a transaction at 100 operations. */
export const MAX_BATCH_OPERATIONS = 100;
/** Largest page a query returns (Azure's cap per request). */
export const MAX_PAGE_SIZE = 1000;

export interface QueryOptions {
  /** Only rows whose rowKey starts with this prefix. */
  readonly prefix?: string;
  /** Only rows with rowKey >= from. */
  readonly from?: string;
  /** Only rows with rowKey < below. */
  readonly below?: string;
  /** Page size, 1..{@link MAX_PAGE_SIZE}; default {@link MAX_PAGE_SIZE}. */
  readonly limit?: number;
  /** Token from a previous page's `continuation`. */
  readonly continuation?: string;
}

export interface Page<T extends EntityData = EntityData> {
  readonly items: Entity<T>[];
  /** Present when more rows may follow; pass it back to get the next page. */
  readonly continuation?: string;
}

export type BatchOperation =
  | { readonly kind: 'insert'; readonly rowKey: string; readonly data: EntityData }
  | { readonly kind: 'upsert'; readonly rowKey: string; readonly data: EntityData }
  | { readonly kind: 'update'; readonly rowKey: string; readonly data: EntityData; readonly etag: string }
  | { readonly kind: 'delete'; readonly rowKey: string };

/** Why a write was refused. */
export type ConflictReason = 'exists' | 'etag_mismatch' | 'not_found';

/**
 * A write lost to the current state of the table: a duplicate insert, a stale ETag, or a conditional write on
 * a missing row. For batches, `operationIndex` names the operation that failed; nothing in the batch applied.
 */
export class StoreConflictError extends Error {
  override readonly name = 'StoreConflictError';
  constructor(
    readonly reason: ConflictReason,
    readonly table: string,
    readonly partitionKey: string,
    readonly rowKey: string,
    readonly operationIndex?: number,
  ) {
    super(`${reason} on ${table}(${partitionKey}, ${rowKey})`);
  }
}

/** Caller error: a bad table name, key, payload size or batch shape. Never transient. */
export class StoreUsageError extends Error {
  override readonly name = 'StoreUsageError';
}

export interface TableStore {
  /** `sqlite` or `tables` (Azure Table Storage / Azurite). */
  readonly kind: 'sqlite' | 'tables';
  /** The row, or undefined when it does not exist. */
  get<T extends EntityData>(table: string, partitionKey: string, rowKey: string): Promise<Entity<T> | undefined>;
  /** One page of a partition, ordered by rowKey. */
  query<T extends EntityData>(table: string, partitionKey: string, options?: QueryOptions): Promise<Page<T>>;
  /** Creates the row; throws StoreConflictError('exists') if it is there. Returns the new ETag. */
  insert(table: string, partitionKey: string, rowKey: string, data: EntityData): Promise<string>;
  /** Replaces the row if its ETag still matches; throws StoreConflictError('etag_mismatch' | 'not_found'). */
  update(table: string, partitionKey: string, rowKey: string, data: EntityData, etag: string): Promise<string>;
  /** Creates or replaces the row unconditionally. */
  upsert(table: string, partitionKey: string, rowKey: string, data: EntityData): Promise<string>;
  /** Deletes the row (if `etag` is given, only that version). Deleting a missing row without an ETag is a no-op. */
  delete(table: string, partitionKey: string, rowKey: string, etag?: string): Promise<void>;
  /**
   * Applies all operations in one partition atomically; returns an ETag per operation ('' for deletes).
   * A delete in a batch is unconditional; deleting a missing row fails the whole batch with
   * StoreConflictError('not_found') (Azure's rule, mirrored by SQLite).
   */
  batch(table: string, partitionKey: string, operations: readonly BatchOperation[]): Promise<string[]>;
  /** Cheap round trip for health checks. */
  ping(): Promise<void>;
  /** Periodic housekeeping (e.g. WAL checkpoint); safe to call at any time. */
  maintain(): Promise<void>;
  /** Flushes and releases resources; further calls fail. */
  close(): Promise<void>;
}
