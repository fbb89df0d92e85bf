/**
 * Store benchmark (`npm run bench:store`): point read, compare-and-swap and a 10-entity same-partition batch
 * against the SQLite adapter (temp file) and the Azure Tables adapter on Azurite (in this process, in
 * memory), each with 8 concurrent workers for a fixed time. Prints ops/s and p50/p95 latency per operation
 * as a Markdown table, with the SQLite/Azurite throughput ratio; `--json` prints the raw figures instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { openSqliteTableStore } from '../src/adapters/sqlite/sqlite-table-store';
import { createAzureTableStore } from '../src/adapters/tables/azure-table-store';
import type { BatchOperation, TableStore } from '../src/ports/table-store';
import { startAzurite } from '../src/test-support/azurite';

const WORKERS = 8;
/** `--quick` (CI smoke run): short cells, figures not for BENCHMARKS.md. */
const QUICK = process.argv.includes('--quick');
const WARMUP_MS = QUICK ? 100 : 500;
const MEASURE_MS = QUICK ? 500 : 4_000;
const READ_ROWS = 1_000;
const CAS_ROWS_PER_WORKER = 16;
const TABLE = 'bench';

/** A realistic attendance-sized payload (~250 bytes of JSON). */
function payload(seq: number): Record<string, unknown> {
  return {
    studentId: `stu-${seq % 5000}`,
    status: 'present',
    seq,
    at: 1_760_000_000_000 + seq,
    device: 'f3a1c2d4e5b6a7980112233445566778',
    flags: ['geofence_ok', 'network_ok'],
    note: 'scanned from the projector chain, verified by the previous holder',
  };
}

interface OpResult {
  readonly ops: number;
  readonly opsPerSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

interface Operation {
  readonly name: string;
  /** Prepares rows; runs once per adapter before the clock starts. */
  setup(store: TableStore): Promise<void>;
  /** One operation by `worker`; `seq` counts that worker's operations. */
  run(store: TableStore, worker: number, seq: number): Promise<void>;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] as number;
}

/** Runs `operation` with WORKERS concurrent loops: WARMUP_MS unmeasured, then MEASURE_MS measured. */
async function measure(store: TableStore, operation: Operation): Promise<OpResult> {
  await operation.setup(store);
  const latencies: number[] = [];
  const start = performance.now();
  const measureFrom = start + WARMUP_MS;
  const stopAt = measureFrom + MEASURE_MS;
  let measuredOps = 0;
  let measuredUntil = measureFrom;
  await Promise.all(
    Array.from({ length: WORKERS }, async (_, worker) => {
      for (let seq = 0; ; seq++) {
        const began = performance.now();
        if (began >= stopAt) return;
        await operation.run(store, worker, seq);
        const ended = performance.now();
        if (began >= measureFrom) {
          latencies.push(ended - began);
          measuredOps++;
          measuredUntil = Math.max(measuredUntil, ended);
        }
      }
    }),
  );
  const sorted = Float64Array.from(latencies).sort();
  return {
    ops: measuredOps,
    opsPerSecond: measuredOps / ((measuredUntil - measureFrom) / 1000),
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
  };
}

