// Authorization over the whole route table: every route, called as each kind of caller, answers as its row
// says. A route without a row fails this test (and does not compile).
import { ErrorBodySchema, routePath, routes, scanSignatureVectors, type RouteName, type Session } from '@qrca/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, buildSession, createSession, joinAll, signInPerson, type Person } from '../test-support/classroom';
import { bearer, JSON_HEADERS } from '../test-support/sign-in';
import { startTestHost, type TestHost } from '../test-support/test-host';

const CALLERS = ['anonymous', 'student', 'otherStudent', 'teacher', 'otherTeacher', 'admin'] as const;
type Who = (typeof CALLERS)[number];

const EMAILS: Record<Exclude<Who, 'anonymous'>, string> = {
  student: 'stu.one@students.example.edu',
  otherStudent: 'stu.two@students.example.edu',
  teacher: 'tea.one@staff.example.edu',
  otherTeacher: 'tea.two@staff.example.edu',
  admin: 'it@staff.example.edu',
};

/** Expected answer: a status, and for errors the code that tells authorization apart from other refusals. */
type Outcome = number | { status: number; code: string };

/** What a row may use: the session the student joined and the teacher owns, and helpers. */
interface Context {
  readonly session: Session;
  /** Another started session, joined by nobody yet (for joins). */
  readonly other: Session;
  readonly person: (who: Exclude<Who, 'anonymous'>) => Person;
  /** Calls the API as the admin (e.g. to create what the call removes). */
  readonly asAdmin: (path: string, init: RequestInit) => Promise<Response>;
  /** A fresh started session of the teacher, joined by the student (and others given), with a chain. */
  readonly sessionWithChain: (
    alsoJoin?: readonly Person[],
  ) => Promise<{ session: Session; chainId: string; holderId: string }>;
}

interface Row {
  readonly expect: Record<Who, Outcome>;
  /** Runs before each call and returns the path parameters (default none). */
  readonly setup?: (who: Who, ctx: Context) => Promise<Record<string, string>>;
  /** Path parameters (default none). */
  readonly params?: (who: Who, ctx: Context) => Record<string, string>;
  /** Query string without `?` (default none). */
  readonly query?: (who: Who, ctx: Context) => string;
  /** JSON body (default none). */
  readonly body?: (who: Who, ctx: Context, params: Record<string, string>) => unknown;
}

const UNAUTHENTICATED = { status: 401, code: 'UNAUTHENTICATED' };
const FORBIDDEN = { status: 403, code: 'FORBIDDEN' };
const everyone = (outcome: Outcome): Record<Who, Outcome> =>
  Object.fromEntries(CALLERS.map((who) => [who, outcome])) as Record<Who, Outcome>;
const signedIn = (outcome: Outcome): Record<Who, Outcome> => ({ ...everyone(outcome), anonymous: UNAUTHENTICATED });
const adminOnly = (outcome: Outcome): Record<Who, Outcome> => ({
  ...everyone(FORBIDDEN),
  anonymous: UNAUTHENTICATED,
  admin: outcome,
});
const listed = (who: Who) => `listed.${who}@students.example.edu`;
const NOT_FOUND = { status: 404, code: 'NOT_FOUND' };
/** Only the session's teacher (owner); other teachers and admins are told it does not exist. */
const sessionTeacher = (outcome: Outcome): Record<Who, Outcome> => ({
  anonymous: UNAUTHENTICATED,
  student: FORBIDDEN,
  otherStudent: FORBIDDEN,
  teacher: outcome,
  otherTeacher: NOT_FOUND,
  admin: NOT_FOUND,
});
/** Only the joined student. */
const joinedStudent = (outcome: Outcome): Record<Who, Outcome> => ({
  anonymous: UNAUTHENTICATED,
  student: outcome,
  otherStudent: NOT_FOUND,
  teacher: FORBIDDEN,
  otherTeacher: FORBIDDEN,
  admin: FORBIDDEN,
});
const sid = (_who: Who, ctx: Context) => ({ id: ctx.session.id });

