/**
 * Real-time benchmark (`npm run bench:realtime`): one class of N students (default 1,000) connected to real time
 * while it scans, measured end to end with three processes on this machine — the local host (`backend`, on
 * SQLite, its timers running), the SignalR emulator (its CLI), and this process playing every phone and screen.
 *
 * Set-up (timed, not measured): the students and a teacher sign in over HTTP (dev outbox), a session (entry by
 * chains and projector) is created, started and joined, `auto` entry chains start. Every student's phone
 * negotiates through `POST /api/negotiate` and connects (a raw WebSocket speaking the JSON hub protocol, as the
 * browser client does); the teacher's dashboard connects with the official `@microsoft/signalr` client; N
 * display connections (the projector view, signed in as the teacher) connect the same way as the phones.
 * Phones send a heartbeat every 20 s, as the app does.
 *
 * Run: the class scans at `--rate` hand-offs per second (default 20) for `--seconds` (default 45; a class of
 * 1,000 has 958 hand-offs, 48 s at 20/s): a free chain, the next student who has not scanned, the holder's code
 * computed from the hold the holder's phone has (a seed's from `holdAssigned`, a scanner's from its answer). Measured:
 * - scan sent → the teacher's `attendanceChanged` for the verified holder (also: scan answered → that event);
 * - `codeRotated` to the N displays: from the start of each rotation step until the last display has the code;
 * - nothing lost: every hand-off's row reached the teacher, every new holder got `holdAssigned`, every display
 *   every rotation;
 * - peak resident memory of the host and of the emulator.
 * Options: `--students N`, `--rate N`, `--seconds N`, `--quick` (200 students, 10 s: the CI smoke run), `--json`.
 * Exits 1 when anything was lost, a scan failed other than 409 BATON_TAKEN, or a process failed.
 */
import * as signalR from '@microsoft/signalr';
import { chainQrAt, type Hold } from '@qrca/contract';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { buildSession, newScanId, studentEmail, type Person } from '../src/test-support/classroom';
import { freePort } from '../src/test-support/free-port';
import { Client, eachLimited, must, percentile, signIn, studentIp } from './http-client';

const QUICK = process.argv.includes('--quick');
const JSON_OUTPUT = process.argv.includes('--json');
const STUDENTS = numberOption('students', QUICK ? 200 : 1_000);
const RATE = numberOption('rate', 20);
const SECONDS = numberOption('seconds', QUICK ? 10 : 45);
const DISPLAYS = STUDENTS;
const ROTATION_SECONDS = 10;
const SETUP_CONCURRENCY = 32;
const RS = '\x1e';
const ROOT = join(__dirname, '..', '..');

function numberOption(name: string, fallback: number): number {
  const index = process.argv.indexOf(`--${name}`);
  const value = index >= 0 ? Number(process.argv[index + 1]) : fallback;
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const log = (line: string) => {
  if (!JSON_OUTPUT) console.error(line);
};

// ------------------------------------------------------------------------------------------- processes

interface Child {
  readonly pid: number;
  readonly output: () => string;
  peakRssMb: number;
  stop(): Promise<number | null>;
}

function startChild(args: readonly string[], env: NodeJS.ProcessEnv): Child {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-20_000)));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (output = (output + chunk).slice(-20_000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  return {
    pid: child.pid ?? 0,
    output: () => output,
    peakRssMb: 0,
    async stop() {
      child.kill('SIGINT');
      return exited;
    },
  };
}

/** Resident memory of a process, in MB (Linux /proc). */
function rssMb(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = performance.now() + ms;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(50);
  }
}

// ---------------------------------------------------------------------------------------------- clients

type Listener = (target: string, argument: Record<string, unknown>) => void;

/**
 * A phone or display: negotiates through our API, then a raw WebSocket with the JSON hub protocol, pinging
 * every 10 s as the official client does (the service drops a client silent for 30 s).
 */
class RawClient {
  private pending = '';
  private readonly keepAlive: NodeJS.Timeout;

