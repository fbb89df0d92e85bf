/**
 * Rules every TableStore adapter enforces identically (names, keys, payload size, batch shape, page size,
 * rowKey ranges), so a call that one adapter refuses is refused by the other with the same StoreUsageError.
 * The limits are Azure Table Storage's (as Azurite 3.35 enforces them), applied up front by both adapters.
 * Key order is by code point (SQLite's BINARY collation on UTF-8); keys that mix characters above U+FFFF with
 * U+E000–U+FFFF may sort differently on a service that compares UTF-16 code units.
 */
import type { BatchOperation, EntityData, QueryOptions } from '../ports/table-store';
import { MAX_BATCH_OPERATIONS, MAX_ENTITY_BYTES, MAX_PAGE_SIZE, StoreUsageError } from '../ports/table-store';

/**
 * Longest partition or row key, in UTF-16 code units. Azure allows "up to 1 KiB" per key, stored as UTF-16,
 * which is 512 code units; Azurite refuses 513 with 400 InvalidInput, so a longer limit would let the SQLite
 * adapter accept keys the Azure adapter cannot store.
 */
export const MAX_KEY_LENGTH = 512;

const TABLE_NAME = /^[A-Za-z][A-Za-z0-9]{2,62}$/;
/** Characters Azure forbids in keys: `/ \ # ?` and the C0/C1 control characters. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const FORBIDDEN_KEY_CHARS = /[/\\#?\u0000-\u001f\u007f-\u009f]/;
/** A lone surrogate: not representable in UTF-8 (SQLite) nor in the service's UTF-16 JSON. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** @throws StoreUsageError unless `table` matches `^[A-Za-z][A-Za-z0-9]{2,62}$`. */
export function assertTableName(table: string): void {
  if (typeof table !== 'string' || !TABLE_NAME.test(table)) {
    throw new StoreUsageError(`invalid table name ${JSON.stringify(table)}: want ^[A-Za-z][A-Za-z0-9]{2,62}$`);
  }
}

/**
 * Checks a partition or row key: non-empty, at most {@link MAX_KEY_LENGTH} code units, well-formed UTF-16,
 * none of `/ \ # ?` nor control characters (U+0000–U+001F, U+007F–U+009F).
 * @throws StoreUsageError when the key breaks one of these rules.
 */
export function assertKey(name: 'partitionKey' | 'rowKey', key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new StoreUsageError(`${name} must be a non-empty string`);
  if (key.length > MAX_KEY_LENGTH) {
    throw new StoreUsageError(`${name} is ${key.length} code units long; the limit is ${MAX_KEY_LENGTH}`);
  }
  if (FORBIDDEN_KEY_CHARS.test(key)) {
    throw new StoreUsageError(`${name} ${JSON.stringify(key)} contains / \\ # ? or a control character`);
  }
  if (LONE_SURROGATE.test(key)) throw new StoreUsageError(`${name} contains a lone UTF-16 surrogate`);
}

/** @throws StoreUsageError when `etag` is not a non-empty string. */
export function assertEtag(etag: string): void {
  if (typeof etag !== 'string' || etag.length === 0) throw new StoreUsageError('etag must be a non-empty string');
}

/**
 * Serialises an entity's data to the JSON both adapters store.
 * @throws StoreUsageError when `data` is not a plain object, cannot be serialised (cycles, BigInt), or its
 * JSON exceeds {@link MAX_ENTITY_BYTES} UTF-8 bytes.
 */
export function serializeData(data: EntityData): string {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new StoreUsageError('entity data must be a plain object');
  }
  let json: string;
  try {
    json = JSON.stringify(data);
  } catch (error) {
    throw new StoreUsageError(`entity data is not JSON-serialisable: ${(error as Error).message}`);
  }
  const bytes = Buffer.byteLength(json, 'utf8');
  if (bytes > MAX_ENTITY_BYTES) {
    throw new StoreUsageError(`entity data is ${bytes} bytes as JSON; the limit is ${MAX_ENTITY_BYTES}`);
  }
  return json;
}

/** Parses stored JSON back into entity data (trusted: it was written through {@link serializeData}). */
export function parseData<T extends EntityData>(json: string): T {
  return JSON.parse(json) as T;
}

/** @throws StoreUsageError unless `limit` is undefined (→ {@link MAX_PAGE_SIZE}) or an integer in 1..MAX_PAGE_SIZE. */
export function resolveLimit(limit: number | undefined): number {
  if (limit === undefined) return MAX_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new StoreUsageError(`query limit must be an integer in 1..${MAX_PAGE_SIZE}, got ${limit}`);
  }
  return limit;
}

