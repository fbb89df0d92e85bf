// The HTTP fuzz suite: fast-check generates requests for every route of the contract's route table — valid
// ones from the zod schemas and real ids, then mutated bodies, content types, framing, path parameters,
// queries, methods and headers — as six kinds of caller, against the local host over real HTTP (SQLite,
// embedded defaults). Property for every request: an answer within 10 s, never a 5xx (no dependency is down,
// so a 503 fails too), every error body in the catalogue's shape with a code whose status is the one sent,
// valid requests answered in the route's response shape; and the server stays up (GET /api/health = 200
// every 500 requests and at the end).
//
// FUZZ_SEED (default 20261129) and FUZZ_REQUESTS (default 10,000) choose the run. Eight fast-check streams run
// side by side (seeds SEED+0 … SEED+7), one request in flight each, so a failure shrinks to a single request.
// FUZZ_KEEP_GOING=1 records every violation instead of stopping and shrinking (to list all defects at once).
// FUZZ_STREAM=n FUZZ_PATH=… (printed with a failure) replays just that stream's counterexample and shrinks it.
import {
  AuthVerifyResponseSchema,
  ErrorBodySchema,
  errorStatus,
  OutboxResponseSchema,
  routes,
  SessionSchema,
  type ErrorCode,
  type RouteName,
} from '@qrca/contract';
import fc from 'fast-check';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { api, buildSession, CLASS_ROLES, createSession, joinAll } from '../../src/test-support/classroom';
import { JSON_HEADERS } from '../../src/test-support/sign-in';
import { startTestHost, type TestHost } from '../../src/test-support/test-host';
import {
  CALLERS,
  describeCase,
  requestArbitrary,
  toWire,
  type FuzzCase,
  type FuzzWorld,
  type Person,
  type Who,
} from './request-arbitrary';
import { wireClient, type WireClient, type WireOutcome } from './wire-client';

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 10_000);
const KEEP_GOING = process.env.FUZZ_KEEP_GOING === '1';
const REPLAY = process.env.FUZZ_PATH
  ? { stream: Number(process.env.FUZZ_STREAM ?? 0), path: process.env.FUZZ_PATH }
  : undefined;
const STREAMS = 8;
const TIMEOUT_MS = 10_000;
const HEALTH_EVERY = 500;
/** Shrinking stops this long after a stream's first failure (the smallest failing case so far is reported). */
const SHRINK_BUDGET_MS = 45_000;

const EMAILS: Record<Exclude<Who, 'anonymous'>, string> = {
  student: 'joined.fuzz@students.example.edu',
  otherStudent: 'other.fuzz@students.example.edu',
  otherTeacher: 'other.fuzz@staff.example.edu',
  owner: 'owner.fuzz@staff.example.edu',
  admin: CLASS_ROLES.ADMIN_EMAILS,
};

let host: TestHost;
let client: WireClient;
let world: FuzzWorld;
const created = { sessions: [] as string[], chains: [] as string[], spotChecks: [] as string[] };
/** Keeps the ids that 201 answers name (a bounded number), for later requests to use. */
function remember(c: FuzzCase, outcome: WireOutcome): void {
  if (outcome.kind !== 'response' || outcome.status !== 201) return;
  try {
    const json = JSON.parse(outcome.body.toString('utf8')) as {
      id?: unknown;
      chains?: { chainId?: unknown }[];
      spotCheckId?: unknown;
    };
    if (c.route === 'sessionsCreate' && typeof json.id === 'string' && created.sessions.length < 200) {
      created.sessions.push(json.id);
    }
    if (c.route === 'spotChecksStart' && typeof json.spotCheckId === 'string' && created.spotChecks.length < 200) {
      created.spotChecks.push(json.spotCheckId);
    }
    for (const chain of json.chains ?? []) {
      if (typeof chain.chainId === 'string' && created.chains.length < 200) created.chains.push(chain.chainId);
    }
  } catch {
    // not ours to judge here: problems() reports bodies that do not parse
  }
}

