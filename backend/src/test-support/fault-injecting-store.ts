/**
 * A TableStore decorator for failure tests: counts the writes made while armed and fails the n-th one before
 * it reaches the real store, as if the process had died between two writes; and fails chosen reads once, as
 * a store blip would.
 */
import type { BatchOperation, EntityData, TableStore } from '../ports/table-store';

/** What the failed write throws: transient (a reset connection), so the API answers 503 as for an outage. */
export class InjectedCrash extends Error {
  override readonly name = 'InjectedCrash';
  readonly code = 'ECONNRESET';
}

export class FaultInjectingStore implements TableStore {
  private counting = false;
  private failAt: number | undefined;
  private count = 0;
  private readonly readFaults: ((table: string, partitionKey: string, rowKey: string) => boolean)[] = [];

  constructor(private readonly inner: TableStore) {}

  get kind(): TableStore['kind'] {
    return this.inner.kind;
  }

  /** Starts counting writes from 0; with `failAt`, the write with that index throws {@link InjectedCrash}. */
  arm(failAt?: number): void {
    this.counting = true;
    this.failAt = failAt;
    this.count = 0;
  }

  /** Stops counting; returns how many writes were attempted while armed (the failed one included). */
  disarm(): number {
    this.counting = false;
    this.failAt = undefined;
    return this.count;
  }

  private async write<T>(run: () => Promise<T>): Promise<T> {
    if (this.counting) {
      const index = this.count++;
      if (index === this.failAt) throw new InjectedCrash(`injected crash before write #${index}`);
    }
    return run();
  }

  /** The next point read that `matches` throws {@link InjectedCrash} (once). */
  failNextRead(matches: (table: string, partitionKey: string, rowKey: string) => boolean): void {
    this.readFaults.push(matches);
  }

  get: TableStore['get'] = async (table, partitionKey, rowKey) => {
    const fault = this.readFaults.findIndex((matches) => matches(table, partitionKey, rowKey));
    if (fault >= 0) {
      this.readFaults.splice(fault, 1);
      throw new InjectedCrash(`injected failure reading ${table}(${partitionKey}, ${rowKey})`);
    }
    return this.inner.get(table, partitionKey, rowKey);
  };
  query: TableStore['query'] = (table, partitionKey, options) => this.inner.query(table, partitionKey, options);
  insert = (table: string, pk: string, rk: string, data: EntityData) =>
    this.write(() => this.inner.insert(table, pk, rk, data));
  update = (table: string, pk: string, rk: string, data: EntityData, etag: string) =>
    this.write(() => this.inner.update(table, pk, rk, data, etag));
  upsert = (table: string, pk: string, rk: string, data: EntityData) =>
    this.write(() => this.inner.upsert(table, pk, rk, data));
  delete = (table: string, pk: string, rk: string, etag?: string) =>
    this.write(() => this.inner.delete(table, pk, rk, etag));
  batch = (table: string, pk: string, operations: readonly BatchOperation[]) =>
    this.write(() => this.inner.batch(table, pk, operations));
  ping: TableStore['ping'] = () => this.inner.ping();
  maintain: TableStore['maintain'] = () => this.inner.maintain();
  close: TableStore['close'] = () => this.inner.close();
}
