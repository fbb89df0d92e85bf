// Scans over HTTP on the local host: races (SQLite and Azurite), the code window on a fake clock, replays,
// eligibility, rate limits, phases, and the network and geofence policies (warn vs enforce).
import type { AuditEvent, CreateSessionRequest, Session } from '@qrca/contract';
import { afterEach, describe, expect, inject, it } from 'vitest';
import type { AttendanceRecord } from '../domain/records';
import { SessionRepository } from '../repositories/session.repository';
import {
  api,
  buildSession,
  CLASS_ROLES,
  createSession,
  holderQr,
  joinAll,
  me,
  newScanId,
  scan,
  signInPerson,
  signInStudents,
  type Person,
} from '../test-support/classroom';
import { FakeClock } from '../test-support/fake-clock';
import { FaultInjectingStore } from '../test-support/fault-injecting-store';
import { startTestHost, type TestHost, type TestHostOptions } from '../test-support/test-host';
import { cacheKeys } from '../utils/cache';

const hosts: TestHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
});

async function start(
  env: NodeJS.ProcessEnv = {},
  clock?: FakeClock,
  options: Pick<TestHostOptions, 'sharedCache'> = {},
): Promise<TestHost> {
  const host = await startTestHost(
    { ...CLASS_ROLES, ...env },
    { logLevel: 'silent', ...(clock ? { clock } : {}), ...options },
  );
  hosts.push(host);
  return host;
}

interface Class {
  readonly teacher: Person;
  readonly session: Session;
  readonly holder: Person;
  readonly others: Person[];
}

/** A started session with `students` joined and one entry chain; `others` are everyone but its holder. */
async function classWithChain(
  host: TestHost,
  students: number,
  nowMs: number,
  overrides: Partial<CreateSessionRequest> = {},
  /** Tests sharing Azurite and Redis use people of their own (sign-in and scan limits live in Redis). */
  cast: { teacher: string; firstStudent: number } = { teacher: 'grace@staff.example.edu', firstStudent: 0 },
  /** Where the students join from (a trusted proxy's X-Forwarded-For): under an enforced list, its inside. */
  joinFrom?: string,
) {
  const teacher = await signInPerson(host, cast.teacher);
  const people = await signInStudents(host, students, cast.firstStudent);
  const session = await createSession(host, teacher, buildSession(nowMs, overrides));
  await joinAll(host, session, people, joinFrom);
  const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
  expect(started.status, JSON.stringify(started.json)).toBe(201);
  const holderId = (started.json as { chains: { holderId: string }[] }).chains[0]?.holderId;
  const holder = people.find((p) => p.id === holderId) as Person;
  return { teacher, session, holder, others: people.filter((p) => p !== holder) } satisfies Class;
}

async function payloadOf(host: TestHost, c: Class, nowMs: number): Promise<string> {
  const { hold } = await me(host, c.session, c.holder);
  if (!hold) throw new Error('holder has no hold');
  return holderQr(c.session, hold, nowMs);
}

async function events(host: TestHost, c: Class): Promise<AuditEvent[]> {
  return ((await api(host, c.teacher, 'GET', `sessions/${c.session.id}/events`)).json as { events: AuditEvent[] })
    .events;
}

async function row(host: TestHost, c: Class, student: Person): Promise<AttendanceRecord> {
  const stored = await new SessionRepository(host.services.store).getAttendance(c.session.id, student.id);
  return stored?.value as AttendanceRecord;
}

describe.each([
  ['SQLite', () => ({})],
  ['Azure Tables (Azurite)', () => ({ AzureWebJobsStorage: inject('azuriteConnectionString') })],
])('simultaneous scanners on %s', (_name, env) => {
  it('lets exactly one of 20 students take the baton; the other 19 get 409 BATON_TAKEN', async () => {
    const host = await start(env());
    const c = await classWithChain(host, 21, Date.now() - 60_000);
    const payload = await payloadOf(host, c, Date.now());
    const answers = await Promise.all(c.others.map((scanner) => scan(host, c.session, scanner, payload)));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, ...Array<number>(19).fill(409)]);
    expect(answers.filter((a) => a.status === 409).every((a) => a.code === 'BATON_TAKEN')).toBe(true);
    expect((await row(host, c, c.holder)).entry).toBe('on_time');
    const winner = c.others[answers.findIndex((a) => a.status === 200)] as Person;
    expect((await row(host, c, winner)).holding).not.toBeNull();
    const scans = (await events(host, c)).filter((e) => e.kind === 'scan');
    expect(scans).toHaveLength(20);
    expect(scans.filter((e) => e.outcome === 'accepted')).toEqual([
      expect.objectContaining({ actorId: winner.id, targetId: c.holder.id }),
    ]);
  });
});