/** Signs in through the dev outbox (twice per person: the second token is for logout). */
async function signInToken(email: string): Promise<{ id: string; token: string }> {
  const sent = await host.fetch('/api/auth/code', {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ email }),
  });
  if (sent.status !== 202) throw new Error(`code for ${email}: ${sent.status} ${await sent.text()}`);
  const outbox = OutboxResponseSchema.parse(
    await (await host.fetch(`/api/dev/outbox?to=${encodeURIComponent(email)}`)).json(),
  );
  const code = outbox.messages[0]?.code ?? '';
  const verified = await host.fetch('/api/auth/verify', {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ email, code }),
  });
  if (verified.status !== 200) throw new Error(`verify for ${email}: ${verified.status} ${await verified.text()}`);
  const { token, user } = AuthVerifyResponseSchema.parse(await verified.json());
  return { id: user.id, token };
}

/** Tokens a client could forge: signed with the right key but odd claims, with another key, unsigned, tampered. */
async function forgedTokens(secret: string, people: FuzzWorld['people']): Promise<string[]> {
  const key = new TextEncoder().encode(secret);
  const now = Math.floor(Date.now() / 1000);
  const sign = (
    claims: Record<string, unknown>,
    options: { alg?: string; key?: Uint8Array; iss?: string; aud?: string; exp?: number } = {},
  ) => {
    const jwt = new SignJWT(claims).setProtectedHeader({ alg: options.alg ?? 'HS256', typ: 'JWT' }).setIssuedAt(now);
    jwt
      .setIssuer(options.iss ?? 'qrca')
      .setAudience(options.aud ?? 'qrca-api')
      .setExpirationTime(options.exp ?? now + 3_600);
    return jwt.sign(options.key ?? key);
  };
  const student = people.student;
  const base = { sub: student.id, jti: 'forged-jti-1', email: student.email };
  const [header = '', payload = ''] = student.token.split('.');
  const tampered = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin', email: EMAILS.admin }),
  ).toString('base64url');
  const unsigned = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
    JSON.stringify({ ...base, role: 'admin', iss: 'qrca', aud: 'qrca-api', exp: now + 3_600 }),
  ).toString('base64url')}.`;
  return [
    await sign({ ...base, role: 'admin' }), // role claim says admin; the email says student
    await sign({ ...base, role: 'teacher', email: 'STUDENT.X@STUDENTS.EXAMPLE.EDU' }),
    await sign({ ...base, role: 'student', email: 'nobody@elsewhere.example' }), // a domain that may not sign in
    await sign({ ...base, role: 'student', sub: 'no-such-user-0001' }),
    await sign({ ...base, role: 42 }),
    await sign({ ...base, role: 'student', email: '' }),
    await sign({ jti: 'forged-jti-2', email: student.email, role: 'student' }), // no sub
    await sign({ ...base, role: 'student' }, { exp: now - 60 }),
    await sign({ ...base, role: 'student' }, { aud: 'someone-else' }),
    await sign({ ...base, role: 'student' }, { iss: 'evil' }),
    await sign({ ...base, role: 'student' }, { alg: 'HS512' }),
    await sign({ ...base, role: 'student' }, { key: new TextEncoder().encode('x'.repeat(48)) }),
    unsigned,
    `${header}.${tampered}.${student.token.split('.')[2] ?? ''}`,
    `${student.token}x`,
  ];
}

beforeAll(async () => {
  host = await startTestHost({ ...CLASS_ROLES }, { logLevel: 'warn' });
  const port = Number(new URL(host.url).port);
  client = wireClient(port, TIMEOUT_MS);
  const people = {} as Record<Exclude<Who, 'anonymous'>, Person>;
  const spareTokens = {} as Record<Exclude<Who, 'anonymous'>, string>;
  for (const [who, email] of Object.entries(EMAILS) as [Exclude<Who, 'anonymous'>, string][]) {
    const first = await signInToken(email);
    people[who] = { id: first.id, email, token: first.token };
    spareTokens[who] = (await signInToken(email)).token;
  }
  const now = Date.now();
  const main = await createSession(host, people.owner, buildSession(now - 60_000, { entryMethod: 'both' }));
  await joinAll(host, main, [people.student]);
  const other = await createSession(host, people.otherTeacher, buildSession(now - 60_000));
  await joinAll(host, other, [people.otherStudent]);
  const chainOf = async (teacher: Person, sessionId: string) => {
    const started = await api(host, teacher, 'POST', `sessions/${sessionId}/chains`, { phase: 'entry', count: 1 });
    const chainId = (started.json as { chains?: { chainId: string }[] }).chains?.[0]?.chainId;
    if (started.status !== 201 || !chainId) throw new Error(`chain: ${started.status} ${JSON.stringify(started.json)}`);
    return chainId;
  };
  const spotCheckOf = async (teacher: Person, sessionId: string) => {
    const started = await api(host, teacher, 'POST', `sessions/${sessionId}/spot-checks`, {});
    const spotCheckId = (started.json as { spotCheckId?: string }).spotCheckId;
    if (started.status !== 201 || !spotCheckId) {
      throw new Error(`spot check: ${started.status} ${JSON.stringify(started.json)}`);
    }
    return spotCheckId;
  };
  const disposable = [
    (await createSession(host, people.owner, buildSession(now + 3_600_000), false)).id,
    (await createSession(host, people.owner, buildSession(now - 60_000))).id,
    (await createSession(host, people.owner, buildSession(now - 60_000))).id,
  ];
  const base = { host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, people, spareTokens };
  world = {
    ...base,
    main: {
      id: main.id,
      joinCode: main.joinCode,
      chainId: await chainOf(people.owner, main.id),
      spotCheckId: await spotCheckOf(people.owner, main.id),
    },
    other: {
      id: other.id,
      joinCode: other.joinCode,
      chainId: await chainOf(people.otherTeacher, other.id),
      spotCheckId: await spotCheckOf(people.otherTeacher, other.id),
    },
    disposable,
    forgedTokens: await forgedTokens(host.services.config.jwtSecret, people),
    created,
  };
});

afterAll(async () => {
  client?.close();
  await host?.close();
});

// ---------------------------------------------------------------------------------------------------------

interface Violation {
  readonly stream: number;
  readonly fuzzCase: FuzzCase;
  readonly outcome: string;
  readonly reasons: readonly string[];
}

const stats = {
  sent: 0,
  byAnswer: new Map<string, number>(),
  byRoute: new Map<RouteName, { sent: number; valid: number; validOk: number }>(),
  validSent: 0,
  validOk: 0,
};
const bump = <K>(map: Map<K, number>, key: K) => map.set(key, (map.get(key) ?? 0) + 1);

/** What is wrong with `outcome` as the answer to `c` (empty when nothing). */
function problems(c: FuzzCase, outcome: WireOutcome): string[] {
  if (outcome.kind === 'timeout') return [`no answer within ${TIMEOUT_MS} ms`];
  if (outcome.kind === 'closed') {
    // The client promised more body than it sent and hung up: no answer is owed.
    return c.framing === 'long-length-eof' ? [] : [`connection closed without an answer (${outcome.error.trim()})`];
  }
  const reasons: string[] = [];
  const { status } = outcome;
  if (status >= 500) reasons.push(`status ${status}`);
  if (status >= 400 && c.method !== 'HEAD') {
    let json: unknown;
    try {
      json = JSON.parse(outcome.body.toString('utf8'));
    } catch {
      reasons.push(
        `${status} with a body that is not JSON: ${JSON.stringify(outcome.body.toString('utf8').slice(0, 120))}`,
      );
    }
    if (json !== undefined) {
      const parsed = ErrorBodySchema.safeParse(json);
      if (!parsed.success)
        reasons.push(`${status} with a body not in the catalogue shape: ${JSON.stringify(json).slice(0, 200)}`);
      else {
        const { code, correlationId } = parsed.data.error;
        if (errorStatus[code] !== status)
          reasons.push(`code ${code} is ${errorStatus[code]} in the catalogue, sent as ${status}`);
        const header = outcome.headers['x-correlation-id'];
        if (header !== undefined && header !== correlationId) {
          reasons.push(`X-Correlation-Id ${header} differs from the body's ${correlationId}`);
        }
      }
    }
  }
  // A valid request's JSON answer has its route's response shape (other answers, e.g. CSV exports, are files).
  const response = (routes[c.route] as { response?: z.ZodType }).response;
  const isJson = /^application\/json\b/i.test(outcome.headers['content-type'] ?? '');
  if (status >= 200 && status < 300 && c.mutations[0] === 'valid' && response && status !== 204 && isJson) {
    let body: unknown;
    try {
      body = JSON.parse(outcome.body.toString('utf8'));
    } catch {
      body = undefined;
    }
    const parsed = response.safeParse(body);
    if (!parsed.success)
      reasons.push(
        `${status} body does not match the ${c.route} response schema: ${parsed.error.message.slice(0, 300)}`,
      );
  }
  return reasons;
}

