/**
 * TableStore on Azure Table Storage (Azurite locally and in tests) via @azure/data-tables. Layout: one Azure
 * table per logical table, same name, created on first use; entity = { PartitionKey, RowKey, d } where `d` is
 * JSON.stringify(data): one JSON payload, so both adapters share one payload model and one size limit
 * (MAX_ENTITY_BYTES, which always fits Azure's 32K-code-unit string property). ETags are the service's.
 * Batch deletes are unconditional (the SDK's transaction API sends them with `If-Match: *`).
 * Every call goes through utils/retry (SDK retries are off so the two never multiply); writes that must not
 * apply twice (insert, update, conditional delete, batch) are retried only when the failure proves they
 * were not applied. Authorization: the account key of a connection string, or Microsoft Entra ID tokens from a
 * credential (managed identity; the identity needs Storage Table Data Contributor).
 */
import { TableClient, TableServiceClient, odata } from '@azure/data-tables';
import type { TableEntity, TableEntityResult, TableServiceClientOptions, TransactionAction } from '@azure/data-tables';
import type { TokenCredential } from '../azure-identity/azure-credential';
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
import { retry, statusOf } from '../../utils/retry';
import type { PreparedOperation } from '../table-store-rules';
import {
  assertEtag,
  assertKey,
  assertTableName,
  parseData,
  prepareBatch,
  resolveLimit,
  rowKeyRange,
  serializeData,
} from '../table-store-rules';

interface CommonOptions {
  /**
   * Longest wait for one request to the service; a hung service fails the attempt as a timeout (transient,
   * maybe applied). Default 2,000 ms; with at most 2 attempts a call gives up within about 4.5 s.
   */
  readonly requestTimeoutMs?: number;
}

/** The account key in a connection string. */
export interface ConnectionStringOptions extends CommonOptions {
  /** Storage connection string (the `AzureWebJobsStorage` format, or `UseDevelopmentStorage=true`). */
  readonly connectionString: string;
}

/** Microsoft Entra ID: the identity needs Storage Table Data Contributor on the account. */
export interface TokenCredentialOptions extends CommonOptions {
  /** The Table service endpoint, `https://<account>.table.core.windows.net` (bearer tokens need https). */
  readonly endpoint: string;
  readonly credential: TokenCredential;
  /** Extra CA certificates (PEM) to trust, for an endpoint with a private CA (an emulator over HTTPS in tests). */
  readonly trustedCa?: string;
}

export type AzureTableStoreOptions = ConnectionStringOptions | TokenCredentialOptions;

/** How the store reaches the service: a connection string, or an endpoint and a token credential. */
type Connection =
  { readonly connectionString: string } | { readonly endpoint: string; readonly credential: TokenCredential };

/** Attempts per call (the first included) through utils/retry. */
const MAX_ATTEMPTS = 2;

/** A request the service did not answer in time: transient, and it may have been applied. */
export class StoreTimeoutError extends Error {
  override readonly name = 'StoreTimeoutError';
  readonly code = 'ETIMEDOUT';
}

/** The stored properties besides the keys: the JSON payload. */
type PayloadProperties = { d: string };

function errorCodeOf(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  // Single operations put the service's code in `details.errorCode` (`code` is often undefined); the
  // transaction parser puts it in `code`.
  const { code, details } = error as { code?: unknown; details?: { errorCode?: unknown } };
  const fromDetails = details?.errorCode;
  if (typeof fromDetails === 'string') return fromDetails;
  return typeof code === 'string' ? code : undefined;
}

/** Why the service refused a write, or undefined when the error is not a conflict. */
function conflictReasonOf(error: unknown): ConflictReason | undefined {
  const status = statusOf(error);
  const code = errorCodeOf(error);
  if (status === 409 && code === 'EntityAlreadyExists') return 'exists';
  if (status === 412) return 'etag_mismatch';
  if (status === 404 && code !== 'TableNotFound') return 'not_found';
  return undefined;
}

/** The failed sub-operation of a transaction: the service prefixes its message with "<index>:". */
function failedOperationIndex(error: unknown): number | undefined {
  const message = error instanceof Error ? error.message : '';
  const match = /^(\d+):/.exec(message);
  return match ? Number(match[1]) : undefined;
}

function toAzureEntity(partitionKey: string, rowKey: string, json: string): TableEntity<PayloadProperties> {
  return { partitionKey, rowKey, d: json };
}