const redisUrl = inject('redisUrl');

describe.each([
  ['SQLite and the in-process cache', () => ({})],
  ...(redisUrl
    ? [['Azurite and Redis', () => ({ AzureWebJobsStorage: inject('azuriteConnectionString'), REDIS_URL: redisUrl })]]
    : []),
] as [string, () => NodeJS.ProcessEnv][])('copies of one scan (same scan id) on %s', (name, env) => {
  it('25 copies at once are one attempt: one answer for all, one audit event, the allowance spent once', async () => {
    const host = await start(env());
    const n = name.startsWith('Azurite') ? 1 : 0;
    const c = await classWithChain(
      host,
      3,
      Date.now() - 60_000,
      {},
      {
        teacher: `copies${n}@staff.example.edu`,
        firstStudent: 100 + 10 * n,
      },
    );
    const [a] = c.others as [Person];
    const payload = await payloadOf(host, c, Date.now());
    const scanId = newScanId();
    const answers = await Promise.all(Array.from({ length: 25 }, () => scan(host, c.session, a, payload, scanId)));
    expect(answers.map((r) => r.status)).toEqual(Array(25).fill(200));
    for (const answer of answers) expect(answer.json).toEqual(answers[0]?.json);
    expect((await events(host, c)).filter((e) => e.kind === 'scan' && e.actorId === a.id)).toHaveLength(1);
    // 20 scans a minute per account: the copies counted once, so 19 more attempts pass the limit.
    for (let i = 0; i < 19; i++) expect((await scan(host, c.session, a, 'QRCA1.C.bad')).code).toBe('INVALID_QR');
    expect((await scan(host, c.session, a, 'QRCA1.C.bad')).code).toBe('RATE_LIMITED');
  });
});

describe.skipIf(!redisUrl)('copies of one scan across two instances (Azurite and Redis shared)', () => {
  it('copies sent to both instances at once get one answer and make one audit event', async () => {
    const shared = {
      AzureWebJobsStorage: inject('azuriteConnectionString'),
      REDIS_URL: redisUrl,
      JWT_SECRET: 'two-instances-share-this-secret-0123456789',
    };
    // One deployment: both instances share the cache's key space too.
    const space = { sharedCache: `two-instances-${newScanId()}` };
    const first = await start(shared, undefined, space);
    const second = await start(shared, undefined, space);
    const c = await classWithChain(
      first,
      3,
      Date.now() - 60_000,
      {},
      {
        teacher: 'two.instances@staff.example.edu',
        firstStudent: 120,
      },
    );
    const [a] = c.others as [Person];
    const payload = await payloadOf(first, c, Date.now());
    const scanId = newScanId();
    const answers = await Promise.all(
      Array.from({ length: 16 }, (_, i) => scan(i % 2 ? second : first, c.session, a, payload, scanId)),
    );
    expect(answers.map((r) => r.status)).toEqual(Array(16).fill(200));
    for (const answer of answers) expect(answer.json).toEqual(answers[0]?.json);
    expect((await events(first, c)).filter((e) => e.kind === 'scan' && e.actorId === a.id)).toHaveLength(1);
  });
});