const matrix = {
  health: { expect: everyone(200) },
  openapi: { expect: everyone(200) },
  devOutbox: { expect: everyone(200), query: (who) => `to=code.${who}@students.example.edu` },
  authCode: { expect: everyone(202), body: (who) => ({ email: `code.${who}@students.example.edu` }) },
  authVerify: {
    expect: everyone({ status: 401, code: 'CODE_INVALID' }),
    body: (who) => ({ email: `code.${who}@students.example.edu`, code: '000000' }),
  },
  authMe: { expect: signedIn(200) },
  authDevicesRegister: {
    expect: signedIn(200),
    body: () => ({ deviceKey: scanSignatureVectors[0]?.publicKey }),
  },
  authLogout: { expect: signedIn(204) },
  adminTeachersList: { expect: adminOnly(200) },
  adminTeachersAdd: { expect: adminOnly(201), body: (who) => ({ email: listed(who) }) },
  adminTeachersRemove: {
    expect: adminOnly(204),
    setup: async (who, ctx) => {
      const added = await ctx.asAdmin('/api/admin/teachers', {
        method: 'POST',
        body: JSON.stringify({ email: listed(who) }),
      });
      expect(added.status).toBe(201);
      return { email: listed(who) };
    },
  },
  sessionsCreate: {
    expect: { ...everyone(201), anonymous: UNAUTHENTICATED, student: FORBIDDEN, otherStudent: FORBIDDEN },
    body: () => buildSession(Date.now() + 3_600_000),
  },
  sessionsList: { expect: signedIn(200) },
  sessionsGet: { expect: { ...sessionTeacher(200), student: 200, otherStudent: NOT_FOUND }, params: sid },
  sessionsUpdate: { expect: sessionTeacher(200), params: sid, body: () => ({ title: 'Renamed' }) },
  sessionsStart: { expect: sessionTeacher(200), params: sid },
  sessionsEnd: {
    expect: sessionTeacher(200),
    setup: async (_who, ctx) => ({ id: (await ctx.sessionWithChain()).session.id }),
  },
  sessionsDelete: {
    expect: sessionTeacher(204),
    setup: async (_who, ctx) => ({ id: (await ctx.sessionWithChain()).session.id }),
  },
  rosterPut: {
    expect: sessionTeacher(200),
    params: sid,
    body: (_who, ctx) => ({ entries: [ctx.person('student').email] }),
  },
  coTeachersAdd: { expect: sessionTeacher(200), params: sid, body: () => ({ email: 'co.teacher@staff.example.edu' }) },
  coTeachersRemove: {
    expect: sessionTeacher(204),
    setup: async (_who, ctx) => {
      const { session } = await ctx.sessionWithChain();
      const added = await api(host, ctx.person('teacher'), 'POST', `sessions/${session.id}/co-teachers`, {
        email: 'co.teacher@staff.example.edu',
      });
      expect(added.status).toBe(200);
      return { id: session.id, email: 'co.teacher@staff.example.edu' };
    },
  },
  sessionsJoin: {
    expect: { ...everyone(FORBIDDEN), anonymous: UNAUTHENTICATED, student: 200, otherStudent: 200 },
    params: (_who, ctx) => ({ id: ctx.other.id }),
    body: (_who, ctx) => ({ joinCode: ctx.other.joinCode }),
  },
  sessionsHeartbeat: { expect: joinedStudent(204), params: sid },
  sessionsMe: { expect: joinedStudent(200), params: sid },
  chainsStart: {
    expect: sessionTeacher(201),
    setup: async (_who, ctx) => ({ id: (await ctx.sessionWithChain([ctx.person('otherStudent')])).session.id }),
    body: () => ({ phase: 'entry', count: 1 }),
  },
  chainsList: { expect: sessionTeacher(200), params: sid },
  chainsClose: {
    expect: sessionTeacher(200),
    setup: async (_who, ctx) => {
      const { session, chainId } = await ctx.sessionWithChain();
      return { id: session.id, chainId };
    },
  },
  chainsHand: {
    expect: sessionTeacher(200),
    setup: async (_who, ctx) => {
      const both = [ctx.person('student'), ctx.person('otherStudent')];
      const { session, chainId, holderId } = await ctx.sessionWithChain([ctx.person('otherStudent')]);
      const to = both.find((p) => p.id !== holderId)?.id ?? '';
      return { id: session.id, chainId, to };
    },
    body: (_who, _ctx, params) => ({ studentId: params.to }),
  },
  // Two joined (and so online) students: the one not holding takes the chain.
  chainsReseed: {
    expect: sessionTeacher(200),
    setup: async (_who, ctx) => {
      const { session, chainId } = await ctx.sessionWithChain([ctx.person('otherStudent')]);
      return { id: session.id, chainId };
    },
  },
  // A joined student gets past authorization to the payload check; anyone else does not.
  scansCreate: {
    expect: joinedStudent({ status: 422, code: 'INVALID_QR' }),
    params: sid,
    body: (who) => ({ scanId: `matrix-${who}-${Date.now()}`, payload: 'QRCA1.C.nope' }),
  },
  eventsList: { expect: sessionTeacher(200), params: sid },
  codesGet: { expect: sessionTeacher(200), params: (_who, ctx) => ({ id: ctx.session.id, kind: 'entry' }) },
  // On the other session, so that the shared one stays in on-time entry for the rows after.
  entryClose: { expect: sessionTeacher(200), params: (_who, ctx) => ({ id: ctx.other.id }) },
  earlyLeaveOpen: { expect: sessionTeacher(200), params: sid },
  earlyLeaveClose: { expect: sessionTeacher(200), params: sid },
  attendanceGet: { expect: sessionTeacher(200), params: sid },
  attendanceOverride: {
    expect: sessionTeacher(200),
    params: (_who, ctx) => ({ id: ctx.session.id, studentId: ctx.person('student').id }),
    body: () => ({ final: 'present', reason: 'Matrix check' }),
  },
  spotChecksStart: { expect: sessionTeacher(201), params: sid, body: () => ({ count: 2 }) },
  // The teacher picks the student (verified by closing their chain); then each caller answers.
  spotChecksAnswer: {
    expect: sessionTeacher(200),
    setup: async (_who, ctx) => {
      const teacher = ctx.person('teacher');
      const { session, chainId } = await ctx.sessionWithChain();
      expect((await api(host, teacher, 'POST', `sessions/${session.id}/chains/${chainId}/close`)).status).toBe(200);
      const started = await api(host, teacher, 'POST', `sessions/${session.id}/spot-checks`, { count: 1 });
      const { spotCheckId } = started.json as { spotCheckId: string };
      return { id: session.id, spotCheckId };
    },
    body: (_who, ctx) => ({ studentId: ctx.person('student').id, answer: 'here' }),
  },
  insightsGet: { expect: sessionTeacher(200), params: sid },
  exportGet: { expect: sessionTeacher(200), params: sid },
  // Teachers get the dashboard's connection, the joined student their own; nobody else learns of the session.
  negotiate: {
    expect: { ...sessionTeacher(200), student: 200, otherStudent: NOT_FOUND },
    query: (_who, ctx) => `sessionId=${ctx.session.id}`,
  },
} satisfies Record<RouteName, Row>;