/** A batch operation checked by {@link prepareBatch}, with its payload already serialised. */
export type PreparedOperation =
  | { readonly kind: 'insert' | 'upsert'; readonly rowKey: string; readonly json: string }
  | { readonly kind: 'update'; readonly rowKey: string; readonly json: string; readonly etag: string }
  | { readonly kind: 'delete'; readonly rowKey: string };

/**
 * Checks a batch (1..{@link MAX_BATCH_OPERATIONS} operations, distinct valid rowKeys, valid payloads and
 * ETags) and serialises its payloads.
 * @throws StoreUsageError on an empty or oversize batch, a repeated rowKey, or any invalid operation.
 */
export function prepareBatch(operations: readonly BatchOperation[]): PreparedOperation[] {
  if (!Array.isArray(operations) || operations.length === 0) {
    throw new StoreUsageError('a batch needs at least one operation');
  }
  if (operations.length > MAX_BATCH_OPERATIONS) {
    throw new StoreUsageError(`a batch holds at most ${MAX_BATCH_OPERATIONS} operations, got ${operations.length}`);
  }
  const seen = new Set<string>();
  return operations.map((operation, index): PreparedOperation => {
    assertKey('rowKey', operation.rowKey);
    if (seen.has(operation.rowKey)) {
      throw new StoreUsageError(`batch operation ${index} repeats rowKey ${JSON.stringify(operation.rowKey)}`);
    }
    seen.add(operation.rowKey);
    switch (operation.kind) {
      case 'insert':
      case 'upsert':
        return { kind: operation.kind, rowKey: operation.rowKey, json: serializeData(operation.data) };
      case 'update':
        assertEtag(operation.etag);
        return { kind: 'update', rowKey: operation.rowKey, json: serializeData(operation.data), etag: operation.etag };
      case 'delete':
        return { kind: 'delete', rowKey: operation.rowKey };
      default:
        throw new StoreUsageError(`batch operation ${index} has unknown kind ${JSON.stringify(operation)}`);
    }
  });
}

/** Orders keys by Unicode code point, which is SQLite's BINARY (UTF-8 byte) order. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Half-open rowKey range [lower, upper); an absent bound is unbounded. */
export interface RowKeyRange {
  readonly lower?: string;
  readonly upper?: string;
  /** True when no rowKey can fall in the range (then adapters answer without a round trip). */
  readonly empty: boolean;
}

/**
 * Smallest string greater than every string that starts with `prefix`: the prefix with its last code point
 * incremented (carrying past U+10FFFF, skipping the surrogate block); undefined when there is none.
 */
export function prefixUpperBound(prefix: string): string | undefined {
  const codePoints = Array.from(prefix);
  while (codePoints.length > 0) {
    const last = codePoints.pop() as string;
    const next = (last.codePointAt(0) as number) + 1;
    if (next <= 0x10ffff) {
      return codePoints.join('') + String.fromCodePoint(next === 0xd800 ? 0xe000 : next);
    }
  }
  return undefined;
}

/**
 * Turns `prefix`, `from` (inclusive) and `below` (exclusive) into one [lower, upper) rowKey range.
 * @throws StoreUsageError when a bound is not a string, is too long or holds a lone surrogate.
 */
export function rowKeyRange(options: Pick<QueryOptions, 'prefix' | 'from' | 'below'>): RowKeyRange {
  for (const name of ['prefix', 'from', 'below'] as const) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > MAX_KEY_LENGTH || LONE_SURROGATE.test(value)) {
      throw new StoreUsageError(`query ${name} must be a well-formed string of at most ${MAX_KEY_LENGTH} code units`);
    }
  }
  const lowers = [options.prefix, options.from].filter((v): v is string => v !== undefined && v !== '');
  const uppers = [options.prefix ? prefixUpperBound(options.prefix) : undefined, options.below].filter(
    (v): v is string => v !== undefined,
  );
  const lower = lowers.reduce<string | undefined>(
    (a, b) => (a === undefined || compareKeys(b, a) > 0 ? b : a),
    undefined,
  );
  const upper = uppers.reduce<string | undefined>(
    (a, b) => (a === undefined || compareKeys(b, a) < 0 ? b : a),
    undefined,
  );
  const empty = upper !== undefined && compareKeys(lower ?? '', upper) >= 0;
  return { lower, upper, empty };
}
