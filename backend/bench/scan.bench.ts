/**
 * Scan benchmark (`npm run bench:scan`): sustained entry-chain hand-offs against the in-process local host over
 * HTTP (real pipeline and adapters, SQLite in a temp dir) by N concurrent virtual students (default 200) for a
 * fixed time (default 60 s, after a short unmeasured warm-up). Prints scans/s (successful hand-offs per second)
 * and p50/p95/p99 latency of the scan requests as a Markdown table; `--json` prints the raw figures instead.
 *
 * Workload. A class of 2,000 students (the roster maximum) signs in up front over HTTP (code, dev outbox,
 * verify). Several sessions are created and every student joins each of them; each session then starts `auto`
 * entry chains (one per 24 students). Set-up is timed and reported, not measured. In the run, a virtual
 * student is one phone scanning at a time: it takes a free chain (one queue over all sessions, so no two
 * virtual students race for the same baton), takes the next unverified student of that session as the
 * scanner, computes the holder's QR from the hold the previous hand-off returned (`chainQrAt`) and POSTs the
 * scan. A success verifies the holder and makes the scanner the new holder; the chain goes back on the queue
 * with the hold from the response. Each student scans at most once per session, so with at most 18 sessions
 * nobody reaches the per-account limit (20 scans/min).
 *
 * Load. By default the virtual students together offer `--rate` scans/s (400), each on its own schedule
 * (a scan every N / rate seconds, one at a time), so the latency is the latency at that load. `--rate 0` runs
 * them back to back without pause: the throughput is then the host's capacity, and by Little's law each
 * scan waits behind the other N − 1 in flight (latency ≈ N / throughput).
 *
 * Client addresses. The host trusts X-Forwarded-For from loopback (`TRUSTED_PROXIES`) and every student
 * sends its own address (10.x.y.z), as phones behind a campus NAT or proxy reach a real deployment;
 * otherwise every request would come from 127.0.0.1 and share its limits (600 scans/min, 500 codes/15 min).
 *
 * Options: `--seconds N` (default 60), `--students N` (default 200), `--rate N` (default 400; 0 = no pause),
 * `--sessions N` (default: enough for the run, at most 18), `--quick` (10 s; CI smoke run), `--json`.
 * Exits 1 when any scan got an answer other than 200 or 409 BATON_TAKEN, or the hand-offs the server
 * recorded differ from the ones the client saw.
 */
import { chainQrAt, type Hold } from '@qrca/contract';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildSession, CLASS_ROLES, newScanId, studentEmail, type Person } from '../src/test-support/classroom';
import { startTestHost } from '../src/test-support/test-host';
import { Client, eachLimited, must, percentile, signIn, studentIp, type Answer, type ErrorBody } from './http-client';

// ---------------------------------------------------------------------------------------------- options