/** The kind of a failure, without its details: `status 500`, `400 with a body that is not JSON`... */
const signature = (reasons: readonly string[]) => reasons.map((r) => r.split(/[:(]/)[0]?.trim()).join('; ');

/** Violations grouped by what went wrong, each group with its simplest example as a replayable request. */
function report(violations: readonly Violation[], runs: readonly fc.RunDetails<[FuzzCase]>[]): string {
  const grouped = new Map<string, Violation[]>();
  for (const v of violations) {
    const key = v.reasons.map((r) => r.replace(/[0-9a-f-]{36}/g, 'ID').slice(0, 100)).join('; ');
    grouped.set(key, [...(grouped.get(key) ?? []), v]);
  }
  const groups = [...grouped.entries()].map(([key, group]) => {
    const simplest = [...group].sort(
      (a, b) => a.fuzzCase.mutations.length - b.fuzzCase.mutations.length,
    )[0] as Violation;
    const run = runs[simplest.stream];
    const mutations = new Map<string, number>();
    for (const v of group) for (const m of v.fuzzCase.mutations) bump(mutations, m.split(/[:@ ]/)[0] ?? m);
    // The cases with one or two changes from a valid request name the triggers.
    const triggers = new Map<string, number>();
    for (const v of group) if (v.fuzzCase.mutations.length <= 2) bump(triggers, v.fuzzCase.mutations.join(' + '));
    const top = (map: Map<string, number>, n: number) =>
      [...map.entries()]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([m, count]) => `${m} (${count})`)
        .join(', ');
    return [
      `── ${group.length} × ${key}`,
      `   routes: ${[...new Set(group.map((v) => v.fuzzCase.route))].join(', ')}`,
      `   mutation kinds: ${top(mutations, 30)}`,
      `   simple triggers: ${top(triggers, 25) || '(none with two changes or fewer)'}`,
      `   simplest example:`,
      describeCase(simplest.fuzzCase).replace(/^/gm, '   '),
      `   answer: ${simplest.outcome.replace(/\n/g, '\n   ')}`,
      run?.failed
        ? `   replay: FUZZ_SEED=${SEED} FUZZ_STREAM=${simplest.stream} FUZZ_PATH=${run.counterexamplePath ?? ''} npm run test:fuzz`
        : `   replay: FUZZ_SEED=${SEED} FUZZ_REQUESTS=${REQUESTS} FUZZ_KEEP_GOING=1`,
    ].join('\n');
  });
  return `[fuzz] ${violations.length} violation(s) in ${grouped.size} group(s), seed ${SEED}:\n${groups.join('\n\n')}`;
}

