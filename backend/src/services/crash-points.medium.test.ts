// Crash points: each operation that makes several writes (create, join, co-teachers, delete, roster, end) is
// interrupted before each of its writes in turn, as a crash there would leave it, then retried; the retry must
// end in the same state as an uninterrupted run. On SQLite and on Azurite + Redis.
import { SessionSchema, type Session } from '@qrca/contract';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { SessionIndexRepository } from '../repositories/session-index.repository';
import { SessionScheduleRepository } from '../repositories/session-schedule.repository';
import { SessionRepository } from '../repositories/session.repository';
import {
  api,
  buildSession,
  CLASS_ROLES,
  createSession,
  heartbeatAll,
  joinAll,
  signInPerson,
  type Person,
} from '../test-support/classroom';
import { FakeClock } from '../test-support/fake-clock';
import { FaultInjectingStore } from '../test-support/fault-injecting-store';
import { bearer, JSON_HEADERS } from '../test-support/sign-in';
import { startTestHost, type TestHost } from '../test-support/test-host';

const redisUrl = inject('redisUrl');
const stores: [string, () => NodeJS.ProcessEnv][] = [
  ['SQLite', () => ({})],
  ...(redisUrl
    ? ([
        ['Azurite and Redis', () => ({ AzureWebJobsStorage: inject('azuriteConnectionString'), REDIS_URL: redisUrl })],
      ] as [string, () => NodeJS.ProcessEnv][])
    : []),
];

interface Answer {
  readonly status: number;
  readonly json: unknown;
}

/** One multi-write operation: a fresh context, the call itself, and the state it leaves (ids normalised). */
interface Operation<C> {
  readonly okStatus: number;
  setup(): Promise<C>;
  run(context: C): Promise<Answer>;
  view(context: C, answer: Answer): Promise<unknown>;
}

