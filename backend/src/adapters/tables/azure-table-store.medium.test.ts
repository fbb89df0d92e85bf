import { TableClient } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { describeTableStoreContract } from '../table-store.contract';
import { createAzureTableStore } from './azure-table-store';

const connectionString = inject('azuriteConnectionString');

describeTableStoreContract('azure tables (Azurite)', async () => createAzureTableStore({ connectionString }));

describe('AzureTableStore', () => {
  const uniqueTable = (): string => `azure${randomUUID().replaceAll('-', '').slice(0, 12)}`;

  it('stores the payload as JSON.stringify(data) in "d", beside the system properties only', async () => {
    const table = uniqueTable();
    const store = createAzureTableStore({ connectionString });
    const data = { hello: 'wörld 😀', n: 1, nested: { list: [true, null] } };
    await store.insert(table, 'p', 'row', data);
    const raw = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true });
    const { partitionKey, rowKey, etag, timestamp, ...rest } = await raw.getEntity<Record<string, unknown>>('p', 'row');
    expect({ partitionKey, rowKey }).toEqual({ partitionKey: 'p', rowKey: 'row' });
    expect(etag).toBe((await store.get(table, 'p', 'row'))?.etag);
    expect(typeof timestamp).toBe('string');
    // Besides the keys, ETag and Timestamp, the SDK only adds response metadata (`odata.metadata`).
    const properties = Object.fromEntries(Object.entries(rest).filter(([name]) => !name.startsWith('odata.')));
    expect(properties).toEqual({ d: JSON.stringify(data) });
    await store.close();
  });

  it('fails ping when the endpoint refuses connections', async () => {
    const closedPort = connectionString.replace(
      /TableEndpoint=http:\/\/127\.0\.0\.1:\d+/,
      'TableEndpoint=http://127.0.0.1:9',
    );
    const store = createAzureTableStore({ connectionString: closedPort });
    await expect(store.ping()).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