function summarise(outcome: WireOutcome): string {
  if (outcome.kind !== 'response')
    return outcome.kind === 'timeout' ? `timeout after ${outcome.ms} ms` : `closed: ${outcome.error}`;
  return `${outcome.status} ${clipText(outcome.body.toString('utf8'), 300)}`;
}

const clipText = (text: string, max: number) => (text.length > max ? `${text.slice(0, max)}…` : text);

function answerKey(outcome: WireOutcome): string {
  if (outcome.kind !== 'response') return outcome.kind;
  let code: ErrorCode | undefined;
  if (outcome.status >= 400) {
    try {
      code = ErrorBodySchema.safeParse(JSON.parse(outcome.body.toString('utf8'))).data?.error.code;
    } catch {
      code = undefined;
    }
  }
  return `${outcome.status}${code ? ` ${code}` : ''}`;
}

/** GET /api/health over a fresh connection; undefined when it answers 200. */
async function healthProblem(): Promise<string | undefined> {
  const outcome = await client.send({
    method: 'GET',
    target: '/api/health',
    headers: [['host', world.host]],
    via: 'socket',
  });
  return outcome.kind === 'response' && outcome.status === 200 ? undefined : `GET /api/health: ${summarise(outcome)}`;
}

/** Log lines of the host that mention a correlation id of the failing answer (500s log their stack there). */
function logsFor(outcome: WireOutcome): string {
  if (outcome.kind !== 'response') return '';
  const id = outcome.headers['x-correlation-id'];
  if (!id) return '';
  return host
    .logs()
    .split('\n')
    .filter((line) => line.includes(id))
    .map((line) => clipText(line, 1_500))
    .join('\n');
}