describe('the rotating code (fake clock, 5 s steps, current + previous accepted)', () => {
  it('accepts the current and previous step, answers 410 for older, 422 for forged or foreign codes', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 26, 9, 0, 0));
    const host = await start({}, clock);
    const c = await classWithChain(host, 6, clock.now());
    const [a, b, d, e] = c.others as [Person, Person, Person, Person];

    const captured = await payloadOf(host, c, clock.now());
    clock.advance(10_000); // two steps later: too old
    const old = await scan(host, c.session, a, captured);
    expect([old.status, old.code]).toEqual([410, 'CODE_EXPIRED']);

    const previous = await payloadOf(host, c, clock.now() - 5_000); // the step before the current one
    const forged = previous.replace(/.{10}$/, 'AAAAAAAAAA');
    expect((await scan(host, c.session, a, forged)).code).toBe('INVALID_QR');
    const future = await payloadOf(host, c, clock.now() + 5_000);
    expect((await scan(host, c.session, a, future)).code).toBe('INVALID_QR');
    const otherSession = previous.replace(c.session.id, 'AAAAAAAAAAAAAAAA');
    expect((await scan(host, c.session, a, otherSession)).code).toBe('INVALID_QR');

    const accepted = await scan(host, c.session, a, previous);
    expect(accepted.status, JSON.stringify(accepted.json)).toBe(200);
    // The old holder's code (previous seq) now means someone took the baton.
    expect((await scan(host, c.session, b, previous)).code).toBe('BATON_TAKEN');
    // A code for the next seq that nobody was given is refused.
    const nextSeq = previous.replace(
      /\.(\d+)\.(\d+)\.([A-Z2-7]{10})$/,
      (_m, seq: string, step: string, code: string) => `.${Number(seq) + 5}.${step}.${code}`,
    );
    expect((await scan(host, c.session, d, nextSeq)).code).toBe('INVALID_QR');
    void e;
  });
});

