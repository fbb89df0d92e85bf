// Dependency outages with real processes: the local host on Azurite (Table service, on disk) and Redis, each
// its own child process, while a class runs. Azurite stopped and restarted, Azurite hung (SIGSTOP), Redis
// killed and restarted (its keys lost), Redis hung. During each outage every request answers within
// REQUEST_BOUND_MS with 503 DEPENDENCY_UNAVAILABLE (or a correct 2xx), never a 500; health names the failing
// dependency; afterwards, without restarting the host, everything works again within RECOVERY_BOUND_MS,
// nothing that was answered 200 is lost, and a scan retried with its scanId gets its first answer or succeeds
// once. These tests start their own Azurite and redis-server, so they never skip (CI installs redis-server).
import {
  AttendanceResponseSchema,
  ChainListResponseSchema,
  ErrorBodySchema,
  EventPageSchema,
  HealthResponseSchema,
  ProjectorCodeSchema,
  SessionMeResponseSchema,
  type Session,
} from '@qrca/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSession,
  CLASS_ROLES,
  createSession,
  heartbeatAll,
  holderQr,
  joinAll,
  newScanId,
  signInPerson,
  signInStudents,
  type Person,
} from '../test-support/classroom';
import {
  startAzuriteProcess,
  startRedisProcess,
  type DependencyProcess,
  type RunningAzuriteProcess,
  type RunningRedisProcess,
} from '../test-support/dependency-processes';
import { bearer, JSON_HEADERS } from '../test-support/sign-in';
import { startTestHost, type TestHost } from '../test-support/test-host';

/** Longest a request may take to answer, during an outage or not (a client's patience; then it counts as hung). */
const REQUEST_BOUND_MS = 10_000;
/** Longest from a dependency's return until health is ok and requests that need it succeed again. */
const RECOVERY_BOUND_MS = 15_000;

let azurite: RunningAzuriteProcess;
let redis: RunningRedisProcess;
let host: TestHost;
let teacher: Person;
let students: Person[];
let session: Session;
let chainId: string;

interface Answer {
  readonly status: number | 'timeout' | 'network-error';
  readonly json?: unknown;
  readonly text?: string;
  readonly code?: string;
  readonly ms: number;
}

/** One API call with a client-side bound: a request that has not answered by then is reported as 'timeout'. */
async function call(person: Person | undefined, method: string, path: string, body?: unknown): Promise<Answer> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  try {
    const response = await fetch(`${host.url}/api/${path}`, {
      method,
      headers: { ...(person ? bearer(person.token) : {}), ...(body === undefined ? {} : JSON_HEADERS) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(REQUEST_BOUND_MS),
    });
    const text = await response.text();
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    const code = response.ok ? undefined : ErrorBodySchema.safeParse(json).data?.error.code;
    return { status: response.status, json, text, ...(code ? { code } : {}), ms: ms() };
  } catch (error) {
    const name = (error as Error).name;
    return { status: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'network-error', ms: ms() };
  }
}

const show = (label: string, a: Answer) =>
  `${label}: ${a.status}${a.code ? ` ${a.code}` : ''} in ${a.ms} ms ${a.text ? a.text.slice(0, 300) : ''}`;