function numberOption(name: string, fallback: number, min = 1): number {
  const index = process.argv.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(process.argv[index + 1]);
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} needs an integer ≥ ${min}`);
  return value;
}

const QUICK = process.argv.includes('--quick');
const JSON_OUTPUT = process.argv.includes('--json');
const SECONDS = numberOption('seconds', QUICK ? 10 : 60);
const STUDENTS = numberOption('students', 200);
/** Scans/s offered by all virtual students together; 0 = back to back. */
const RATE = numberOption('rate', 400, 0);
const WARMUP_SECONDS = QUICK ? 1 : 3;
/** Signed-in accounts: the roster maximum; all of them join every session. */
const CLASS_SIZE = 2_000;
/** What `auto` starts for a full class: ceil(2,000 / 24). */
const CHAINS_PER_SESSION = Math.ceil(CLASS_SIZE / 24);
/** Hand-offs one session can give: every joined student but the seed holders scans once. */
const HANDOFFS_PER_SESSION = CLASS_SIZE - CHAINS_PER_SESSION;
/** One scan per student and session; the per-account limit is 20 a minute, so leave slack for retries. */
const MAX_SESSIONS = 18;
/** Without pacing, plan capacity for this rate (this machine does about 1,500/s); more may run out early. */
const UNPACED_PLAN_RATE = 1_800;
const plannedHandOffs = (SECONDS + WARMUP_SECONDS) * (RATE > 0 ? RATE * 1.1 : UNPACED_PLAN_RATE);
const SESSIONS = Math.min(
  MAX_SESSIONS,
  numberOption('sessions', Math.max(1, Math.ceil(plannedHandOffs / HANDOFFS_PER_SESSION))),
);
/** Concurrent requests during set-up. */
const SETUP_CONCURRENCY = 32;
const PROGRESS_EVERY_MS = 10_000;

const log = (line: string) => {
  if (!JSON_OUTPUT) console.error(line);
};

// --------------------------------------------------------------------------------------------- set-up

interface Student extends Person {
  readonly ip: string;
}

interface SessionState {
  readonly id: string;
  /** Unverified students holding nothing, in the order they will scan. */
  readonly waiting: Student[];
}

/** One chain as the scanners know it: the hold its current holder's phone shows. */
interface ChainSlot {
  readonly session: SessionState;
  hold: Hold;
}

interface SetUp {
  readonly teacher: Person;
  readonly sessions: readonly SessionState[];
  readonly slots: readonly ChainSlot[];
  readonly seconds: { total: number; signIn: number; join: number; seed: number };
}

const secondsSince = (start: number) => (performance.now() - start) / 1000;

async function setUp(client: Client): Promise<SetUp> {
  const began = performance.now();

  // The dev outbox prints a line per code it keeps: not wanted in the bench's output.
  const print = console.log;
  console.log = () => undefined;
  let teacher: Person;
  const students = new Array<Student>(CLASS_SIZE);
  try {
    teacher = await signIn(client, 'bench-teacher@staff.example.edu', '10.255.0.1');
    const indexes = Array.from({ length: CLASS_SIZE }, (_, i) => i);
    await eachLimited(indexes, SETUP_CONCURRENCY, async (i) => {
      const ip = studentIp(i + 1);
      students[i] = { ...(await signIn(client, studentEmail(i), ip)), ip };
    });
  } finally {
    console.log = print;
  }
  const signInSeconds = secondsSince(began);
  log(`  sign-in of ${CLASS_SIZE} students: ${signInSeconds.toFixed(1)} s`);

  // Sessions in on-time entry for hours, joined by everyone.
  const joinStarted = performance.now();
  const created: { id: string; joinCode: string }[] = [];
  for (let s = 0; s < SESSIONS; s++) {
    const now = Date.now();
    const body = buildSession(now - 60_000, {
      title: `Bench ${s + 1}`,
      endAt: new Date(now + 6 * 3_600_000).toISOString(),
      lateCutoffMinutes: 240,
    });
    const session = (await must(client, 201, 'POST', 'sessions', { token: teacher.token, body })) as {
      id: string;
      joinCode: string;
    };
    await must(client, 200, 'POST', `sessions/${session.id}/start`, { token: teacher.token });
    created.push(session);
  }
  const joins = created.flatMap((session) => students.map((student) => ({ session, student })));
  await eachLimited(joins, SETUP_CONCURRENCY, async ({ session, student }) => {
    const body = { joinCode: session.joinCode };
    await must(client, 200, 'POST', `sessions/${session.id}/join`, { token: student.token, ip: student.ip, body });
  });
  const joinSeconds = secondsSince(joinStarted);
  log(`  ${SESSIONS} sessions × ${CLASS_SIZE} joins: ${joinSeconds.toFixed(1)} s`);

  // Chains last, so that none is idle or has an offline holder when the run starts (the session clock would
  // pass it on). Seeds are drawn from online students: mark a different slice of the class online per session.
  const seedStarted = performance.now();
  const byId = new Map(students.map((student) => [student.id, student]));
  const sessions: SessionState[] = [];
  const slots: ChainSlot[] = [];
  for (const [s, { id }] of created.entries()) {
    const offset = Math.floor((s * CLASS_SIZE) / SESSIONS);
    const order = [...students.slice(offset), ...students.slice(0, offset)];
    await eachLimited(order.slice(0, CHAINS_PER_SESSION), SETUP_CONCURRENCY, async (student) => {
      await must(client, 204, 'POST', `sessions/${id}/heartbeat`, { token: student.token, ip: student.ip });
    });
    const { chains } = (await must(client, 201, 'POST', `sessions/${id}/chains`, {
      token: teacher.token,
      body: { phase: 'entry', count: 'auto' },
    })) as { chains: { holderId: string }[] };
    const holders = new Set(chains.map((chain) => chain.holderId));
    const session: SessionState = { id, waiting: order.filter((student) => !holders.has(student.id)) };
    sessions.push(session);
    await eachLimited(chains, SETUP_CONCURRENCY, async ({ holderId }) => {
      const holder = byId.get(holderId);
      if (!holder) throw new Error(`unknown seed holder ${holderId}`);
      const me = (await must(client, 200, 'GET', `sessions/${id}/me`, { token: holder.token })) as {
        hold: Hold | null;
      };
      if (!me.hold) throw new Error(`${holder.email} should hold a chain`);
      slots.push({ session, hold: me.hold });
    });
  }
  const seedSeconds = secondsSince(seedStarted);
  log(`  ${slots.length} chains seeded: ${seedSeconds.toFixed(1)} s`);
  return {
    teacher,
    sessions,
    slots,
    seconds: { total: secondsSince(began), signIn: signInSeconds, join: joinSeconds, seed: seedSeconds },
  };
}

// ------------------------------------------------------------------------------------------------ run

/** A chain taken for one scan, with the student who scans it. */
interface Turn {
  readonly slot: ChainSlot;
  readonly scanner: Student;
}

/** Free chains, first in first out over all sessions, so every chain is scanned again within seconds. */
class ChainQueue {
  private readonly free: ChainSlot[] = [];
  private readonly waiters: ((turn: Turn | undefined) => void)[] = [];
  private busy = 0;

  constructor(slots: readonly ChainSlot[]) {
    // Interleave the sessions so that all of them are used evenly.
    const bySession = new Map<SessionState, ChainSlot[]>();
    for (const slot of slots) bySession.set(slot.session, [...(bySession.get(slot.session) ?? []), slot]);
    const lists = [...bySession.values()];
    for (let i = 0; lists.some((list) => i < list.length); i++) {
      for (const list of lists) {
        const slot = list[i];
        if (slot) this.free.push(slot);
      }
    }
  }

  /** The next free chain and the next student of its session; undefined when no chain can come back. */
  take(): Promise<Turn | undefined> {
    const turn = this.next();
    if (turn || this.busy === 0) return Promise.resolve(turn);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Gives a chain back, or retires it (`undefined`). */
  release(slot: ChainSlot | undefined): void {
    this.busy--;
    if (slot) this.free.push(slot);
    while (this.waiters.length > 0) {
      const turn = this.next();
      if (!turn) break;
      this.waiters.shift()?.(turn);
    }
    if (this.busy === 0) for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  private next(): Turn | undefined {
    for (;;) {
      const slot = this.free.shift();
      if (!slot) return undefined;
      const scanner = slot.session.waiting.shift();
      // Nobody left in that session to scan: the chain is done.
      if (!scanner) continue;
      this.busy++;
      return { slot, scanner };
    }
  }
}

interface RunResult {
  readonly measuredSeconds: number;
  /** Successful hand-offs that started in the measured window. */
  readonly scans: number;
  readonly scansPerSecond: number;
  /** Scan requests started in the measured window (any answer). */
  readonly requests: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
  readonly p99Ms: number;
  readonly maxMs: number;
  readonly conflicts: number;
  readonly errors: number;
  readonly errorsByCode: Record<string, number>;
  /** Successful hand-offs in the whole run, warm-up included. */
  readonly handOffs: number;
  /** True when every chain ran out of scanners before the time was up. */
  readonly exhausted: boolean;
}

async function run(client: Client, slots: readonly ChainSlot[]): Promise<RunResult> {
  const queue = new ChainQueue(slots);
  const latencies: number[] = [];
  const errorsByCode: Record<string, number> = {};
  const errorSamples: string[] = [];
  let scans = 0;
  let handOffs = 0;
  let conflicts = 0;
  let errors = 0;
  let exhausted = false;
  const start = performance.now();
  const measureFrom = start + WARMUP_SECONDS * 1000;
  const stopAt = measureFrom + SECONDS * 1000;
  let measuredUntil = measureFrom;
  /** Each virtual student's time between scan starts when paced. */
  const intervalMs = RATE > 0 ? (STUDENTS / RATE) * 1000 : 0;

  let progressFrom = { at: measureFrom, scans: 0, latencies: 0 };
  const progress = setInterval(() => {
    const now = performance.now();
    if (now < measureFrom) return;
    const window = Float64Array.from(latencies.slice(progressFrom.latencies)).sort();
    const rate = (scans - progressFrom.scans) / ((now - progressFrom.at) / 1000);
    log(
      `  ${((now - measureFrom) / 1000).toFixed(0)} s: ${rate.toFixed(0)} scans/s, ` +
        `p95 ${percentile(window, 95).toFixed(1)} ms`,
    );
    progressFrom = { at: now, scans, latencies: latencies.length };
  }, PROGRESS_EVERY_MS);

  const virtualStudent = async (index: number) => {
    // Paced students start spread over one interval, so the offered load is even from the start.
    let due = start + (intervalMs * index) / STUDENTS;
    for (;;) {
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (performance.now() >= stopAt) return;
      const turn = await queue.take();
      if (!turn) {
        exhausted = true;
        return;
      }
      const { slot, scanner } = turn;
      const { session } = slot;
      // What the holder's phone shows now (the hold came with the previous hand-off's response).
      const payload = await chainQrAt(session.id, slot.hold, Date.now());
      const began = performance.now();
      let answer: Answer;
      try {
        answer = await client.call('POST', `sessions/${session.id}/scans`, {
          token: scanner.token,
          ip: scanner.ip,
          body: { scanId: newScanId(), payload },
        });
      } catch (error) {
        answer = { status: 0, json: { error: { code: `TRANSPORT: ${(error as Error).message}` } } };
      }
      const ended = performance.now();
      // Never faster than the schedule; when late, carry on at once without catching up.
      due = Math.max(due + intervalMs, ended);
      const measured = began >= measureFrom && began < stopAt;
      if (measured) {
        latencies.push(ended - began);
        measuredUntil = Math.max(measuredUntil, ended);
      }
      const hold = (answer.json as { hold?: Hold } | undefined)?.hold;
      if (answer.status === 200 && hold) {
        handOffs++;
        if (measured) scans++;
        slot.hold = hold;
        queue.release(slot);
        continue;
      }
      // The chain moved on without us (the session clock passed it on) or was refused: stop using it. The
      // scanner waits for another chain unless it is verified or holding already.
      queue.release(undefined);
      const { code = answer.status === 200 ? 'NO_HOLD' : 'NO_ERROR_BODY', details } =
        (answer.json as ErrorBody | undefined)?.error ?? {};
      if (details?.reason !== 'verified' && details?.reason !== 'holding') session.waiting.push(scanner);
      if (answer.status === 409 && code === 'BATON_TAKEN') {
        if (measured) conflicts++;
        continue;
      }
      errors++;
      const key = `${answer.status} ${code}`;
      errorsByCode[key] = (errorsByCode[key] ?? 0) + 1;
      if (errorSamples.length < 5) errorSamples.push(`${key}: ${JSON.stringify(answer.json)}`);
    }
  };
  try {
    await Promise.all(Array.from({ length: STUDENTS }, (_, index) => virtualStudent(index)));
  } finally {
    clearInterval(progress);
  }
  for (const sample of errorSamples) console.error(`scan error: ${sample}`);
  const sorted = Float64Array.from(latencies).sort();
  const measuredSeconds = Math.max(0, measuredUntil - measureFrom) / 1000;
  return {
    measuredSeconds,
    scans,
    scansPerSecond: measuredSeconds > 0 ? scans / measuredSeconds : Number.NaN,
    requests: latencies.length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.length > 0 ? (sorted[sorted.length - 1] as number) : Number.NaN,
    conflicts,
    errors,
    errorsByCode,
    handOffs,
    exhausted,
  };
}

/** Hand-offs the server recorded: the chains' lengths (each counts one holder verified by a scan). */
async function recordedHandOffs(client: Client, setup: SetUp): Promise<number> {
  let total = 0;
  for (const session of setup.sessions) {
    const { chains } = (await must(client, 200, 'GET', `sessions/${session.id}/chains`, {
      token: setup.teacher.token,
    })) as { chains: { length: number }[] };
    total += chains.reduce((sum, chain) => sum + chain.length, 0);
  }
  return total;
}

// ----------------------------------------------------------------------------------------------- main

function fmt(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

async function main(): Promise<number> {
  const load = RATE > 0 ? `offering ${RATE} scans/s` : 'back to back (no pause)';
  log(
    `bench:scan: ${STUDENTS} virtual students ${load}, ${SECONDS} s after ${WARMUP_SECONDS} s warm-up; ` +
      `${SESSIONS} sessions × ${CLASS_SIZE} students. Setting up …`,
  );
  const host = await startTestHost(
    { ...CLASS_ROLES, TRUSTED_PROXIES: '127.0.0.1,::1' },
    { logLevel: 'silent', timers: true },
  );
  const client = new Client(host.url);
  let setup: SetUp;
  let result: RunResult;
  let recorded: number;
  try {
    setup = await setUp(client);
    log(`Set-up ${setup.seconds.total.toFixed(1)} s. Running …`);
    result = await run(client, setup.slots);
    recorded = await recordedHandOffs(client, setup);
  } finally {
    client.close();
    await host.close();
  }
  const consistent = recorded === result.handOffs;

  const meta = {
    node: process.version,
    date: new Date().toISOString(),
    store: 'sqlite',
    students: STUDENTS,
    offeredRate: RATE > 0 ? RATE : null,
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    sessions: SESSIONS,
    classSize: CLASS_SIZE,
    chains: setup.slots.length,
    setupSeconds: setup.seconds,
    recordedHandOffs: recorded,
  };
  if (JSON_OUTPUT) {
    console.log(JSON.stringify({ ...meta, result }, null, 2));
  } else {
    const lines = [
      `Node ${meta.node}, SQLite store, in-process host over HTTP; ${STUDENTS} virtual students ${load}; ` +
        `${fmt(result.measuredSeconds, 1)} s measured after ${WARMUP_SECONDS} s warm-up; ` +
        `${SESSIONS} sessions × ${CLASS_SIZE} students, ${meta.chains} entry chains.`,
      '',
      '| offered scans/s | scans/s | p50 ms | p95 ms | p99 ms | max ms | scans | 409 BATON_TAKEN | errors | set-up s |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      `| ${RATE > 0 ? RATE : 'no pause'} | ${fmt(result.scansPerSecond, 0)} | ${fmt(result.p50Ms, 1)} | ` +
        `${fmt(result.p95Ms, 1)} | ${fmt(result.p99Ms, 1)} | ${fmt(result.maxMs, 1)} | ${result.scans} | ` +
        `${result.conflicts} | ${result.errors} | ${fmt(setup.seconds.total, 1)} |`,
      '',
      `Set-up: sign-in ${fmt(setup.seconds.signIn, 1)} s, joins ${fmt(setup.seconds.join, 1)} s, ` +
        `chains ${fmt(setup.seconds.seed, 1)} s. Hand-offs recorded by the server: ${recorded} ` +
        `(client saw ${result.handOffs}, warm-up included).`,
    ];
    if (result.exhausted) {
      lines.push('', `Note: every chain ran out of unverified students after ${fmt(result.measuredSeconds, 1)} s.`);
    }
    if (result.errors > 0) lines.push('', `Errors: ${JSON.stringify(result.errorsByCode)}`);
    console.log(lines.join('\n'));
  }
  if (!consistent) console.error(`The server recorded ${recorded} hand-offs, the client saw ${result.handOffs}.`);
  return result.errors > 0 || !consistent ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