const operations: Operation[] = [
  {
    name: 'point read',
    async setup(store) {
      for (let start = 0; start < READ_ROWS; start += 100) {
        const ops: BatchOperation[] = Array.from({ length: 100 }, (_, i) => ({
          kind: 'upsert',
          rowKey: `r${String(start + i).padStart(5, '0')}`,
          data: payload(start + i),
        }));
        await store.batch(TABLE, 'read', ops);
      }
    },
    async run(store, worker, seq) {
      const row = (seq * 7919 + worker * 104_729) % READ_ROWS;
      const entity = await store.get(TABLE, 'read', `r${String(row).padStart(5, '0')}`);
      if (!entity) throw new Error(`row ${row} missing`);
    },
  },
  {
    name: 'compare-and-swap (read + update-if-ETag)',
    async setup(store) {
      for (let worker = 0; worker < WORKERS; worker++) {
        const ops: BatchOperation[] = Array.from({ length: CAS_ROWS_PER_WORKER }, (_, i) => ({
          kind: 'upsert',
          rowKey: `w${worker}-c${i}`,
          data: { version: 0 },
        }));
        await store.batch(TABLE, 'cas', ops);
      }
    },
    async run(store, worker, seq) {
      // Each worker owns its rows: no contention, so every swap must succeed.
      const rowKey = `w${worker}-c${seq % CAS_ROWS_PER_WORKER}`;
      const current = await store.get<{ version: number }>(TABLE, 'cas', rowKey);
      if (!current) throw new Error(`row ${rowKey} missing`);
      await store.update(TABLE, 'cas', rowKey, { ...payload(seq), version: current.data.version + 1 }, current.etag);
    },
  },
  {
    name: 'batch of 10 (5 insert + 5 upsert)',
    async setup() {},
    async run(store, worker, seq) {
      const partition = `batch-w${worker}`;
      const ops: BatchOperation[] = Array.from({ length: 10 }, (_, i) =>
        i < 5
          ? { kind: 'insert', rowKey: `e${String(seq).padStart(7, '0')}-${i}`, data: payload(seq * 10 + i) }
          : { kind: 'upsert', rowKey: `counter-${i}`, data: payload(seq * 10 + i) },
      );
      await store.batch(TABLE, partition, ops);
    },
  },
];

function fmt(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const dir = mkdtempSync(join(tmpdir(), 'qrca-bench-store-'));
  const azurite = await startAzurite();
  const adapters: { name: string; store: TableStore }[] = [
    { name: 'SQLite', store: openSqliteTableStore({ file: join(dir, 'bench.db') }) },
    { name: 'Azurite', store: createAzureTableStore({ connectionString: azurite.connectionString }) },
  ];
  const results: Record<string, Record<string, OpResult>> = {};
  try {
    for (const { name, store } of adapters) {
      const perOperation: Record<string, OpResult> = {};
      results[name] = perOperation;
      for (const operation of operations) {
        if (!json) console.error(`${name}: ${operation.name} …`);
        perOperation[operation.name] = await measure(store, operation);
      }
      await store.close();
    }
  } finally {
    await azurite.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const meta = {
    node: process.version,
    workers: WORKERS,
    warmupMs: WARMUP_MS,
    measureMs: MEASURE_MS,
    date: new Date().toISOString(),
  };
  if (json) {
    console.log(JSON.stringify({ ...meta, results }, null, 2));
    return;
  }
  const lines = [
    `Node ${meta.node}, ${WORKERS} concurrent workers, ${MEASURE_MS / 1000} s measured per cell after ${WARMUP_MS} ms warm-up.`,
    '',
    '| operation | SQLite ops/s | SQLite p50 ms | SQLite p95 ms | Azurite ops/s | Azurite p50 ms | Azurite p95 ms | SQLite/Azurite |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const operation of operations) {
    const sqlite = results.SQLite?.[operation.name];
    const azure = results.Azurite?.[operation.name];
    if (!sqlite || !azure) continue;
    lines.push(
      `| ${operation.name} | ${fmt(sqlite.opsPerSecond, 0)} | ${fmt(sqlite.p50Ms, 3)} | ${fmt(sqlite.p95Ms, 3)} | ` +
        `${fmt(azure.opsPerSecond, 0)} | ${fmt(azure.p50Ms, 2)} | ${fmt(azure.p95Ms, 2)} | ` +
        `${fmt(sqlite.opsPerSecond / azure.opsPerSecond, 1)}× |`,
    );
  }
  console.log(lines.join('\n'));
}

main().then(
  // The SDK's keep-alive sockets to the stopped Azurite would otherwise hold the process open for a while.
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