function fromAzureEntity<T extends EntityData>(
  partitionKey: string,
  raw: TableEntityResult<Partial<PayloadProperties>>,
): Entity<T> {
  if (typeof raw.rowKey !== 'string' || typeof raw.d !== 'string' || raw.d === '') {
    throw new Error(`entity in partition ${partitionKey} has no rowKey or no payload property "d"`);
  }
  return { partitionKey, rowKey: raw.rowKey, etag: raw.etag, data: parseData<T>(raw.d) };
}

/** True when the SDK can decode `token` (base64 JSON with `nextPartitionKey`); it throws a bare SyntaxError. */
function isSdkContinuation(token: string): boolean {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
    return typeof (decoded as { nextPartitionKey?: unknown } | null)?.nextPartitionKey === 'string';
  } catch {
    return false;
  }
}

/**
 * Creates the store; no request is made until the first call.
 * @throws Error when the connection string cannot be parsed, or the token endpoint is not https.
 */
export function createAzureTableStore(options: AzureTableStoreOptions): AzureTableStore {
  const timeout = options.requestTimeoutMs ?? 2_000;
  if ('connectionString' in options) {
    const probe = TableServiceClient.fromConnectionString(options.connectionString);
    const clientOptions: TableServiceClientOptions = {
      allowInsecureConnection: new URL(probe.url).protocol === 'http:',
      retryOptions: { maxRetries: 0 },
    };
    return new AzureTableStore({ connectionString: options.connectionString }, clientOptions, timeout);
  }
  const endpoint = options.endpoint.replace(/\/+$/, '');
  if (new URL(endpoint).protocol !== 'https:') {
    throw new Error(`Azure Tables with Microsoft Entra ID needs an https endpoint, not ${endpoint}`);
  }
  const clientOptions: TableServiceClientOptions = {
    retryOptions: { maxRetries: 0 },
    ...(options.trustedCa ? { tlsOptions: { ca: options.trustedCa } } : {}),
  };
  return new AzureTableStore({ endpoint, credential: options.credential }, clientOptions, timeout);
}

/**
 * TableStore over @azure/data-tables (use {@link createAzureTableStore}). Holds one TableClient per table and
 * creates each table once, on first use.
 */
export class AzureTableStore implements TableStore {
  readonly kind = 'tables' as const;
  /** How requests are authorized: the account key, or Microsoft Entra ID tokens. */
  readonly authentication: 'shared-key' | 'entra-id';
  /** The Table service endpoint. */
  readonly url: string;
  private readonly service: TableServiceClient;
  private readonly clients = new Map<string, TableClient>();
  private readonly ready = new Map<string, Promise<void>>();
  private closed = false;

  constructor(
    private readonly connection: Connection,
    private readonly clientOptions: TableServiceClientOptions,
    private readonly requestTimeoutMs = 2_000,
  ) {
    this.service =
      'connectionString' in connection
        ? TableServiceClient.fromConnectionString(connection.connectionString, clientOptions)
        : new TableServiceClient(connection.endpoint, connection.credential, clientOptions);
    this.authentication = 'connectionString' in connection ? 'shared-key' : 'entra-id';
    this.url = this.service.url;
  }

  /**
   * One call through utils/retry, each attempt bounded by the request timeout (its signal goes to the SDK).
   * A timed-out attempt becomes {@link StoreTimeoutError}.
   */
  private call<T>(request: (abortSignal: AbortSignal) => Promise<T>, idempotent = true): Promise<T> {
    return retry(
      async () => {
        const abortSignal = AbortSignal.timeout(this.requestTimeoutMs);
        try {
          return await request(abortSignal);
        } catch (error) {
          if (abortSignal.aborted) {
            throw new StoreTimeoutError(`Azure Tables did not answer within ${this.requestTimeoutMs} ms`, {
              cause: error,
            });
          }
          throw error;
        }
      },
      { idempotent, maxAttempts: MAX_ATTEMPTS },
    );
  }

  /**
   * @throws StoreUsageError on a bad table name or key, or after close(); Error when the stored entity has no
   * payload (written by something else); transport/service errors after retries.
   */
  async get<T extends EntityData>(table: string, partitionKey: string, rowKey: string): Promise<Entity<T> | undefined> {
    assertKey('partitionKey', partitionKey);
    assertKey('rowKey', rowKey);
    const client = await this.clientFor(table);
    try {
      const raw = await this.call((abortSignal) =>
        client.getEntity<Partial<PayloadProperties>>(partitionKey, rowKey, { abortSignal }),
      );
      return fromAzureEntity<T>(partitionKey, raw);
    } catch (error) {
      if (conflictReasonOf(error) === 'not_found') return undefined;
      throw error;
    }
  }

