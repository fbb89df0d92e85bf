// Authorization over the whole route table: every route, called as each kind of caller, answers as its row
// says. A route without a row fails this test (and does not compile).
import { ErrorBodySchema, routePath, routes, type RouteName } from '@qrca/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, JSON_HEADERS, signIn } from '../test-support/sign-in';
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

interface Row {
  readonly expect: Record<Who, Outcome>;
  /** Path parameters (default none). */
  readonly params?: (who: Who) => Record<string, string>;
  /** JSON body (default none). */
  readonly body?: (who: Who) => unknown;
  /** Runs before each call, as the admin (e.g. to create what the call removes). */
  readonly setup?: (who: Who, asAdmin: (path: string, init: RequestInit) => Promise<Response>) => Promise<void>;
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

const matrix = {
  health: { expect: everyone(200) },
  devOutbox: { expect: everyone(200) },
  authCode: { expect: everyone(202), body: (who) => ({ email: `code.${who}@students.example.edu` }) },
  authVerify: {
    expect: everyone({ status: 401, code: 'CODE_INVALID' }),
    body: (who) => ({ email: `code.${who}@students.example.edu`, code: '000000' }),
  },
  authMe: { expect: signedIn(200) },
  authLogout: { expect: signedIn(204) },
  adminTeachersList: { expect: adminOnly(200) },
  adminTeachersAdd: { expect: adminOnly(201), body: (who) => ({ email: listed(who) }) },
  adminTeachersRemove: {
    expect: adminOnly(204),
    params: (who) => ({ email: listed(who) }),
    setup: async (who, asAdmin) => {
      const added = await asAdmin('/api/admin/teachers', {
        method: 'POST',
        body: JSON.stringify({ email: listed(who) }),
      });
      expect(added.status).toBe(201);
    },
  },
} satisfies Record<RouteName, Row>;

let host: TestHost;
const tokens = new Map<Who, string>();

beforeAll(async () => {
  host = await startTestHost(
    {
      TEACHER_EMAIL_DOMAINS: 'staff.example.edu',
      STUDENT_EMAIL_DOMAINS: 'students.example.edu',
      ADMIN_EMAILS: EMAILS.admin,
    },
    { logLevel: 'silent' },
  );
  for (const [who, email] of Object.entries(EMAILS)) tokens.set(who as Who, (await signIn(host, email)).token);
});

afterAll(() => host.close());

async function call(name: RouteName, who: Who): Promise<Response> {
  const def = routes[name];
  const row: Row = matrix[name];
  const admin = tokens.get('admin') ?? '';
  await row.setup?.(who, (path, init) => host.fetch(path, { ...init, headers: { ...JSON_HEADERS, ...bearer(admin) } }));
  const token = tokens.get(who);
  const body = row.body?.(who);
  return host.fetch(`/api/${routePath(def.path, row.params?.(who) ?? {})}`, {
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
