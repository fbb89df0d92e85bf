/**
 * SignalR emulator benchmark (`npm run bench:signalr`): one emulator process (the CLI, started as a child
 * process so it does not share an event loop with the clients) holds N WebSocket clients (default 1,000), each
 * negotiated with its own user token and handshaken with the JSON hub protocol; every user is added to one group
 * by REST. Then it sends `--sends` group messages and as many broadcasts, one after the other, and measures for
 * each the REST answer time and the time until the last of the N clients has the message. Prints a Markdown table
 * (p50/p95/max in ms), the set-up times and the emulator's resident memory; `--json` prints the raw figures.
 *
 * Options: `--clients N` (default 1000), `--sends N` (default 50), `--quick` (CI smoke: 10 sends), `--json`.
 * Exits 1 when a negotiate, handshake or REST call fails, or a client misses a message (30 s bound).
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { parseSignalRConnectionString } from '../src/connection-string';
import { RECORD_SEPARATOR } from '../src/hub-protocol';
import { clientAccessToken, serverAccessToken } from '../src/tokens';

const QUICK = process.argv.includes('--quick');
const JSON_OUTPUT = process.argv.includes('--json');
const CLIENTS = numberOption('clients', 1_000);
const SENDS = numberOption('sends', QUICK ? 10 : 50);
const HUB = 'attendance';
const GROUP = 'lecture';
const CONCURRENCY = 50;
const TIMEOUT_MS = 30_000;

function numberOption(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

interface Emulator {
  endpoint: string;
  accessKey: string;
  pid: number;
  stop(): Promise<void>;
}

async function startEmulatorProcess(): Promise<Emulator> {
  const cli = fileURLToPath(new URL('../src/cli.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', cli, '--port', '0', '--access-key', 'bench-access-key'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const connectionString = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const match = /Connection string: (\S+)/.exec(out);
      if (match?.[1] !== undefined) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`the emulator exited early (${code}): ${log}`)));
  });
  const { endpoint, accessKey } = parseSignalRConnectionString(connectionString);
  return {
    endpoint,
    accessKey,
    pid: child.pid ?? 0,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      if (code !== 0 || /\berror\b/.test(log)) throw new Error(`the emulator exited with ${code}: ${log}`);
    },
  };
}

/** A raw JSON-protocol client that records when each numbered message arrived. */
class BenchClient {
  readonly arrivals = new Map<number, number>();
  private pending = '';
  private onArrival: (() => void) | undefined;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data: Buffer) => {
      const records = (this.pending + data.toString('utf8')).split(RECORD_SEPARATOR);
      this.pending = records.pop() ?? '';
      for (const record of records) {
        const message = JSON.parse(record) as { type?: number; arguments?: unknown[] };
        if (message.type === 1 && typeof message.arguments?.[0] === 'number') {
          this.arrivals.set(message.arguments[0], performance.now());
          this.onArrival?.();
        }
      }
    });
  }

  static async connect(emulator: Emulator, userId: string): Promise<BenchClient> {
    const { accessToken } = await clientAccessToken({ ...emulator, hub: HUB, userId });
    const response = await fetch(`${emulator.endpoint}/client/negotiate?hub=${HUB}&negotiateVersion=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    if (response.status !== 200) throw new Error(`negotiate answered ${response.status}`);
    const { connectionToken } = (await response.json()) as { connectionToken: string };
    const socket = new WebSocket(
      `${emulator.endpoint.replace(/^http/, 'ws')}/client/?hub=${HUB}&id=${connectionToken}`,
      {
        headers: { authorization: `Bearer ${accessToken}` },
      },
    );
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const client = new BenchClient(socket);
    const handshake = new Promise<void>((resolve, reject) => {
      socket.once('message', (data: Buffer) => {
        if (data.toString('utf8') === `{}${RECORD_SEPARATOR}`) resolve();
        else reject(new Error(`handshake answered ${data.toString('utf8')}`));
      });
    });
    socket.send(`{"protocol":"json","version":1}${RECORD_SEPARATOR}`);
    await handshake;
    return client;
  }

  /** Resolves with the arrival time of message `seq`. */
  arrival(seq: number): Promise<number> {
    return new Promise((resolve) => {
      const check = () => {
        const at = this.arrivals.get(seq);
        if (at === undefined) return false;
        this.onArrival = undefined;
        resolve(at);
        return true;
      };
      if (!check()) this.onArrival = () => void check();
    });
  }

  close(): void {
    this.socket.close();
  }
}

async function signedFetch(emulator: Emulator, method: string, path: string, body?: unknown): Promise<number> {
  const url = `${emulator.endpoint}${path}`;
  const token = await serverAccessToken({ accessKey: emulator.accessKey, audience: url });
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  await response.arrayBuffer();
  return response.status;
}

async function inBatches<T>(count: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let start = 0; start < count; start += CONCURRENCY) {
    const batch = Array.from({ length: Math.min(CONCURRENCY, count - start) }, (_, k) => run(start + k));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function summary(values: number[]): { p50: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted[sorted.length - 1] ?? Number.NaN };
}

function residentMb(pid: number): number | undefined {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match?.[1] === undefined ? undefined : Math.round(Number(match[1]) / 1024);
  } catch {
    return undefined;
  }
}

async function measure(
  emulator: Emulator,
  clients: BenchClient[],
  kind: 'group' | 'broadcast',
  firstSeq: number,
): Promise<{ restMs: number[]; lastMs: number[] }> {
  const restMs: number[] = [];
  const lastMs: number[] = [];
  const path =
    kind === 'group' ? `/api/v1/hubs/${HUB}/groups/${GROUP}` : `/api/hubs/${HUB}/:send?api-version=2022-06-01`;
  for (let i = 0; i < SENDS; i += 1) {
    const seq = firstSeq + i;
    const arrivals = Promise.all(clients.map((client) => client.arrival(seq)));
    const started = performance.now();
    const status = await signedFetch(emulator, 'POST', path, {
      target: 'tick',
      arguments: [seq, { kind, at: Date.now() }],
    });
    restMs.push(performance.now() - started);
    if (status !== 202) throw new Error(`${kind} send answered ${status}`);
    let timer: NodeJS.Timeout | undefined;
    const times = await Promise.race([
      arrivals,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`message ${seq} did not reach every client`)), TIMEOUT_MS);
      }),
    ]);
    clearTimeout(timer);
    lastMs.push(Math.max(...times) - started);
  }
  return { restMs, lastMs };
}

async function main(): Promise<void> {
  const emulator = await startEmulatorProcess();
  try {
    const rssIdle = residentMb(emulator.pid);
    let started = performance.now();
    const clients = await inBatches(CLIENTS, (i) => BenchClient.connect(emulator, `stu-${i}`));
    const connectMs = performance.now() - started;
    started = performance.now();
    const statuses = await inBatches(CLIENTS, (i) =>
      signedFetch(emulator, 'PUT', `/api/hubs/${HUB}/users/stu-${i}/groups/${GROUP}?api-version=2022-06-01`),
    );
    const membershipMs = performance.now() - started;
    if (statuses.some((status) => status !== 200)) throw new Error('a membership PUT failed');
    if ((await signedFetch(emulator, 'HEAD', `/api/v1/hubs/${HUB}/groups/${GROUP}`)) !== 200) {
      throw new Error('the group has no connections');
    }
    const rssConnected = residentMb(emulator.pid);

    const group = await measure(emulator, clients, 'group', 1);
    const broadcast = await measure(emulator, clients, 'broadcast', 1 + SENDS);
    const rssAfter = residentMb(emulator.pid);
    for (const client of clients) client.close();

    const figures = {
      clients: CLIENTS,
      sends: SENDS,
      connectAllMs: Math.round(connectMs),
      addAllToGroupMs: Math.round(membershipMs),
      residentMb: { idle: rssIdle, connected: rssConnected, afterSends: rssAfter },
      group: { rest: summary(group.restMs), lastRecipient: summary(group.lastMs) },
      broadcast: { rest: summary(broadcast.restMs), lastRecipient: summary(broadcast.lastMs) },
    };
    if (JSON_OUTPUT) {
      process.stdout.write(`${JSON.stringify(figures, null, 2)}\n`);
      return;
    }
    const row = (name: string, s: { p50: number; p95: number; max: number }) =>
      `| ${name.padEnd(44)} | ${s.p50.toFixed(1).padStart(7)} | ${s.p95.toFixed(1).padStart(7)} | ${s.max.toFixed(1).padStart(7)} |`;
    console.log(`SignalR emulator fan-out: ${CLIENTS} WebSocket clients, ${SENDS} sends of each kind`);
    console.log(
      `set-up: ${figures.connectAllMs} ms to negotiate + connect all, ${figures.addAllToGroupMs} ms to add all to the group`,
    );
    console.log(
      `emulator RSS: ${rssIdle ?? '?'} MB idle, ${rssConnected ?? '?'} MB connected, ${rssAfter ?? '?'} MB after the sends`,
    );
    console.log('');
    console.log(`| ${'measure'.padEnd(44)} | p50 ms  | p95 ms  | max ms  |`);
    console.log(`| ${'-'.repeat(44)} | ------: | ------: | ------: |`);
    console.log(row('group send: REST answer (202)', figures.group.rest));
    console.log(row(`group send: last of ${CLIENTS} clients has it`, figures.group.lastRecipient));
    console.log(row('broadcast: REST answer (202)', figures.broadcast.rest));
    console.log(row(`broadcast: last of ${CLIENTS} clients has it`, figures.broadcast.lastRecipient));
  } finally {
    await emulator.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