/** Polls `probe` until it returns true, at most `boundMs`; resolves with the time it took. @throws on the bound. */
async function until(what: string, boundMs: number, probe: () => Promise<boolean>): Promise<number> {
  const started = performance.now();
  for (;;) {
    if (await probe()) return Math.round(performance.now() - started);
    if (performance.now() - started > boundMs) throw new Error(`${what}: not within ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const scanBody = (scanId: string, payload: string) => ({ scanId, payload });

type Answered = { readonly person: Person; readonly scanId: string; readonly payload: string; readonly answer: string };
/** Scans answered 200 that verified the scanner, with that answer: replays must give the same answer. */
const verified = new Map<string, Answered>();
/** Chain hand-offs answered 200, by scanner: replays must give the same answer. */
const handOffs = new Map<string, Answered>();
/** Joiners whose join answered 200. */
const joinedLater = new Set<string>();
/** Holders a chain hand-off verified (their rows must say so). */
const verifiedByChain = new Set<string>();
/** Overrides answered 200: student id → the final status set. */
const overridden = new Map<string, string>();

/** The students each outage uses; `joiner` has not joined the session yet. */
interface Cast {
  readonly before: Person;
  readonly burst: readonly [Person, Person];
  readonly during: Person;
  readonly chainNext: Person;
  readonly joiner: Person;
}
const CAST_SIZE = 6;
/** students[0] holds the chain at first; students[1] signs out in the Redis test; casts follow. */
const FIRST_CAST = 2;
const OUTAGES = 4;
const STUDENTS = FIRST_CAST + OUTAGES * CAST_SIZE;

function cast(outage: number): Cast {
  const at = (i: number) => students[FIRST_CAST + outage * CAST_SIZE + i] as Person;
  return { before: at(0), burst: [at(1), at(2)], during: at(3), chainNext: at(4), joiner: at(5) };
}
const joiners = () => Array.from({ length: OUTAGES }, (_, i) => cast(i).joiner);
const waitingToJoin = (s: Person) => joiners().some((j) => j.id === s.id) && !joinedLater.has(s.id);

async function projectorPayload(): Promise<string> {
  const code = await call(teacher, 'GET', `sessions/${session.id}/codes/entry`);
  expect(code.status, show('projector code', code)).toBe(200);
  return ProjectorCodeSchema.parse(code.json).payload;
}

/**
 * A scan: 200 joins the record (of verified students, or of hand-offs for a chain scan, whose scanner is
 * verified only when the next one scans them), 503 is returned for a retry, anything else fails the test.
 */
async function scanOnce(
  student: Person,
  scanId: string,
  payload: string,
  label: string,
  record = verified,
): Promise<Answer> {
  const answer = await call(student, 'POST', `sessions/${session.id}/scans`, scanBody(scanId, payload));
  if (answer.status === 200) record.set(student.id, { person: student, scanId, payload, answer: answer.text ?? '' });
  else expect(answer.status === 503 && answer.code, show(label, answer)).toBe('DEPENDENCY_UNAVAILABLE');
  return answer;
}

/**
 * Retries `attempt` (same request each time) while it answers 503, within the recovery bound; resolves with the
 * first other answer.
 */
async function retryPast503(label: string, attempt: () => Promise<Answer>): Promise<Answer> {
  let last: Answer | undefined;
  await until(label, RECOVERY_BOUND_MS, async () => {
    last = await attempt();
    return last.status !== 503;
  });
  return last as Answer;
}

/** The current holder of the chain and the QR their phone shows now. */
async function holderPayload(): Promise<{ holder: Person; payload: string }> {
  const listed = await call(teacher, 'GET', `sessions/${session.id}/chains`);
  expect(listed.status, show('chains', listed)).toBe(200);
  const chain = ChainListResponseSchema.parse(listed.json).chains.find((c) => c.chainId === chainId);
  const holder = students.find((s) => s.id === chain?.holderId);
  if (!holder) throw new Error(`no holder for chain ${chainId}: ${JSON.stringify(listed.json)}`);
  const me = await call(holder, 'GET', `sessions/${session.id}/me`);
  expect(me.status, show('holder /me', me)).toBe(200);
  const hold = SessionMeResponseSchema.parse(me.json).hold;
  if (!hold) throw new Error(`${holder.email} holds no baton: ${me.text}`);
  return { holder, payload: await holderQr(session, hold, Date.now()) };
}

interface Outage {
  readonly index: number;
  readonly dependency: DependencyProcess;
  readonly check: 'store' | 'cache';
  readonly begin: () => Promise<void> | void;
  readonly end: () => Promise<void> | void;
  /** Extra work once the dependency is back and answering (e.g. heartbeats lost with Redis' keys). */
  readonly afterRecovery?: () => Promise<void>;
}

/** Runs `work` while the dependency is out; the dependency comes back whatever happens. */
async function whileOut<T>(outage: Outage, work: () => Promise<T>): Promise<T> {
  try {
    await outage.begin();
    return await work();
  } finally {
    await outage.end();
  }
}

/**
 * One outage mid-class: scans racing its start, requests during it (reads and writes), the recovery, retries
 * of what got 503, a chain hand-off afterwards, and the check that nothing answered 200 was lost. The
 * dependency is back (resumed or started) whatever happens.
 */
async function runOutage(outage: Outage): Promise<void> {
  const { before, burst, during, chainNext, joiner } = cast(outage.index);
  const bystander = students[0] as Person;
  const payload = await projectorPayload();
  const beforeAnswer = await scanOnce(before, newScanId(), payload, 'scan before the outage');
  expect(beforeAnswer.status, show('scan before the outage', beforeAnswer)).toBe(200);
  const burstIds = [newScanId(), newScanId()] as const;
  const duringScanId = newScanId();
  const override = { final: 'late', reason: `outage ${outage.index}` };

  // Scans racing the outage's start: each answers 200 (and is kept) or 503 (and is retried below).
  const racing = Promise.all(
    burst.map((student, i) => scanOnce(student, burstIds[i] as string, payload, 'racing scan')),
  );
  const { answers, health, burstAnswers } = await whileOut(outage, async () => {
    const requests: [string, Promise<Answer>][] = [
      ['POST scan', call(during, 'POST', `sessions/${session.id}/scans`, scanBody(duringScanId, payload))],
      ['POST join', call(joiner, 'POST', `sessions/${session.id}/join`, { joinCode: session.joinCode })],
      ['PUT override', call(teacher, 'PUT', `sessions/${session.id}/attendance/${before.id}/override`, override)],
      ['POST heartbeat', call(bystander, 'POST', `sessions/${session.id}/heartbeat`)],
      ['POST auth/code', call(undefined, 'POST', 'auth/code', { email: `outage${outage.index}@students.example.edu` })],
      ['GET /me', call(before, 'GET', `sessions/${session.id}/me`)],
      ['GET attendance', call(teacher, 'GET', `sessions/${session.id}/attendance`)],
      ['GET export', call(teacher, 'GET', `sessions/${session.id}/export?format=csv`)],
      ['GET chains', call(teacher, 'GET', `sessions/${session.id}/chains`)],
      ['GET session', call(teacher, 'GET', `sessions/${session.id}`)],
      ['GET sessions', call(bystander, 'GET', 'sessions')],
      ['GET auth/me', call(bystander, 'GET', 'auth/me')],
    ];
    const healthCall = call(undefined, 'GET', 'health');
    return {
      answers: await Promise.all(requests.map(async ([label, pending]) => [label, await pending] as [string, Answer])),
      health: await healthCall,
      burstAnswers: await racing,
    };
  });
  console.log(
    `[outage] ${outage.dependency.name} down: ${[...answers, ['health', health] as [string, Answer]]
      .map(([label, a]) => `${label} ${a.status}${a.code ? ` ${a.code}` : ''} ${a.ms} ms`)
      .join(' · ')}; racing scans ${burstAnswers.map((a) => a.status).join(', ')}`,
  );

  // During the outage: a bounded answer, 503 DEPENDENCY_UNAVAILABLE or a correct 2xx, never anything else.
  const wrong = answers.filter(
    ([, a]) =>
      !(a.status === 503 && a.code === 'DEPENDENCY_UNAVAILABLE') && !(typeof a.status === 'number' && a.status < 300),
  );
  expect(
    wrong.map(([label, a]) => show(label, a)),
    'answers during the outage',
  ).toEqual([]);
  const byLabel = new Map(answers);
  // Writes need the dependency that is down: they cannot have succeeded.
  for (const write of ['POST scan', 'POST join', 'PUT override']) {
    expect(byLabel.get(write)?.status, show(write, byLabel.get(write) as Answer)).toBe(503);
  }
  expect(health.status, show('health during the outage', health)).toBe(503);
  const checks = HealthResponseSchema.parse(health.json);
  expect(checks.status).toBe('degraded');
  expect(checks.checks[outage.check].ok, JSON.stringify(checks)).toBe(false);
  expect(checks.checks[outage.check === 'store' ? 'cache' : 'store'].ok, JSON.stringify(checks)).toBe(true);

  // Back within the bound, without restarting the host: health ok and a request that needs the dependency.
  const recoveredIn = await until('recovery', RECOVERY_BOUND_MS, async () => {
    const [h, me] = await Promise.all([
      call(undefined, 'GET', 'health'),
      call(before, 'GET', `sessions/${session.id}/me`),
    ]);
    return h.status === 200 && me.status === 200;
  });
  console.log(`[outage] ${outage.dependency.name} (${outage.check}): recovered ${recoveredIn} ms after its return`);
  await outage.afterRecovery?.();

  // What got 503 is retried as a client would (same request): it succeeds once.
  for (const [i, student] of burst.entries()) {
    if (burstAnswers[i]?.status !== 503) continue;
    const again = await retryPast503('retry of a racing scan', () =>
      scanOnce(student, burstIds[i] as string, payload, 'retry of a racing scan'),
    );
    expect(again.status, show('retry of a racing scan', again)).toBe(200);
  }
  const retried = await retryPast503('retry of the scan made during the outage', () =>
    scanOnce(during, duringScanId, payload, 'retry of the scan made during the outage'),
  );
  expect(retried.status, show('retry of the scan made during the outage', retried)).toBe(200);
  const joined = await retryPast503('retry of the join', () =>
    call(joiner, 'POST', `sessions/${session.id}/join`, { joinCode: session.joinCode }),
  );
  expect(joined.status, show('retry of the join', joined)).toBe(200);
  joinedLater.add(joiner.id);
  const overrode = await retryPast503('retry of the override', () =>
    call(teacher, 'PUT', `sessions/${session.id}/attendance/${before.id}/override`, override),
  );
  expect(overrode.status, show('retry of the override', overrode)).toBe(200);
  overridden.set(before.id, override.final);

  // The chain still hands on: the next student scans the holder's code.
  const { holder, payload: qr } = await holderPayload();
  const handOff = await scanOnce(chainNext, newScanId(), qr, 'chain hand-off after the outage', handOffs);
  expect(handOff.status, show('chain hand-off after the outage', handOff)).toBe(200);
  expect(handOff.json).toMatchObject({ outcome: 'verified_holder', youAreHolder: true });
  verifiedByChain.add(holder.id);

  await expectEverythingKept();
}

/** The answer without what describes the present: whether the caller holds a baton now, and which. */
const withoutHold = (body: unknown) => {
  const { hold: _hold, youAreHolder: _now, ...rest } = body as Record<string, unknown>;
  return rest;
};

/**
 * Every scan answered 200 replays the same answer; attendance and each student's own view show what was
 * answered; each verified once; overrides and joins kept; the chain still there.
 */
async function expectEverythingKept(): Promise<void> {
  for (const { person, scanId, payload, answer } of [...verified.values(), ...handOffs.values()]) {
    const again = await call(person, 'POST', `sessions/${session.id}/scans`, scanBody(scanId, payload));
    expect(again.status, show(`replay of ${person.email}'s scan`, again)).toBe(200);
    // The same answer; only the baton is current (a holder's replay carries today's hold, a former holder's
    // says they hold none).
    expect(withoutHold(again.json), `replay of ${person.email}'s scan`).toEqual(withoutHold(JSON.parse(answer)));
  }
  for (const { person } of verified.values()) {
    const me = await call(person, 'GET', `sessions/${session.id}/me`);
    expect(me.status, show(`/me of ${person.email}`, me)).toBe(200);
    expect(SessionMeResponseSchema.parse(me.json).status.entry, person.email).not.toBeNull();
  }
  const attendance = await call(teacher, 'GET', `sessions/${session.id}/attendance`);
  expect(attendance.status, show('attendance', attendance)).toBe(200);
  const rows = AttendanceResponseSchema.parse(attendance.json).rows;
  const pendingJoiners = new Set(joiners().map((j) => j.id));
  for (const student of students) {
    const row = rows.find((r) => r.studentId === student.id);
    const mustHaveJoined = !pendingJoiners.has(student.id) || joinedLater.has(student.id);
    if (mustHaveJoined) expect(row?.joined, `${student.email} joined`).toBe(true);
    if (verified.has(student.id) || verifiedByChain.has(student.id)) {
      expect(row?.entry, `${student.email} verified`).not.toBeNull();
    }
    const final = overridden.get(student.id);
    if (final) expect(row?.override?.final, `${student.email} overridden`).toBe(final);
  }
  // Each scan-verified student was accepted exactly once (retries and replays add no second acceptance).
  const events = await call(teacher, 'GET', `sessions/${session.id}/events`);
  expect(events.status, show('events', events)).toBe(200);
  const accepted = EventPageSchema.parse(events.json).events.filter(
    (e) => e.kind === 'scan' && e.outcome === 'accepted',
  );
  for (const { person } of verified.values()) {
    expect(accepted.filter((e) => e.actorId === person.id).length, `accepted scans of ${person.email}`).toBe(1);
  }
  const chainList = await call(teacher, 'GET', `sessions/${session.id}/chains`);
  expect(chainList.status, show('chains', chainList)).toBe(200);
  expect(ChainListResponseSchema.parse(chainList.json).chains.map((c) => c.chainId)).toContain(chainId);
}

beforeAll(async () => {
  [azurite, redis] = await Promise.all([startAzuriteProcess(), startRedisProcess()]);
  host = await startTestHost(
    {
      ...CLASS_ROLES,
      AzureWebJobsStorage: azurite.connectionString,
      REDIS_URL: redis.url,
      // A projector code fetched before an outage must still be valid when its scan is retried after it.
      PROJECTOR_ROTATION_SECONDS: '120',
    },
    { logLevel: 'silent' },
  );
  teacher = await signInPerson(host, 'outage.teacher@staff.example.edu');
  students = await signInStudents(host, STUDENTS);
  session = await createSession(host, teacher, buildSession(Date.now() - 60_000, { entryMethod: 'both' }));
  // The chain is seeded while students[0] is the only one present, so it holds the baton.
  const first = [students[0] as Person];
  await joinAll(host, session, first);
  await heartbeatAll(host, session, first);
  const started = await call(teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
  expect(started.status, show('start chain', started)).toBe(201);
  const seeded = ChainListResponseSchema.parse(started.json).chains[0];
  expect(seeded?.holderId).toBe(students[0]?.id);
  chainId = seeded?.chainId ?? '';
  const waiting = new Set(joiners().map((j) => j.id));
  const present = students.filter((s) => s !== students[0] && !waiting.has(s.id));
  await joinAll(host, session, present);
  await heartbeatAll(host, session, present);
}, 120_000);

afterAll(async () => {
  // Dependencies first (a hung Redis would hold the host's QUIT), then the host, then the processes.
  await Promise.allSettled([azurite?.ensureRunning(), redis?.ensureRunning()]);
  await host?.close();
  await Promise.allSettled([azurite?.dispose(), redis?.dispose()]);
});

describe.sequential('dependency outages mid-class (Azurite + Redis as real processes)', () => {
  it('Azurite stopped (SIGINT) and restarted on the same port', async () => {
    await runOutage({
      index: 0,
      dependency: azurite,
      check: 'store',
      begin: () => azurite.stop('SIGINT'),
      end: () => azurite.ensureRunning(),
    });
  }, 120_000);

  it('Azurite hung (SIGSTOP) and resumed', async () => {
    await runOutage({
      index: 1,
      dependency: azurite,
      check: 'store',
      begin: () => azurite.pause(),
      end: () => azurite.resume(),
    });
  }, 120_000);

  it('Redis killed (SIGKILL) and restarted on the same port: its keys are gone, sign-ins and sign-outs are not', async () => {
    // A sign-out before the outage: the revocation lives in the store, so it outlives Redis' keys.
    const leaver = students[1] as Person;
    const second = await signInPerson(host, leaver.email);
    const loggedOut = await call(second, 'POST', 'auth/logout');
    expect(loggedOut.status, show('logout', loggedOut)).toBe(204);
    expect((await call(second, 'GET', 'auth/me')).status).toBe(401);
    await runOutage({
      index: 2,
      dependency: redis,
      check: 'cache',
      begin: () => redis.stop('SIGKILL'),
      end: () => redis.ensureRunning(),
      // Presence was in the cache: students mark themselves online again, as their phones do.
      afterRecovery: () =>
        heartbeatAll(
          host,
          session,
          students.filter((s) => !waitingToJoin(s)),
        ),
    });
    const revoked = await call(second, 'GET', 'auth/me');
    expect(revoked.status, show('the signed-out token after the restart', revoked)).toBe(401);
    for (const student of [teacher, ...students]) {
      const me = await call(student, 'GET', 'auth/me');
      expect(me.status, show(`token of ${student.email} after the restart`, me)).toBe(200);
    }
  }, 120_000);

  it('Redis hung (SIGSTOP) and resumed', async () => {
    await runOutage({
      index: 3,
      dependency: redis,
      check: 'cache',
      begin: () => redis.pause(),
      end: () => redis.resume(),
    });
  }, 120_000);
});