let host: TestHost;
const people = new Map<Who, Person>();
let ctx: Context;

beforeAll(async () => {
  host = await startTestHost(
    {
      TEACHER_EMAIL_DOMAINS: 'staff.example.edu',
      STUDENT_EMAIL_DOMAINS: 'students.example.edu',
      ADMIN_EMAILS: EMAILS.admin,
    },
    { logLevel: 'silent', realtime: true },
  );
  for (const [who, email] of Object.entries(EMAILS)) people.set(who as Who, await signInPerson(host, email));
  const person = (who: Exclude<Who, 'anonymous'>) => people.get(who) as Person;
  const teacher = person('teacher');
  const student = person('student');
  const session = await createSession(host, teacher, buildSession(Date.now() - 60_000, { entryMethod: 'both' }));
  await joinAll(host, session, [student]);
  const other = await createSession(host, teacher, buildSession(Date.now() - 60_000));
  ctx = {
    session,
    other,
    person,
    asAdmin: (path, init) =>
      host.fetch(path, { ...init, headers: { ...JSON_HEADERS, ...bearer(person('admin').token) } }),
    sessionWithChain: async (alsoJoin = []) => {
      const fresh = await createSession(host, teacher, buildSession(Date.now() - 60_000));
      await joinAll(host, fresh, [student, ...alsoJoin]);
      const started = await api(host, teacher, 'POST', `sessions/${fresh.id}/chains`, { phase: 'entry', count: 1 });
      const chain = (started.json as { chains: { chainId: string; holderId: string }[] }).chains[0];
      if (!chain) throw new Error(`no chain: ${JSON.stringify(started.json)}`);
      return { session: fresh, chainId: chain.chainId, holderId: chain.holderId };
    },
  };
});

afterAll(() => host.close());

async function call(name: RouteName, who: Who): Promise<Response> {
  const def = routes[name];
  const row: Row = matrix[name];
  const params = (await row.setup?.(who, ctx)) ?? row.params?.(who, ctx) ?? {};
  const token = people.get(who)?.token;
  const body = row.body?.(who, ctx, params);
  const query = row.query ? `?${row.query(who, ctx)}` : '';
  return host.fetch(`/api/${routePath(def.path, params)}${query}`, {
    method: def.method,
    headers: { ...(token ? bearer(token) : {}), ...(body === undefined ? {} : JSON_HEADERS) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('authorization matrix', () => {
  it('has a row for every route in the route table', () => {
    expect(Object.keys(matrix).sort()).toEqual(Object.keys(routes).sort());
  });

  // Logout revokes the caller's token, so it runs last.
  const order = (Object.keys(matrix) as RouteName[]).sort(
    (a, b) => Number(a === 'authLogout') - Number(b === 'authLogout'),
  );
  for (const name of order) {
    it.each(CALLERS)(`${name} as %s`, async (who) => {
      const expected: Outcome = matrix[name].expect[who];
      const response = await call(name, who);
      const status = typeof expected === 'number' ? expected : expected.status;
      expect(response.status, await response.clone().text()).toBe(status);
      if (typeof expected !== 'number') {
        expect(ErrorBodySchema.parse(await response.json()).error.code).toBe(expected.code);
      }
    });
  }
});