  private constructor(
    private readonly socket: WebSocket,
    private readonly listener: Listener,
  ) {
    this.keepAlive = setInterval(() => socket.send(`{"type":6}${RS}`), 10_000);
    socket.on('message', (data: Buffer) => {
      const records = (this.pending + data.toString('utf8')).split(RS);
      this.pending = records.pop() ?? '';
      for (const record of records) {
        const message = JSON.parse(record) as { type?: number; target?: string; arguments?: unknown[] };
        if (message.type === 1 && message.target) {
          this.listener(message.target, (message.arguments?.[0] ?? {}) as Record<string, unknown>);
        }
      }
    });
  }

  static async connect(api: Client, token: string, query: string, listener: Listener): Promise<RawClient> {
    const { url, accessToken } = (await must(api, 200, 'POST', `negotiate?${query}`, { token })) as {
      url: string;
      accessToken: string;
    };
    const base = url.replace(/\/client\/\?hub=.*$/, '');
    const negotiated = await fetch(`${base}/client/negotiate?hub=attendance&negotiateVersion=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    if (negotiated.status !== 200) throw new Error(`emulator negotiate answered ${negotiated.status}`);
    const { connectionToken } = (await negotiated.json()) as { connectionToken: string };
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/client/?hub=attendance&id=${connectionToken}`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const handshake = new Promise<void>((resolve, reject) => {
      socket.once('message', (data: Buffer) =>
        data.toString('utf8').startsWith('{}') ? resolve() : reject(new Error('handshake refused')),
      );
    });
    socket.send(`{"protocol":"json","version":1}${RS}`);
    await handshake;
    return new RawClient(socket, listener);
  }

  close(): void {
    clearInterval(this.keepAlive);
    this.socket.close();
  }
}

// ------------------------------------------------------------------------------------------------- main

interface Student extends Person {
  readonly ip: string;
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'qrca-rt-bench-'));
  const emulator = startChild(
    ['signalr-emulator/src/cli.ts', '--port', String(await freePort()), '--access-key', 'bench-realtime-key'],
    {},
  );
  const connectionString = await until(
    'the emulator',
    15_000,
    async () => /Connection string: (\S+)/.exec(emulator.output())?.[1],
  );
  const port = await freePort();
  const host = startChild(['backend/src/local/main.ts'], {
    PORT: String(port),
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    SignalRConnectionString: connectionString,
    TEACHER_EMAIL_DOMAINS: 'staff.example.edu',
    STUDENT_EMAIL_DOMAINS: 'students.example.edu',
    TRUSTED_PROXIES: '127.0.0.1,::1',
    PROJECTOR_ROTATION_SECONDS: String(ROTATION_SECONDS),
  });
  const url = `http://127.0.0.1:${port}`;
  await until('the host', 60_000, async () => ((await fetch(`${url}/api/health`)).ok ? true : undefined));
  const memory = setInterval(() => {
    host.peakRssMb = Math.max(host.peakRssMb, rssMb(host.pid));
    emulator.peakRssMb = Math.max(emulator.peakRssMb, rssMb(emulator.pid));
  }, 250);
  const api = new Client(url);
  const phones: RawClient[] = [];
  const displays: RawClient[] = [];
  let dashboard: signalR.HubConnection | undefined;
  let failed: boolean | undefined;
  try {
    // --- set-up
    const began = performance.now();
    const teacher = await signIn(api, 'rt-bench-teacher@staff.example.edu', '10.255.0.1');
    const students: Student[] = new Array<Student>(STUDENTS);
    await eachLimited(
      Array.from({ length: STUDENTS }, (_, i) => i),
      SETUP_CONCURRENCY,
      async (i) => {
        const ip = studentIp(i + 1);
        students[i] = { ...(await signIn(api, studentEmail(i), ip)), ip };
      },
    );
    const now = Date.now();
    const body = buildSession(now - 60_000, {
      title: 'Real-time bench',
      endAt: new Date(now + 3 * 3_600_000).toISOString(),
      lateCutoffMinutes: 120,
      entryMethod: 'both',
    });
    const session = (await must(api, 201, 'POST', 'sessions', { token: teacher.token, body })) as {
      id: string;
      joinCode: string;
    };
    await must(api, 200, 'POST', `sessions/${session.id}/start`, { token: teacher.token });
    await eachLimited(students, SETUP_CONCURRENCY, async (s) => {
      await must(api, 200, 'POST', `sessions/${session.id}/join`, {
        token: s.token,
        ip: s.ip,
        body: { joinCode: session.joinCode },
      });
    });
    log(`  ${STUDENTS} students signed in and joined: ${((performance.now() - began) / 1000).toFixed(1)} s`);

    // --- real time: the dashboard (official client), every phone, the displays
    const teacherRows = new Map<string, number>();
    const holds = new Map<string, Hold>();
    const holdAssigned = new Map<string, number>();
    const rotations = new Map<number, number[]>();
    dashboard = new signalR.HubConnectionBuilder()
      .withUrl(`${url}/api?sessionId=${session.id}`, { accessTokenFactory: () => teacher.token })
      .configureLogging(signalR.LogLevel.None)
      .build();
    dashboard.on('attendanceChanged', (event: { row: { studentId: string; entry: string | null } }) => {
      if (event.row.entry !== null && !teacherRows.has(event.row.studentId)) {
        teacherRows.set(event.row.studentId, performance.now());
      }
    });
    await dashboard.start();
    const connectStarted = performance.now();
    await eachLimited(students, SETUP_CONCURRENCY, async (s) => {
      phones.push(
        await RawClient.connect(api, s.token, `sessionId=${session.id}`, (target, argument) => {
          if (target !== 'holdAssigned') return;
          const hold = argument.hold as Hold;
          holds.set(s.id, hold);
          holdAssigned.set(`${s.id}:${hold.chainId}:${hold.seq}`, performance.now());
        }),
      );
    });
    await eachLimited(
      Array.from({ length: DISPLAYS }, (_, i) => i),
      SETUP_CONCURRENCY,
      async () => {
        displays.push(
          await RawClient.connect(api, teacher.token, `sessionId=${session.id}&view=display`, (target, argument) => {
            if (target !== 'codeRotated') return;
            const step = (argument.code as { step: number; kind: string }).step;
            if ((argument.code as { kind: string }).kind !== 'entry') return;
            rotations.set(step, [...(rotations.get(step) ?? []), Date.now()]);
          }),
        );
      },
    );
    const connectSeconds = (performance.now() - connectStarted) / 1000;
    log(`  ${STUDENTS} phones and ${DISPLAYS} displays connected: ${connectSeconds.toFixed(1)} s`);

    // Online for seeding, then chains; their holders learn of their holds by holdAssigned.
    const heartbeat = async () =>
      eachLimited(students, SETUP_CONCURRENCY, async (s) => {
        await must(api, 204, 'POST', `sessions/${session.id}/heartbeat`, { token: s.token, ip: s.ip });
      });
    await heartbeat();
    const { chains } = (await must(api, 201, 'POST', `sessions/${session.id}/chains`, {
      token: teacher.token,
      body: { phase: 'entry', count: 'auto' },
    })) as { chains: { chainId: string; holderId: string }[] };
    const free: string[] = chains.map((c) => c.holderId); // current holders of free chains
    await until('every seed holder to receive its hold', 10_000, async () =>
      free.every((id) => holds.has(id)) ? true : undefined,
    );
    const holders = new Set(free);
    const waiting = students.filter((s) => !holders.has(s.id));
    const setupSeconds = (performance.now() - began) / 1000;

    // --- run
    log(`  running: ${RATE} hand-offs/s for ${SECONDS} s with ${chains.length} chains …`);
    const beats = setInterval(() => void heartbeat().catch(() => undefined), 20_000);
    const samples: {
      holderId: string;
      scannerId: string;
      sent: number;
      answered: number;
      seq: number;
      chainId: string;
    }[] = [];
    const errors: Record<string, number> = {};
    let conflicts = 0;
    const start = performance.now();
    const stopAt = start + SECONDS * 1000;
    const inFlight = new Set<Promise<void>>();
    for (let n = 0; performance.now() < stopAt; n++) {
      const due = start + (n * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const holderId = free.shift();
      const scanner = waiting.shift();
      if (!holderId || !scanner) break;
      const hold = holds.get(holderId) as Hold;
      const work = (async () => {
        const payload = await chainQrAt(session.id, hold, Date.now());
        const sent = performance.now();
        const answer = await api.call('POST', `sessions/${session.id}/scans`, {
          token: scanner.token,
          ip: scanner.ip,
          body: { scanId: newScanId(), payload },
        });
        const answered = performance.now();
        if (answer.status === 200) {
          samples.push({ holderId, scannerId: scanner.id, sent, answered, seq: hold.seq + 1, chainId: hold.chainId });
          // The new holder's phone shows the hold its own scan answered with (holdAssigned says it too).
          holds.set(scanner.id, (answer.json as { hold: Hold }).hold);
          free.push(scanner.id);
        } else {
          const code = (answer.json as { error?: { code?: string } }).error?.code ?? String(answer.status);
          if (code === 'BATON_TAKEN') conflicts++;
          else errors[code] = (errors[code] ?? 0) + 1;
          free.push(holderId);
          waiting.push(scanner);
        }
      })();
      inFlight.add(work);
      void work.finally(() => inFlight.delete(work));
    }
    await Promise.all(inFlight);
    clearInterval(beats);
    const ranSeconds = (performance.now() - start) / 1000;
    // Late deliveries get 3 s; then whatever is missing is lost.
    await until('the last deltas', 3_000, async () =>
      samples.every((s) => teacherRows.has(s.holderId) && holdAssigned.has(`${s.scannerId}:${s.chainId}:${s.seq}`))
        ? true
        : undefined,
    ).catch(() => undefined);

    // --- figures
    const fromSent = samples.flatMap((s) => {
      const at = teacherRows.get(s.holderId);
      return at === undefined ? [] : [at - s.sent];
    });
    const fromAnswer = samples.flatMap((s) => {
      const at = teacherRows.get(s.holderId);
      return at === undefined ? [] : [Math.max(0, at - s.answered)];
    });
    const scanMs = samples.map((s) => s.answered - s.sent);
    const sorted = (values: number[]) => Float64Array.from(values).sort();
    const [sentSorted, answerSorted, scanSorted] = [sorted(fromSent), sorted(fromAnswer), sorted(scanMs)];
    const lostRows = samples.length - fromSent.length;
    const lostHolds = samples.filter((s) => !holdAssigned.has(`${s.scannerId}:${s.chainId}:${s.seq}`)).length;
    const rotationRows = [...rotations.entries()].map(([step, arrivals]) => ({
      step,
      received: arrivals.length,
      lastMs: Math.max(...arrivals) - step * ROTATION_SECONDS * 1000,
    }));
    const complete = rotationRows.filter((r) => r.received === DISPLAYS);
    const rotationSorted = sorted(complete.map((r) => r.lastMs));
    const result = {
      node: process.version,
      date: new Date().toISOString(),
      students: STUDENTS,
      displays: DISPLAYS,
      chains: chains.length,
      offeredRate: RATE,
      seconds: Math.round(ranSeconds * 10) / 10,
      handOffs: samples.length,
      handOffsPerSecond: samples.length / ranSeconds,
      conflicts,
      errors,
      setupSeconds,
      connectSeconds,
      scanMs: { p50: percentile(scanSorted, 50), p95: percentile(scanSorted, 95), p99: percentile(scanSorted, 99) },
      teacherDeltaFromSentMs: {
        p50: percentile(sentSorted, 50),
        p95: percentile(sentSorted, 95),
        p99: percentile(sentSorted, 99),
      },
      teacherDeltaFromAnswerMs: {
        p50: percentile(answerSorted, 50),
        p95: percentile(answerSorted, 95),
        p99: percentile(answerSorted, 99),
      },
      codeRotated: {
        rotations: rotationRows.length,
        complete: complete.length,
        lastDisplayMs: { p50: percentile(rotationSorted, 50), max: rotationSorted[rotationSorted.length - 1] ?? NaN },
      },
      lost: { teacherRows: lostRows, holdAssigned: lostHolds, rotations: rotationRows.length - complete.length },
      peakRssMb: { host: Math.round(host.peakRssMb), emulator: Math.round(emulator.peakRssMb) },
    };
    if (JSON_OUTPUT) console.log(JSON.stringify(result, null, 2));
    else printTable(result);
    failed = lostRows > 0 || lostHolds > 0 || complete.length < rotationRows.length || Object.keys(errors).length > 0;
  } finally {
    clearInterval(memory);
    await dashboard?.stop().catch(() => undefined);
    for (const client of [...phones, ...displays]) client.close();
    api.close();
    const hostExit = await host.stop();
    const emulatorExit = await emulator.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (hostExit !== 0 || emulatorExit !== 0) {
      console.error(`host exited ${hostExit}, emulator ${emulatorExit}\n${host.output()}\n${emulator.output()}`);
      failed = true;
    }
  }
  if (failed) process.exitCode = 1;
}

