// The running server keeps to its OpenAPI document: a small class driven over real HTTP (sign-in, admin, a
// session created, started, joined, chains, scans, projector codes, attendance, export, refusals), every answer's
// status, content type and body checked against what GET /api/openapi.json says of that route; every route
// must answer at least one documented success.
import { routes, scanSignatureVectors, type Hold, type Session } from '@qrca/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildSession,
  CLASS_ROLES,
  holderQr,
  newScanId,
  signInPerson,
  signInStudents,
  type Person,
} from '../test-support/classroom';
import { OpenApiChecker } from '../test-support/openapi-check';
import { bearer } from '../test-support/sign-in';
import { startTestHost, type TestHost } from '../test-support/test-host';
import { buildOpenApiDocument } from './openapi-document';

let host: TestHost;
let checker: OpenApiChecker;
/** `operationId status` of every answer checked. */
const seen = new Set<string>();

interface Call {
  /** JSON body. */
  readonly body?: unknown;
  /** A raw body with its content type. */
  readonly raw?: { readonly type: string; readonly text: string };
  readonly headers?: Record<string, string>;
}

interface Checked {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly json: unknown;
}

/**
 * Calls the API as `person` (or anonymously) and checks the answer against the document.
 * @throws Error when the answer breaks the document or its status is not `expected`.
 */
