import { TableClient } from '@azure/data-tables';
import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { describeTableStoreContract } from '../table-store.contract';
import { createAzureTableStore } from './azure-table-store';

const connectionString = inject('azuriteConnectionString');

describeTableStoreContract('azure tables (Azurite)', async () => createAzureTableStore({ connectionString }));

describe('AzureTableStore', () => {
  const uniqueTable = (): string => `azure${randomUUID().replaceAll('-', '').slice(0, 12)}`;

  it('stores the payload as JSON in "d", continued in "d1" past 32,000 UTF-16 code units', async () => {
    const table = uniqueTable();
    const store = createAzureTableStore({ connectionString });
    const small = { hello: 'wörld' };
    const large = { s: 'x'.repeat(40_000) };
    await store.insert(table, 'p', 'small', small);
    await store.insert(table, 'p', 'large', large);
    const raw = TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true });
    const smallRaw = await raw.getEntity<Record<string, unknown>>('p', 'small');
    expect(smallRaw.d).toBe(JSON.stringify(small));
    expect(smallRaw.d1).toBeUndefined();
    const largeRaw = await raw.getEntity<Record<string, string>>('p', 'large');
    expect(largeRaw.d).toHaveLength(32_000);
    expect(`${largeRaw.d}${largeRaw.d1}`).toBe(JSON.stringify(large));
    expect((await store.get<typeof large>(table, 'p', 'large'))?.data).toEqual(large);
    // Replacing a long payload with a short one must not leave a stale "d1" behind.
    await store.upsert(table, 'p', 'large', small);
    expect((await raw.getEntity<Record<string, unknown>>('p', 'large')).d1).toBeUndefined();
    expect((await store.get(table, 'p', 'large'))?.data).toEqual(small);
    await store.close();
  });

  it('never splits a surrogate pair between chunks', async () => {
    const table = uniqueTable();
    const store = createAzureTableStore({ connectionString });
    // '{"s":"' is 6 code units, so an emoji starting at an odd offset straddles unit 32,000 unless moved.
    const data = { s: `${'x'.repeat(31_993)}${'😀'.repeat(4)}` };
    await store.insert(table, 'p', 'emoji', data);
    expect((await store.get<typeof data>(table, 'p', 'emoji'))?.data.s).toBe(data.s);
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