function printTable(r: {
  students: number;
  displays: number;
  chains: number;
  offeredRate: number;
  seconds: number;
  handOffs: number;
  handOffsPerSecond: number;
  conflicts: number;
  setupSeconds: number;
  connectSeconds: number;
  scanMs: Record<string, number>;
  teacherDeltaFromSentMs: Record<string, number>;
  teacherDeltaFromAnswerMs: Record<string, number>;
  codeRotated: { rotations: number; complete: number; lastDisplayMs: { p50: number; max: number } };
  lost: Record<string, number>;
  peakRssMb: { host: number; emulator: number };
}): void {
  const f = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
  console.log(
    `Node ${process.version}; host, emulator and ${r.students} phones + ${r.displays} displays + 1 dashboard on one machine; ` +
      `${r.chains} chains; ${r.offeredRate} hand-offs/s offered for ${r.seconds} s.\n`,
  );
  console.log('| measure | p50 ms | p95 ms | p99 ms |');
  console.log('|---|---:|---:|---:|');
  console.log(`| scan answered | ${f(r.scanMs.p50 ?? NaN)} | ${f(r.scanMs.p95 ?? NaN)} | ${f(r.scanMs.p99 ?? NaN)} |`);
  const sent = r.teacherDeltaFromSentMs;
  console.log(
    `| scan sent → teacher's attendanceChanged | ${f(sent.p50 ?? NaN)} | ${f(sent.p95 ?? NaN)} | ${f(sent.p99 ?? NaN)} |`,
  );
  const answered = r.teacherDeltaFromAnswerMs;
  console.log(
    `| scan answered → teacher's attendanceChanged | ${f(answered.p50 ?? NaN)} | ${f(answered.p95 ?? NaN)} | ${f(answered.p99 ?? NaN)} |`,
  );
  console.log(
    `\nHand-offs: ${r.handOffs} (${r.handOffsPerSecond.toFixed(1)}/s), 409 BATON_TAKEN: ${r.conflicts}. ` +
      `codeRotated: ${r.codeRotated.complete} of ${r.codeRotated.rotations} rotations reached all ${r.displays} displays; ` +
      `last display had it ${f(r.codeRotated.lastDisplayMs.p50)} ms (p50) / ${f(r.codeRotated.lastDisplayMs.max)} ms (max) after the step began. ` +
      `Lost: ${JSON.stringify(r.lost)}. Peak RSS: host ${r.peakRssMb.host} MB, emulator ${r.peakRssMb.emulator} MB. ` +
      `Set-up ${r.setupSeconds.toFixed(1)} s (connecting ${r.connectSeconds.toFixed(1)} s).`,
  );
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