describe('eligibility, replays and limits', () => {
  it('refuses self-scans, verified scanners and holders with 422 NOT_ELIGIBLE', async () => {
    const host = await start();
    const c = await classWithChain(host, 4, Date.now() - 60_000);
    const [a, b] = c.others as [Person, Person];
    const payload = await payloadOf(host, c, Date.now());
    const self = await scan(host, c.session, c.holder, payload);
    expect([self.status, self.code]).toEqual([422, 'NOT_ELIGIBLE']);
    expect((await scan(host, c.session, a, payload)).status).toBe(200); // a now holds, holder verified
    const holdersTurn = await scan(host, c.session, c.holder, await payloadOf(host, { ...c, holder: a }, Date.now()));
    expect([holdersTurn.status, holdersTurn.code]).toEqual([422, 'NOT_ELIGIBLE']); // verified already
    const aIsHolding = await api(host, c.teacher, 'POST', `sessions/${c.session.id}/chains`, {
      phase: 'entry',
      count: 1,
    });
    expect(aIsHolding.status).toBe(201); // seeds b or the other
    const secondHolder = (aIsHolding.json as { chains: { holderId: string }[] }).chains[0]?.holderId;
    const other = [b, ...c.others.slice(2)].find((p) => p.id === secondHolder) as Person;
    const holdingScanner = await scan(host, c.session, a, await payloadOf(host, { ...c, holder: other }, Date.now()));
    expect([holdingScanner.status, holdingScanner.code]).toEqual([422, 'NOT_ELIGIBLE']);
  });

  it('answers 503 when the store fails while loading the chain, keeps no answer, and a retry succeeds', async () => {
    let faults: FaultInjectingStore | undefined;
    const host = await startTestHost(CLASS_ROLES, {
      logLevel: 'silent',
      wrapStore: (store) => (faults = new FaultInjectingStore(store)),
    });
    hosts.push(host);
    const c = await classWithChain(host, 3, Date.now() - 60_000);
    const [a] = c.others as [Person];
    const { hold } = await me(host, c.session, c.holder);
    if (!hold || !faults) throw new Error('no hold');
    const payload = await holderQr(c.session, hold, Date.now());
    // The chain must come from the store, and that read fails once (a blip, not a missing chain).
    await host.services.cache.invalidate(cacheKeys.chain(c.session.id, hold.chainId));
    faults.failNextRead((_table, _partition, row) => row.includes(hold.chainId));
    const scanId = newScanId();
    const failed = await scan(host, c.session, a, payload, scanId);
    expect([failed.status, failed.code]).toEqual([503, 'DEPENDENCY_UNAVAILABLE']);
    const retried = await scan(host, c.session, a, payload, scanId);
    expect([retried.status, retried.json]).toMatchObject([200, { outcome: 'verified_holder' }]);
    expect((await events(host, c)).filter((e) => e.kind === 'scan').map((e) => e.outcome)).toEqual(['accepted']);
  });

  it('answers 422 SESSION_ENDED to a scan after the session ended', async () => {
    const host = await start();
    const c = await classWithChain(host, 3, Date.now() - 60_000);
    const [a] = c.others as [Person];
    const payload = await payloadOf(host, c, Date.now());
    expect((await api(host, c.teacher, 'POST', `sessions/${c.session.id}/end`)).status).toBe(200);
    for (const code of [payload, 'QRCA1.C.nope', 'ABC234']) {
      const late = await scan(host, c.session, a, code);
      expect([late.status, late.code]).toEqual([422, 'SESSION_ENDED']);
    }
  });

  it('answers a replayed scan id with the first answer and changes nothing', async () => {
    const host = await start();
    const c = await classWithChain(host, 3, Date.now() - 60_000);
    const [a] = c.others as [Person];
    const payload = await payloadOf(host, c, Date.now());
    const scanId = newScanId();
    const first = await scan(host, c.session, a, payload, scanId);
    expect(first.status).toBe(200);
    const partition = async () =>
      JSON.stringify(await new SessionRepository(host.services.store).snapshot(c.session.id));
    const before = await partition();
    const again = await scan(host, c.session, a, payload, scanId);
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(await partition()).toBe(before);
    // A refused attempt replays as the same refusal.
    const refusedId = newScanId();
    const refused = await scan(host, c.session, a, 'QRCA1.C.bad', refusedId);
    const refusedAgain = await scan(host, c.session, a, 'QRCA1.C.bad', refusedId);
    expect([refusedAgain.status, refusedAgain.code]).toEqual([refused.status, refused.code]);
    expect((await events(host, c)).filter((e) => e.kind === 'scan')).toHaveLength(2);
    // Once the baton moved on, the replay still says what happened, and that the caller holds none now.
    const [, b] = c.others as [Person, Person];
    const { hold } = await me(host, c.session, a);
    if (!hold) throw new Error('a holds no baton');
    expect((await scan(host, c.session, b, await holderQr(c.session, hold, Date.now()))).status).toBe(200);
    const later = await scan(host, c.session, a, payload, scanId);
    expect(later.json).toEqual({ outcome: 'verified_holder', flow: 'chain', youAreHolder: false });
  });

  it('limits scans per account to 20 a minute with 429 and Retry-After', async () => {
    const host = await start();
    const c = await classWithChain(host, 2, Date.now() - 60_000);
    const [a] = c.others as [Person];
    for (let i = 0; i < 20; i++) expect((await scan(host, c.session, a, 'QRCA1.C.bad')).code).toBe('INVALID_QR');
    const limited = await host.fetch(`/api/sessions/${c.session.id}/scans`, {
      method: 'POST',
      headers: { authorization: `Bearer ${a.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ scanId: newScanId(), payload: 'QRCA1.C.bad' }),
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses entry-chain scans after the late cutoff with 422 WRONG_PHASE', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 26, 9, 0, 0));
    const host = await start({}, clock);
    const c = await classWithChain(host, 3, clock.now());
    const [a] = c.others as [Person];
    clock.advance(10 * 60_000);
    const late = await scan(host, c.session, a, await payloadOf(host, c, clock.now()));
    expect([late.status, late.code]).toEqual([422, 'WRONG_PHASE']);
  });
});

describe('network policy', () => {
  const networks = (mode: 'warn' | 'enforce') => ({ networks: { cidrs: ['203.0.113.0/24', '2001:db8::/32'], mode } });

  it('enforce: passes campus addresses (IPv4 and IPv6) from a trusted proxy, refuses others', async () => {
    const host = await start({ TRUSTED_PROXIES: '127.0.0.1,::1' });
    // The class joined from the campus: under enforce only phones inside the list are given a baton.
    const c = await classWithChain(
      host,
      4,
      Date.now() - 60_000,
      { constraints: networks('enforce') },
      undefined,
      '203.0.113.20',
    );
    const [a, b, d] = c.others as [Person, Person, Person];
    const payload = await payloadOf(host, c, Date.now());
    const outside = await host.fetch(`/api/sessions/${c.session.id}/scans`, scanInit(a, payload, '198.51.100.7'));
    expect([outside.status, await codeOf(outside)]).toEqual([422, 'OUTSIDE_NETWORK']);
    const inside = await host.fetch(`/api/sessions/${c.session.id}/scans`, scanInit(a, payload, '203.0.113.50'));
    expect(inside.status).toBe(200);
    const v6 = await host.fetch(
      `/api/sessions/${c.session.id}/scans`,
      scanInit(b, await payloadOf(host, { ...c, holder: a }, Date.now()), '2001:db8::42'),
    );
    expect(v6.status).toBe(200);
    void d;
    const refusal = (await events(host, c)).find((e) => e.outcome === 'OUTSIDE_NETWORK');
    expect(refusal).toMatchObject({ network: 'fail', ip: '198.51.100.7' });
  });

  it('ignores X-Forwarded-For from an untrusted peer (a spoofed campus address does not pass)', async () => {
    const host = await start();
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const [a] = (await signInStudents(host, 1)) as [Person];
    // A projector code: nobody here is inside the list, so no chain could be seeded.
    const session = await createSession(
      host,
      teacher,
      buildSession(Date.now() - 60_000, { entryMethod: 'projector', constraints: networks('enforce') }),
    );
    await joinAll(host, session, [a], '203.0.113.50');
    const code = await api(host, teacher, 'GET', `sessions/${session.id}/codes/entry`);
    const { payload } = code.json as { payload: string };
    const spoofed = await host.fetch(`/api/sessions/${session.id}/scans`, scanInit(a, payload, '203.0.113.50'));
    expect([spoofed.status, await codeOf(spoofed)]).toEqual([422, 'OUTSIDE_NETWORK']);
  });

  it('warn: accepts and flags the scanner, recording the verdict', async () => {
    const host = await start();
    const c = await classWithChain(host, 2, Date.now() - 60_000, { constraints: networks('warn') });
    const [a] = c.others as [Person];
    expect((await scan(host, c.session, a, await payloadOf(host, c, Date.now()))).status).toBe(200);
    expect((await row(host, c, a)).flags).toContain('off_network');
    expect((await events(host, c)).find((e) => e.kind === 'scan')).toMatchObject({
      network: 'fail',
      outcome: 'accepted',
    });
  });
});

describe('geofence', () => {
  const centre = { lat: 52.52, lon: 13.405 };
  const fence = (mode: 'warn' | 'enforce') => ({ geofence: { ...centre, radiusM: 100, mode } });

  it('enforce: needs a position within the radius at 150 m accuracy or better; keeps no coordinates', async () => {
    const host = await start();
    const c = await classWithChain(host, 2, Date.now() - 60_000, { constraints: fence('enforce') });
    const [a] = c.others as [Person];
    const payload = await payloadOf(host, c, Date.now());
    const missing = await scan(host, c.session, a, payload);
    expect([missing.status, missing.code]).toEqual([422, 'OUTSIDE_GEOFENCE']);
    const far = await scan(host, c.session, a, payload, newScanId(), {
      location: { lat: 52.53, lon: 13.405, accuracyM: 20 },
    });
    expect(far.code).toBe('OUTSIDE_GEOFENCE');
    const vague = await scan(host, c.session, a, payload, newScanId(), { location: { ...centre, accuracyM: 200 } });
    expect(vague.code).toBe('OUTSIDE_GEOFENCE');
    // 150 m away but accurate to 60 m: distance − accuracy = 90 m ≤ 100 m.
    const edge = await scan(host, c.session, a, payload, newScanId(), {
      location: { lat: 52.52135, lon: 13.405, accuracyM: 60 },
    });
    expect(edge.status, JSON.stringify(edge.json)).toBe(200);
    const log = (await events(host, c)).filter((e) => e.kind === 'scan');
    expect(log.map((e) => e.geofence)).toEqual(['missing', 'fail', 'fail', 'pass']);
    expect(log.find((e) => e.outcome === 'accepted')?.distanceBand).toBe('100-500m');
    expect(JSON.stringify(log)).not.toMatch(/52\.5|13\.40/);
  });

  it('warn: accepts and flags a scan from outside', async () => {
    const host = await start();
    const c = await classWithChain(host, 2, Date.now() - 60_000, { constraints: fence('warn') });
    const [a] = c.others as [Person];
    const answer = await scan(host, c.session, a, await payloadOf(host, c, Date.now()), newScanId(), {
      location: { lat: 52.6, lon: 13.405, accuracyM: 10 },
    });
    expect(answer.status).toBe(200);
    expect((await row(host, c, a)).flags).toContain('outside_geofence');
  });
});

function scanInit(person: Person, payload: string, forwardedFor: string): RequestInit {
  return {
    method: 'POST',
    headers: {
      authorization: `Bearer ${person.token}`,
      'content-type': 'application/json',
      'x-forwarded-for': forwardedFor,
    },
    body: JSON.stringify({ scanId: newScanId(), payload }),
  };
}

async function codeOf(response: Response): Promise<string | undefined> {
  return ((await response.json()) as { error?: { code?: string } }).error?.code;
}
