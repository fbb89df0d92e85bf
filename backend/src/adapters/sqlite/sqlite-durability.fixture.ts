/**
 * Child process of sqlite-durability.medium.test.ts: writes to a SQLite table store as fast as it can (single
 * inserts, batches, compare-and-swap updates) and prints one line per write only after the write returned,
 * until it is killed. Lines: `I <partitionKey> <rowKey>` for an insert, `U <partitionKey> <rowKey> <version>`
 * for an update. Usage: node --import tsx sqlite-durability.fixture.ts <dbFile> <runId>
 */
import { openSqliteTableStore } from './sqlite-table-store';

/** The parent kills us long before this; the bound only stops an orphan. */
const MAX_RUNTIME_MS = 60_000;
const COUNTERS = 10;

function ack(line: string): void {
  // Synchronous for pipes on Linux: the line is in the pipe before the next write starts.
  process.stdout.write(`${line}\n`);
}

async function main(file: string, runId: string): Promise<void> {
  const store = openSqliteTableStore({ file });
  const counters: { rowKey: string; etag: string; version: number }[] = [];
  for (let k = 0; k < COUNTERS; k++) {
    const rowKey = `${runId}-c${k}`;
    counters.push({ rowKey, etag: await store.insert('durability', 'counters', rowKey, { version: 0 }), version: 0 });
    ack(`I counters ${rowKey}`);
  }
  const deadline = Date.now() + MAX_RUNTIME_MS;
  for (let i = 0; Date.now() < deadline; i++) {
    if (i % 3 === 0) {
      const rowKey = `${runId}-s${i}`;
      await store.insert('durability', 'singles', rowKey, { i, pad: 'x'.repeat(i % 500) });
      ack(`I singles ${rowKey}`);
    } else if (i % 3 === 1) {
      const rowKeys = Array.from({ length: 5 }, (_, j) => `${runId}-b${i}-${j}`);
      await store.batch(
        'durability',
        'batches',
        rowKeys.map((rowKey) => ({ kind: 'insert', rowKey, data: { i } })),
      );
      for (const rowKey of rowKeys) ack(`I batches ${rowKey}`);
    } else {
      const counter = counters[i % COUNTERS] as (typeof counters)[number];
      const version = counter.version + 1;
      counter.etag = await store.update('durability', 'counters', counter.rowKey, { version }, counter.etag);
      counter.version = version;
      ack(`U counters ${counter.rowKey} ${version}`);
    }
  }
  await store.close();
}

const [file, runId] = process.argv.slice(2);
if (!file || !runId) {
  console.error('usage: sqlite-durability.fixture.ts <dbFile> <runId>');
  process.exit(2);
}
main(file, runId).catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