describe(`fuzzing every route (seed ${SEED}, ${REQUESTS} requests)`, () => {
  it('answers every request within bounds, without a 5xx, in the catalogue shape, and stays up', async () => {
    console.log(
      `[fuzz] seed ${SEED} (FUZZ_SEED), ${REQUESTS} requests (FUZZ_REQUESTS), ${STREAMS} streams, ` +
        `${Object.keys(routes).length} routes, ${CALLERS.length} callers${KEEP_GOING ? ', keep going' : ''}`,
    );
    const started = performance.now();
    const violations: Violation[] = [];
    const healthFailures: string[] = [];
    let nextHealth = HEALTH_EVERY;
    const arbitrary = requestArbitrary(world);

    const runStream = async (stream: number) => {
      let firstFailureAt: number | undefined;
      let firstKind = '';
      let last: Violation | undefined;
      const property = fc.asyncProperty(arbitrary, async (c) => {
        if (firstFailureAt !== undefined && performance.now() - firstFailureAt > SHRINK_BUDGET_MS) return true;
        const outcome = await client.send(toWire(c));
        remember(c, outcome);
        const shrinking = firstFailureAt !== undefined;
        if (!shrinking) {
          stats.sent++;
          bump(stats.byAnswer, answerKey(outcome));
          const route = stats.byRoute.get(c.route) ?? { sent: 0, valid: 0, validOk: 0 };
          route.sent++;
          if (c.mutations[0] === 'valid') {
            route.valid++;
            stats.validSent++;
            if (outcome.kind === 'response' && outcome.status < 300) {
              route.validOk++;
              stats.validOk++;
            }
          }
          stats.byRoute.set(c.route, route);
          if (stats.sent >= nextHealth) {
            nextHealth += HEALTH_EVERY;
            const problem = await healthProblem();
            if (problem) healthFailures.push(`after ${stats.sent} requests: ${problem}`);
          }
        }
        const reasons = problems(c, outcome);
        if (reasons.length === 0) return true;
        const violation = {
          stream,
          fuzzCase: c,
          outcome: `${summarise(outcome)}\n${logsFor(outcome)}`.trim(),
          reasons,
        };
        if (KEEP_GOING) {
          violations.push(violation);
          return true;
        }
        // While shrinking, only the same kind of failure counts: a smaller case failing otherwise is another bug.
        const kind = signature(reasons);
        if (firstFailureAt !== undefined && kind !== firstKind) return true;
        firstKind = kind;
        last = violation;
        firstFailureAt ??= performance.now();
        return false;
      });
      const details = await fc.check(property, {
        seed: SEED + stream,
        numRuns: Math.ceil(REQUESTS / STREAMS),
        ...(REPLAY ? { path: REPLAY.path } : {}),
      });
      if (details.failed && last) violations.push(last);
      else if (details.failed) throw new Error(`stream ${stream}: ${String(details.errorInstance)}`);
      return details;
    };
    const streams = REPLAY ? [REPLAY.stream] : Array.from({ length: STREAMS }, (_, stream) => stream);
    const runs: fc.RunDetails<[FuzzCase]>[] = [];
    await Promise.all(
      streams.map(async (stream) => {
        runs[stream] = await runStream(stream);
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const endProblem = await healthProblem();
    if (endProblem) healthFailures.push(`at the end: ${endProblem}`);

    // Statistics: what the server answered, by status and code, and per route.
    const answers = [...stats.byAnswer.entries()].sort((a, b) => b[1] - a[1]);
    const ok = answers.filter(([k]) => k.startsWith('2')).reduce((sum, [, n]) => sum + n, 0);
    console.log(
      `[fuzz] ${stats.sent} requests in ${seconds.toFixed(1)} s (${Math.round(stats.sent / seconds)}/s); ` +
        `2xx ${ok}; valid requests ${stats.validSent}, of which 2xx ${stats.validOk}; seed ${SEED}`,
    );
    console.log(`[fuzz] answers: ${answers.map(([k, n]) => `${k}: ${n}`).join(' · ')}`);
    console.log(
      `[fuzz] per route (sent/valid/valid 2xx): ${[...stats.byRoute.entries()]
        .sort()
        .map(([name, r]) => `${name} ${r.sent}/${r.valid}/${r.validOk}`)
        .join(' · ')}`,
    );

    if (violations.length > 0) console.error(report(violations, runs));
    expect(healthFailures, 'the server must stay up').toEqual([]);
    expect(violations.map((v) => `${v.fuzzCase.route} as ${v.fuzzCase.caller}: ${v.reasons.join('; ')}`)).toEqual([]);

    // Not vacuous: every route was exercised, valid requests were among them and many succeeded.
    if (REPLAY) return; // a replay sends one stream's cases only
    const names = Object.keys(routes) as RouteName[];
    expect(
      names.filter((name) => !stats.byRoute.get(name)?.sent),
      'routes never requested',
    ).toEqual([]);
    if (REQUESTS >= 5_000) {
      expect(
        names.filter((name) => !stats.byRoute.get(name)?.valid),
        'routes never sent a valid request',
      ).toEqual([]);
    }
    expect(stats.sent).toBeGreaterThanOrEqual(REQUESTS);
    expect(stats.validOk, '2xx answers to valid requests').toBeGreaterThan(stats.validSent / 10);
  }, 600_000);

  it('still serves the class afterwards: the owner, the joined student and the admin get 200', async () => {
    const { owner, student, admin } = world.people;
    const session = await api(host, owner, 'GET', `sessions/${world.main.id}`);
    expect(session.status, JSON.stringify(session.json)).toBe(200);
    expect(SessionSchema.parse(session.json).id).toBe(world.main.id);
    const me = await api(host, student, 'GET', `sessions/${world.main.id}/me`);
    expect(me.status, JSON.stringify(me.json)).toBe(200);
    expect((await api(host, owner, 'GET', `sessions/${world.main.id}/attendance`)).status).toBe(200);
    expect((await api(host, admin, 'GET', 'admin/teachers')).status).toBe(200);
    expect((await api(host, undefined, 'GET', 'health')).status).toBe(200);
  });
});