  /**
   * Our continuation is the SDK's token; a page may carry one even when no rows follow (the next is empty).
   * @throws StoreUsageError on a bad table name, key, range, limit or continuation token, or after close().
   */
  async query<T extends EntityData>(table: string, partitionKey: string, options: QueryOptions = {}): Promise<Page<T>> {
    assertKey('partitionKey', partitionKey);
    const limit = resolveLimit(options.limit);
    const range = rowKeyRange(options);
    const { continuation } = options;
    if (continuation !== undefined && !isSdkContinuation(continuation)) {
      throw new StoreUsageError('invalid continuation token');
    }
    const client = await this.clientFor(table);
    if (range.empty) return { items: [] };
    let filter = odata`PartitionKey eq ${partitionKey}`;
    if (range.lower !== undefined) filter += ` and ${odata`RowKey ge ${range.lower}`}`;
    if (range.upper !== undefined) filter += ` and ${odata`RowKey lt ${range.upper}`}`;
    const page = await this.call(async (abortSignal) => {
      const pages = client
        .listEntities<Partial<PayloadProperties>>({ queryOptions: { filter }, abortSignal })
        .byPage({ maxPageSize: limit, continuationToken: continuation });
      const first = await pages.next();
      return first.done ? undefined : first.value;
    });
    const items = (page ?? []).map((raw) => fromAzureEntity<T>(partitionKey, raw));
    return page?.continuationToken ? { items, continuation: page.continuationToken } : { items };
  }

  /** @throws StoreConflictError('exists'); StoreUsageError on bad arguments or after close(). */
  async insert(table: string, partitionKey: string, rowKey: string, data: EntityData): Promise<string> {
    const entity = this.entity(partitionKey, rowKey, data);
    const client = await this.clientFor(table);
    try {
      const result = await this.call((abortSignal) => client.createEntity(entity, { abortSignal }), false);
      return this.etagOf(result.etag);
    } catch (error) {
      throw this.conflict(error, table, partitionKey, rowKey, ['exists']);
    }
  }

  /** @throws StoreConflictError('etag_mismatch' | 'not_found'); StoreUsageError on bad arguments or after close(). */
  async update(table: string, partitionKey: string, rowKey: string, data: EntityData, etag: string): Promise<string> {
    const entity = this.entity(partitionKey, rowKey, data);
    assertEtag(etag);
    const client = await this.clientFor(table);
    try {
      const result = await this.call(
        (abortSignal) => client.updateEntity(entity, 'Replace', { etag, abortSignal }),
        false,
      );
      return this.etagOf(result.etag);
    } catch (error) {
      throw this.conflict(error, table, partitionKey, rowKey, ['etag_mismatch', 'not_found']);
    }
  }

  /** @throws StoreUsageError on bad arguments or after close(). */
  async upsert(table: string, partitionKey: string, rowKey: string, data: EntityData): Promise<string> {
    const entity = this.entity(partitionKey, rowKey, data);
    const client = await this.clientFor(table);
    const result = await this.call((abortSignal) => client.upsertEntity(entity, 'Replace', { abortSignal }));
    return this.etagOf(result.etag);
  }

  /**
   * @throws StoreConflictError('etag_mismatch' | 'not_found') only when `etag` is given; StoreUsageError on bad
   * arguments or after close().
   */
  async delete(table: string, partitionKey: string, rowKey: string, etag?: string): Promise<void> {
    assertKey('partitionKey', partitionKey);
    assertKey('rowKey', rowKey);
    if (etag !== undefined) assertEtag(etag);
    const client = await this.clientFor(table);
    try {
      if (etag === undefined)
        await this.call((abortSignal) => client.deleteEntity(partitionKey, rowKey, { abortSignal }));
      else await this.call((abortSignal) => client.deleteEntity(partitionKey, rowKey, { etag, abortSignal }), false);
    } catch (error) {
      const reason = conflictReasonOf(error);
      if (etag === undefined && reason === 'not_found') return;
      throw this.conflict(error, table, partitionKey, rowKey, ['etag_mismatch', 'not_found']);
    }
  }