describe.each(stores)('crash points on %s', (storeName, env) => {
  const clock = new FakeClock(Date.UTC(2026, 10, 29, 9, 0, 0));
  let host: TestHost;
  let faults: FaultInjectingStore | undefined;
  let repository: SessionRepository;
  let index: SessionIndexRepository;
  let schedule: SessionScheduleRepository;
  let teacher: Person;
  let coTeacher: Person;
  let students: Person[];
  const tag = storeName.startsWith('SQLite') ? 'sq' : 'az';

  beforeAll(async () => {
    host = await startTestHost(
      { ...CLASS_ROLES, ...env() },
      {
        clock,
        logLevel: 'silent',
        wrapStore: (store) => (faults = new FaultInjectingStore(store)),
      },
    );
    repository = new SessionRepository(host.services.store);
    index = new SessionIndexRepository(host.services.store);
    schedule = new SessionScheduleRepository(host.services.store);
    teacher = await signInPerson(host, `crash.${tag}.owner@staff.example.edu`);
    coTeacher = await signInPerson(host, `crash.${tag}.co@staff.example.edu`);
    students = [];
    for (let i = 0; i < 3; i++) students.push(await signInPerson(host, `crash.${tag}.s${i}@students.example.edu`));
  });

  afterAll(() => host.close());

  const store = () => {
    if (!faults) throw new Error('the store was not wrapped');
    return faults;
  };

  /** Replaces a session's id (and join code) in `value` so runs on different sessions compare equal. */
  /**
   * `value` without what differs between equal states: the session's id and join code, and attendance rows'
   * `version` (it counts writes, and a retry after a crash writes again).
   */
  function normalise(value: unknown, session: Pick<Session, 'id'> & { joinCode?: string }): unknown {
    let text = JSON.stringify(value).replaceAll(session.id, 'SESSION');
    if (session.joinCode) text = text.replaceAll(session.joinCode, 'JOINCODE');
    return JSON.parse(text, (key, field: unknown) => (key === 'version' ? undefined : field)) as unknown;
  }

  const listOf = async (who: Person) =>
    ((await api(host, who, 'GET', 'sessions')).json as { sessions: { id: string; yourRole: string }[] }).sessions.map(
      (s) => `${s.id}:${s.yourRole}`,
    );
  const startedSession = (overrides = {}) =>
    createSession(host, teacher, buildSession(clock.now() - 60_000, { title: 'Crash course', ...overrides }));

  /**
   * Runs `op` once uninterrupted (counting its writes), then once per write with a crash before that write
   * followed by a retry, and checks every retry converged to the uninterrupted state.
   */
  async function convergesAfterEveryCrash<C>(op: Operation<C>): Promise<number> {
    // Warm-up: users and tables the operation creates on first use exist from now on in every run.
    await op.run(await op.setup());
    const reference = await op.setup();
    store().arm();
    const answer = await op.run(reference);
    const writes = store().disarm();
    expect(answer.status, JSON.stringify(answer.json)).toBe(op.okStatus);
    const expected = await op.view(reference, answer);
    expect(writes, 'a multi-write operation').toBeGreaterThan(1);
    for (let crashAt = 0; crashAt < writes; crashAt++) {
      const context = await op.setup();
      store().arm(crashAt);
      const crashed = await op.run(context);
      store().disarm();
      expect([crashed.status, crashed.json], `crash before write ${crashAt}`).toMatchObject([
        503,
        { error: { code: 'DEPENDENCY_UNAVAILABLE' } },
      ]);
      const retried = await op.run(context);
      expect(retried.status, `retry after a crash before write ${crashAt}: ${JSON.stringify(retried.json)}`).toBe(
        op.okStatus,
      );
      expect(await op.view(context, retried), `state after a crash before write ${crashAt} and a retry`).toEqual(
        expected,
      );
    }
    return writes;
  }

  it('create with an Idempotency-Key (roster, index, start timer)', async () => {
    const roster = students.map((s, i) => ({ email: s.email, name: `Student ${i}` }));
    const writes = await convergesAfterEveryCrash<{ key: string; before: number }>({
      okStatus: 201,
      setup: async () => ({ key: randomBytes(12).toString('base64url'), before: (await listOf(teacher)).length }),
      run: async ({ key }) => {
        const response = await host.fetch('/api/sessions', {
          method: 'POST',
          headers: { ...bearer(teacher.token), ...JSON_HEADERS, 'Idempotency-Key': key },
          body: JSON.stringify(buildSession(clock.now() + 3_600_000, { title: 'Crash course', roster })),
        });
        return { status: response.status, json: await response.json() };
      },
      view: async ({ before }, answer) => {
        const session = SessionSchema.parse(answer.json);
        const startMs = Date.parse(session.startAt);
        return normalise(
          {
            answer: session,
            read: (await api(host, teacher, 'GET', `sessions/${session.id}`)).json,
            listed: (await listOf(teacher)).filter((entry) => entry.startsWith(session.id)),
            // One session per key: a retry never leaves a second one behind.
            created: (await listOf(teacher)).length - before,
            attendance: (await api(host, teacher, 'GET', `sessions/${session.id}/attendance`)).json,
            startTimer: (await schedule.dueToStart(startMs)).includes(session.id),
          },
          session,
        );
      },
    });
    expect(writes).toBeGreaterThanOrEqual(3);
  });

  it("join (attendance row, the student's index row)", async () => {
    const [student] = students as [Person];
    await convergesAfterEveryCrash<Session>({
      okStatus: 200,
      setup: () => startedSession(),
      run: (session) => api(host, student, 'POST', `sessions/${session.id}/join`, { joinCode: session.joinCode }),
      view: async (session, answer) =>
        normalise(
          {
            answer: answer.json,
            listed: (await listOf(student)).filter((entry) => entry.startsWith(session.id)),
            me: (await api(host, student, 'GET', `sessions/${session.id}/me`)).json,
            rows: (await api(host, teacher, 'GET', `sessions/${session.id}/attendance`)).json,
          },
          session,
        ),
    });
  });

  const coTeacherView = async (session: Session) =>
    normalise(
      {
        coTeachers: SessionSchema.parse((await api(host, teacher, 'GET', `sessions/${session.id}`)).json).coTeachers,
        listed: (await listOf(coTeacher)).filter((entry) => entry.startsWith(session.id)),
        read: (await api(host, coTeacher, 'GET', `sessions/${session.id}`)).status,
      },
      session,
    );

  it('add a co-teacher (session row, their index row)', async () => {
    await convergesAfterEveryCrash<Session>({
      okStatus: 200,
      setup: () => startedSession(),
      run: (session) => api(host, teacher, 'POST', `sessions/${session.id}/co-teachers`, { email: coTeacher.email }),
      view: (session) => coTeacherView(session),
    });
  });

  it('remove a co-teacher (their index row, session row)', async () => {
    await convergesAfterEveryCrash<Session>({
      okStatus: 204,
      setup: async () => {
        const session = await startedSession();
        const added = await api(host, teacher, 'POST', `sessions/${session.id}/co-teachers`, {
          email: coTeacher.email,
        });
        expect(added.status).toBe(200);
        return session;
      },
      run: (session) => api(host, teacher, 'DELETE', `sessions/${session.id}/co-teachers/${coTeacher.email}`),
      view: (session) => coTeacherView(session),
    });
  });

  it('replace a roster of 150 (two groups of 100 rows, the roster count)', async () => {
    const roster = Array.from({ length: 150 }, (_, i) => `crash.${tag}.roster${i}@students.example.edu`);
    await convergesAfterEveryCrash<Session>({
      okStatus: 200,
      setup: () => startedSession(),
      run: (session) => api(host, teacher, 'PUT', `sessions/${session.id}/roster`, { entries: roster }),
      view: async (session, answer) =>
        normalise(
          {
            answer: answer.json,
            rosterCount: SessionSchema.parse((await api(host, teacher, 'GET', `sessions/${session.id}`)).json)
              .rosterCount,
            rows: (await api(host, teacher, 'GET', `sessions/${session.id}/attendance`)).json,
          },
          session,
        ),
    });
  });

  /** A started class: roster, three students joined and online, a co-teacher, one entry chain. */
  async function runningClass(): Promise<Session> {
    const session = await startedSession({ roster: students.map((s) => s.email) });
    await joinAll(host, session, students);
    await heartbeatAll(host, session, students);
    expect(
      (await api(host, teacher, 'POST', `sessions/${session.id}/co-teachers`, { email: coTeacher.email })).status,
    ).toBe(200);
    const chains = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
    expect(chains.status).toBe(201);
    return session;
  }

  it('end (session row, chains closed, statuses frozen, off the clock)', async () => {
    await convergesAfterEveryCrash<Session>({
      okStatus: 200,
      setup: runningClass,
      run: (session) => api(host, teacher, 'POST', `sessions/${session.id}/end`),
      view: async (session, answer) => {
        const chains = (await api(host, teacher, 'GET', `sessions/${session.id}/chains`)).json as {
          chains: { state: string; length: number }[];
        };
        return normalise(
          {
            status: (answer.json as { status: string }).status,
            chains: chains.chains.map((c) => [c.state, c.length]),
            attendance: (await api(host, teacher, 'GET', `sessions/${session.id}/attendance`)).json,
            frozen: (await repository.listAttendance(session.id)).map((row) => row.value.frozenFinal),
            active: (await schedule.activeSessions()).includes(session.id),
          },
          session,
        );
      },
    });
  });

  it("delete (everyone's index rows, the clock, every row of the session, the session row last)", async () => {
    await convergesAfterEveryCrash<Session>({
      okStatus: 204,
      setup: runningClass,
      run: (session) => api(host, teacher, 'DELETE', `sessions/${session.id}`),
      view: async (session) => {
        const people = [teacher, coTeacher, ...students];
        return {
          read: (await api(host, teacher, 'GET', `sessions/${session.id}`)).status,
          listed: (await Promise.all(people.map(listOf))).flat().filter((entry) => entry.startsWith(session.id)),
          index: (await Promise.all(people.map((p) => index.list(p.id))))
            .flat()
            .filter((row) => row.sessionId === session.id),
          rows: await repository
            .snapshot(session.id)
            .then((all) => [all.attendance.length, all.chains.length, all.roster.length, all.events.length]),
          meta: (await repository.getSession(session.id)) !== undefined,
          active: (await schedule.activeSessions()).includes(session.id),
        };
      },
    });
  });
});