async function call(
  person: Person | undefined,
  method: string,
  path: string,
  expected: number,
  init: Call = {},
): Promise<Checked> {
  const headers: Record<string, string> = { ...(person ? bearer(person.token) : {}), ...init.headers };
  let body: string | undefined;
  if (init.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(init.body);
  } else if (init.raw) {
    headers['content-type'] = init.raw.type;
    body = init.raw.text;
  }
  const response = await host.fetch(`/api/${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
  const text = await response.text();
  const pathname = new URL(`/api/${path}`, 'http://x').pathname;
  const operationId = checker.check(method, pathname, {
    status: response.status,
    contentType: response.headers.get('content-type'),
    text,
  });
  seen.add(`${operationId} ${response.status}`);
  expect(response.status, `${method} /api/${path}: ${text.slice(0, 300)}`).toBe(expected);
  const json: unknown = response.headers.get('content-type')?.startsWith('application/json')
    ? JSON.parse(text)
    : undefined;
  return { status: response.status, headers: response.headers, text, json };
}

const errorCode = (answer: Checked) => (answer.json as { error?: { code?: string } }).error?.code;

let admin: Person;
let teacher: Person;
let students: Person[];
let session: Session;

beforeAll(async () => {
  host = await startTestHost({ ...CLASS_ROLES }, { logLevel: 'silent', realtime: true });
  // The document as served: what clients read is what the answers are held to.
  const served = await host.fetch('/api/openapi.json');
  checker = new OpenApiChecker((await served.json()) as ConstructorParameters<typeof OpenApiChecker>[0]);
  admin = await signInPerson(host, CLASS_ROLES.ADMIN_EMAILS);
  students = await signInStudents(host, 4);
});
afterAll(() => host.close());

describe('answers against the OpenAPI document', () => {
  it('serves the document built from the contract, cacheable, and 304 for a current copy', async () => {
    const answer = await call(undefined, 'GET', 'openapi.json', 200);
    expect(answer.json).toEqual(buildOpenApiDocument());
    expect(answer.headers.get('cache-control')).toMatch(/public/);
    const etag = answer.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[\w-]+"$/);
    await call(undefined, 'GET', 'openapi.json', 304, { headers: { 'if-none-match': etag } });
    await call(undefined, 'GET', 'openapi.json', 200, { headers: { 'if-none-match': '"stale"' } });
    await call(undefined, 'GET', 'health', 200);
  });

  it('signs in by email code, refusing what it should', async () => {
    const email = 'grace@staff.example.edu';
    await call(undefined, 'GET', 'auth/me', 401);
    expect(errorCode(await call(undefined, 'POST', 'auth/code', 403, { body: { email: 'x@elsewhere.example' } }))).toBe(
      'DOMAIN_NOT_ALLOWED',
    );
    await call(undefined, 'POST', 'auth/code', 400, { body: { email: 'not an email' } });
    await call(undefined, 'POST', 'auth/code', 415, { raw: { type: 'text/plain', text: email } });
    await call(undefined, 'POST', 'auth/code', 202, { body: { email } });
    await call(undefined, 'GET', 'dev/outbox', 400);
    const outbox = await call(undefined, 'GET', `dev/outbox?to=${encodeURIComponent(email)}`, 200);
    const code = (outbox.json as { messages: { code: string }[] }).messages[0]?.code ?? '';
    const wrong = code === '000000' ? '111111' : '000000';
    expect(errorCode(await call(undefined, 'POST', 'auth/verify', 401, { body: { email, code: wrong } }))).toBe(
      'CODE_INVALID',
    );
    const verified = await call(undefined, 'POST', 'auth/verify', 200, { body: { email, code } });
    expect(verified.headers.get('set-cookie')).toMatch(/^qrca_session=/);
    const { token, user } = verified.json as { token: string; user: { id: string } };
    teacher = { id: user.id, email, token };
    await call(teacher, 'GET', 'auth/me', 200);
    // A device key registered after sign-in; its id comes back (`device.id` of signed scans).
    const { publicKey, deviceId } = scanSignatureVectors[0] ?? expect.fail('no vector');
    await call(undefined, 'POST', 'auth/devices', 401, { body: { deviceKey: publicKey } });
    await call(teacher, 'POST', 'auth/devices', 400, { body: { deviceKey: { ...publicKey, crv: 'P-384' } } });
    const device = await call(teacher, 'POST', 'auth/devices', 200, { body: { deviceKey: publicKey } });
    expect(device.json).toEqual({ deviceId });
  });

  it('keeps the teacher allow-list for admins only', async () => {
    await call(teacher, 'GET', 'admin/teachers', 403);
    await call(admin, 'GET', 'admin/teachers', 200);
    await call(admin, 'POST', 'admin/teachers', 201, { body: { email: 'visiting@elsewhere.example' } });
    await call(admin, 'DELETE', `admin/teachers/${encodeURIComponent('visiting@elsewhere.example')}`, 204);
    await call(admin, 'DELETE', `admin/teachers/${encodeURIComponent('visiting@elsewhere.example')}`, 404);
    await call(admin, 'DELETE', 'admin/teachers/not-an-email', 400);
  });

  it('creates, changes and shares a session', async () => {
    const body = buildSession(Date.now() - 60_000, { entryMethod: 'both' });
    await call(undefined, 'POST', 'sessions', 401, { body });
    await call(students[0], 'POST', 'sessions', 403, { body });
    await call(teacher, 'POST', 'sessions', 400, { body: { ...body, title: '' } });
    await call(teacher, 'POST', 'sessions', 413, { body: { ...body, title: 'x'.repeat(600 * 1024) } });
    const key = { 'idempotency-key': 'conformance-create-1' };
    const created = await call(teacher, 'POST', 'sessions', 201, { body, headers: key });
    const again = await call(teacher, 'POST', 'sessions', 201, { body, headers: key });
    session = created.json as Session;
    expect((again.json as Session).id).toBe(session.id);
    await call(teacher, 'POST', 'sessions', 400, { body, headers: { 'idempotency-key': 'short' } });

    await call(teacher, 'GET', 'sessions', 200);
    await call(teacher, 'GET', `sessions/${session.id}`, 200);
    await call(teacher, 'GET', 'sessions/no-such-session', 404);
    await call(teacher, 'GET', 'sessions/not%20an%20id', 404);
    await call(teacher, 'PATCH', `sessions/${session.id}`, 200, { body: { title: 'Algorithms 101 (room 2)' } });
    await call(teacher, 'PATCH', `sessions/${session.id}`, 400, { body: {} });
    const emails = students.map((s) => s.email);
    await call(teacher, 'PUT', `sessions/${session.id}/roster`, 200, { body: { entries: emails.slice(0, 2) } });
    const csv = `name,email\n${students.map((s, i) => `Student ${i},${s.email}`).join('\n')}\n`;
    const roster = await call(teacher, 'PUT', `sessions/${session.id}/roster`, 200, {
      raw: { type: 'text/csv', text: csv },
    });
    expect(roster.json).toEqual({ count: students.length });
    await call(teacher, 'PUT', `sessions/${session.id}/roster`, 415, { raw: { type: 'text/plain', text: csv } });
    const coTeacher = 'ada@staff.example.edu';
    await call(teacher, 'POST', `sessions/${session.id}/co-teachers`, 200, { body: { email: coTeacher } });
    await call(teacher, 'POST', `sessions/${session.id}/co-teachers`, 400, { body: { email: students[0]?.email } });
    await call(teacher, 'DELETE', `sessions/${session.id}/co-teachers/${encodeURIComponent(coTeacher)}`, 204);
    await call(teacher, 'DELETE', `sessions/${session.id}/co-teachers/${encodeURIComponent(coTeacher)}`, 404);
    session = (await call(teacher, 'POST', `sessions/${session.id}/start`, 200)).json as Session;
  });

  it('lets students join, beat and see their own status', async () => {
    await call(students[0], 'POST', `sessions/${session.id}/join`, 404, { body: { joinCode: 'WRONGCODE' } });
    for (const student of students) {
      await call(student, 'POST', `sessions/${session.id}/join`, 200, { body: { joinCode: session.joinCode } });
    }
    await call(teacher, 'POST', `sessions/${session.id}/join`, 403, { body: { joinCode: session.joinCode } });
    const view = await call(students[0], 'GET', `sessions/${session.id}`, 200);
    expect(view.json).toMatchObject({ yourRole: 'student' });
    await call(students[0], 'GET', 'sessions', 200);
    for (const student of students) await call(student, 'POST', `sessions/${session.id}/heartbeat`, 204);
    await call(students[0], 'GET', `sessions/${session.id}/me`, 200);
    await call(teacher, 'GET', `sessions/${session.id}/me`, 403);
  });

  it('runs a chain: start, a scan, hand, reseed, close; refuses a bad scan', async () => {
    await call(teacher, 'POST', `sessions/${session.id}/chains`, 400, { body: { phase: 'entry', count: 0 } });
    const started = await call(teacher, 'POST', `sessions/${session.id}/chains`, 201, {
      body: { phase: 'entry', count: 1 },
    });
    const chain = (started.json as { chains: { chainId: string; holderId: string }[] }).chains[0];
    if (!chain) throw new Error('no chain started');
    await call(teacher, 'GET', `sessions/${session.id}/chains`, 200);
    const holder = students.find((s) => s.id === chain.holderId) as Person;
    const [scanner, third] = students.filter((s) => s !== holder);
    if (!scanner || !third) throw new Error('too few students');
    const mine = await call(holder, 'GET', `sessions/${session.id}/me`, 200);
    const hold = (mine.json as { hold: Hold | null }).hold;
    if (!hold) throw new Error('the holder holds nothing');
    const qr = await holderQr(session, hold, Date.now());
    const scanned = await call(scanner, 'POST', `sessions/${session.id}/scans`, 200, {
      body: { scanId: newScanId(), payload: qr },
    });
    expect(scanned.json).toMatchObject({ outcome: 'verified_holder', youAreHolder: true });
    const refused = await call(third, 'POST', `sessions/${session.id}/scans`, 422, {
      body: { scanId: newScanId(), payload: 'QRCA1.C.nope' },
    });
    expect(errorCode(refused)).toBe('INVALID_QR');
    await call(third, 'POST', `sessions/${session.id}/scans`, 400, { body: { scanId: 'x', payload: qr } });

    const base = `sessions/${session.id}/chains/${chain.chainId}`;
    await call(teacher, 'POST', `${base}/holder`, 200, { body: { studentId: third.id } });
    await call(teacher, 'POST', `${base}/holder`, 404, { body: { studentId: 'nobody-here' } });
    await call(teacher, 'POST', `${base}/reseed`, 200);
    await call(teacher, 'POST', `sessions/${session.id}/chains/no-such-chain/close`, 404);
    await call(teacher, 'POST', `${base}/close`, 200);
  });

  it('shows projector codes and runs the phases', async () => {
    await call(teacher, 'GET', `sessions/${session.id}/codes/entry`, 200);
    expect(errorCode(await call(teacher, 'GET', `sessions/${session.id}/codes/exit`, 422))).toBe('WRONG_PHASE');
    await call(teacher, 'GET', `sessions/${session.id}/codes/bogus`, 400);
    await call(students[0], 'GET', `sessions/${session.id}/codes/entry`, 403);
    await call(teacher, 'POST', `sessions/${session.id}/entry/close`, 200);
    await call(teacher, 'GET', `sessions/${session.id}/codes/late`, 200);
    await call(teacher, 'POST', `sessions/${session.id}/early-leave/open`, 200);
    await call(teacher, 'POST', `sessions/${session.id}/early-leave/close`, 200);
  });

  it('lists, overrides and exports attendance, and the audit log', async () => {
    const student = students[3] as Person;
    await call(teacher, 'GET', `sessions/${session.id}/attendance`, 200);
    await call(teacher, 'PUT', `sessions/${session.id}/attendance/${student.id}/override`, 200, {
      body: { final: 'present', reason: 'Was at the front desk' },
    });
    await call(teacher, 'PUT', `sessions/${session.id}/attendance/${student.id}/override`, 400, {
      body: { final: 'asleep', reason: 'no' },
    });
    const spotChecks = `sessions/${session.id}/spot-checks`;
    await call(teacher, 'POST', spotChecks, 400, { body: { count: 0 } });
    const spot = await call(teacher, 'POST', spotChecks, 201, { body: { count: 20 } });
    const { spotCheckId, students: picked } = spot.json as { spotCheckId: string; students: { studentId: string }[] };
    const first = picked[0];
    if (!first) throw new Error('nobody picked for the spot check');
    const answers = `${spotChecks}/${spotCheckId}/answers`;
    await call(teacher, 'POST', answers, 200, { body: { studentId: first.studentId, answer: 'here' } });
    await call(teacher, 'POST', answers, 404, { body: { studentId: 'nobody-here', answer: 'here' } });
    await call(teacher, 'POST', answers, 400, { body: { studentId: first.studentId, answer: 'maybe' } });
    const csv = await call(teacher, 'GET', `sessions/${session.id}/export`, 200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment/);
    const json = await call(teacher, 'GET', `sessions/${session.id}/export?format=json`, 200);
    expect((json.json as { rows: unknown[] }).rows).toHaveLength(students.length);
    await call(teacher, 'GET', `sessions/${session.id}/export?format=xml`, 400);
    await call(teacher, 'GET', `sessions/${session.id}/insights`, 200);
    await call(students[0], 'GET', `sessions/${session.id}/insights`, 403);
    await call(teacher, 'GET', `sessions/${session.id}/events`, 200);
    await call(teacher, 'GET', `sessions/${session.id}/events?cursor=not-our-cursor`, 400);
  });

  it('negotiates a real-time connection for those who may listen', async () => {
    await call(teacher, 'POST', `negotiate?sessionId=${session.id}`, 200);
    await call(students[0], 'POST', `negotiate?sessionId=${session.id}&view=student`, 200);
    await call(teacher, 'POST', 'negotiate?sessionId=no-such-session', 404);
    await call(teacher, 'POST', 'negotiate', 400);
  });

  it('ends and deletes sessions; refuses work on an ended one', async () => {
    await call(teacher, 'POST', `sessions/${session.id}/end`, 200);
    const late = await call(students[1], 'POST', `sessions/${session.id}/scans`, 422, {
      body: { scanId: newScanId(), payload: 'QRCA1.C.nope' },
    });
    expect(errorCode(late)).toBe('SESSION_ENDED');
    await call(students[1], 'POST', `sessions/${session.id}/heartbeat`, 422);
    await call(teacher, 'PATCH', `sessions/${session.id}`, 422, { body: { title: 'Too late' } });
    await call(teacher, 'POST', `sessions/${session.id}/early-leave/open`, 422);
    const spare = (await call(teacher, 'POST', 'sessions', 201, { body: buildSession(Date.now() + 3_600_000) }))
      .json as Session;
    await call(students[0], 'DELETE', `sessions/${spare.id}`, 403);
    await call(teacher, 'DELETE', `sessions/${spare.id}`, 204);
    await call(teacher, 'DELETE', `sessions/${spare.id}`, 404);
  });

  it('signs out for good', async () => {
    await call(teacher, 'POST', 'auth/logout', 204);
    await call(teacher, 'GET', 'auth/me', 401);
  });

  it('answered every route of the route table with a documented success', () => {
    const succeeded = new Set([...seen].filter((s) => Number(s.split(' ')[1]) < 400).map((s) => s.split(' ')[0]));
    const missing = Object.values(routes)
      .map((def) => def.name)
      .filter((name) => !succeeded.has(name));
    expect(missing).toEqual([]);
    // Refusals too: at least one answer for each of these statuses was held to the document.
    const statuses = new Set([...seen].map((s) => Number(s.split(' ')[1])));
    for (const status of [304, 400, 401, 403, 404, 413, 415, 422]) expect(statuses, String(status)).toContain(status);
  });
});