  /**
   * One entity-group transaction. Deletes are unconditional; a delete of a missing row fails it with
   * 'not_found' (the service's rule).
   * @throws StoreConflictError with `operationIndex` (nothing applied); StoreUsageError on a bad batch or after
   * close().
   */
  async batch(table: string, partitionKey: string, operations: readonly BatchOperation[]): Promise<string[]> {
    assertKey('partitionKey', partitionKey);
    const prepared = prepareBatch(operations);
    const client = await this.clientFor(table);
    const actions = prepared.map((operation) => this.action(partitionKey, operation));
    try {
      const response = await this.call((abortSignal) => client.submitTransaction(actions, { abortSignal }), false);
      return prepared.map((operation, index) =>
        operation.kind === 'delete' ? '' : this.etagOf(response.subResponses[index]?.etag),
      );
    } catch (error) {
      const reason = conflictReasonOf(error);
      if (!reason) throw error;
      const index = failedOperationIndex(error);
      const rowKey = index === undefined ? '' : (prepared[index]?.rowKey ?? '');
      throw new StoreConflictError(reason, table, partitionKey, rowKey, index);
    }
  }

  /** Lists at most one table: one authenticated round trip. @throws the transport/service error after retries. */
  async ping(): Promise<void> {
    this.assertOpen();
    await this.call((abortSignal) => this.service.listTables({ abortSignal }).byPage({ maxPageSize: 1 }).next());
  }

  /** Nothing to do: the service compacts and balances on its own. */
  async maintain(): Promise<void> {
    this.assertOpen();
  }

  /** Forgets the clients (the SDK holds no resources to release); idempotent. Later calls reject. */
  async close(): Promise<void> {
    this.closed = true;
    this.clients.clear();
    this.ready.clear();
  }

  private entity(partitionKey: string, rowKey: string, data: EntityData): TableEntity<PayloadProperties> {
    assertKey('partitionKey', partitionKey);
    assertKey('rowKey', rowKey);
    return toAzureEntity(partitionKey, rowKey, serializeData(data));
  }

  private action(partitionKey: string, operation: PreparedOperation): TransactionAction {
    switch (operation.kind) {
      case 'insert':
        return ['create', toAzureEntity(partitionKey, operation.rowKey, operation.json)];
      case 'upsert':
        return ['upsert', toAzureEntity(partitionKey, operation.rowKey, operation.json), 'Replace'];
      case 'update':
        return [
          'update',
          toAzureEntity(partitionKey, operation.rowKey, operation.json),
          'Replace',
          { etag: operation.etag },
        ];
      case 'delete':
        return ['delete', { partitionKey, rowKey: operation.rowKey }];
    }
  }

  /** The service always returns an ETag for a write; its absence means a broken response. */
  private etagOf(etag: string | undefined): string {
    if (!etag) throw new Error('Azure Tables returned no ETag for a write');
    return etag;
  }

  /** Maps a refused write to StoreConflictError when the reason is one this call can produce. */
  private conflict(
    error: unknown,
    table: string,
    partitionKey: string,
    rowKey: string,
    expected: readonly ConflictReason[],
  ): unknown {
    const reason = conflictReasonOf(error);
    return reason && expected.includes(reason) ? new StoreConflictError(reason, table, partitionKey, rowKey) : error;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUsageError('the Azure table store is closed');
  }

  /** The table's client, once the table exists (created on first use; a failed creation is retried later). */
  private async clientFor(table: string): Promise<TableClient> {
    this.assertOpen();
    let client = this.clients.get(table);
    if (!client) {
      assertTableName(table);
      client =
        'connectionString' in this.connection
          ? TableClient.fromConnectionString(this.connection.connectionString, table, this.clientOptions)
          : new TableClient(this.connection.endpoint, table, this.connection.credential, this.clientOptions);
      this.clients.set(table, client);
    }
    let ready = this.ready.get(table);
    if (!ready) {
      const creating = client;
      // The SDK already treats 409 TableAlreadyExists as success; the check below only guards older versions.
      ready = this.call((abortSignal) => creating.createTable({ abortSignal })).catch((error: unknown) => {
        if (statusOf(error) === 409 && errorCodeOf(error) === 'TableAlreadyExists') return;
        this.ready.delete(table);
        throw error;
      });
      this.ready.set(table, ready);
    }
    await ready;
    return client;
  }
}
