// Reproducers from hostile black-box testing (issue: "one request must never take the server down"): each
// request gets a clear 4xx or its correct answer, and the host keeps answering afterwards.
import { ErrorBodySchema, type Session } from '@qrca/contract';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  buildSession,
  CLASS_ROLES,
  createSession,
  joinAll,
  signInPerson,
  type Person,
} from '../test-support/classroom';
import { bearer, JSON_HEADERS } from '../test-support/sign-in';
import { SessionRepository } from '../repositories/session.repository';
import { startTestHost, type TestHost } from '../test-support/test-host';
import { cacheKeys } from '../utils/cache';

let host: TestHost;
let teacher: Person;
let admin: Person;
let student: Person;
let session: Session;

beforeAll(async () => {
  host = await startTestHost(CLASS_ROLES, { logLevel: 'silent' });
  teacher = await signInPerson(host, 'hostile.teacher@staff.example.edu');
  admin = await signInPerson(host, CLASS_ROLES.ADMIN_EMAILS);
  student = await signInPerson(host, 'hostile.student@students.example.edu');
  session = await createSession(host, teacher, buildSession(Date.now() - 60_000));
  await joinAll(host, session, [student]);
});

afterAll(() => host.close());

/** Sends `head` (request line and headers, no final blank line) over a raw socket; resolves the status. */
function rawRequest(head: string): Promise<{ status: number; body: string }> {
  const { port, hostname } = new URL(host.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(`${head}\r\nConnection: close\r\n\r\n`));
    let text = '';
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      resolve({ status, body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    });
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
  });
}

async function expectStillUp(): Promise<void> {
  expect((await host.fetch('/api/health')).status).toBe(200);
}

describe('the Host header and the request target', () => {
  it.each(['a b', 'a%b', '[', 'a^b', 'a|b', 'x:99999999', 'a/b', '', 'host:'])(
    'Host %j gets 400 with an error body, and the host keeps answering',
    async (value) => {
      const answer = await rawRequest(`GET /api/health HTTP/1.1\r\nHost: ${value}`);
      expect(answer.status).toBe(400);
      if (answer.body) expect(ErrorBodySchema.safeParse(JSON.parse(answer.body)).success).toBe(true);
      await expectStillUp();
    },
  );

  it('answers a normal Host and an absolute-form target as usual', async () => {
    expect((await rawRequest('GET /api/health HTTP/1.1\r\nHost: 127.0.0.1:7071')).status).toBe(200);
    expect((await rawRequest('GET http://example.test/api/health HTTP/1.1\r\nHost: example.test')).status).toBe(200);
    expect((await rawRequest('GET //evil/api/health HTTP/1.1\r\nHost: example.test')).status).toBe(400);
  });
});

describe("what Node's HTTP layer refuses, answered in the catalogue's shape", () => {
  const cases: [string, string, number, string][] = [
    ['no Host header', 'GET /api/health HTTP/1.1', 200, ''],
    [
      'headers over 16 KiB',
      `GET /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'v'.repeat(20_000)}`,
      431,
      'HEADERS_TOO_LARGE',
    ],
    ['an unknown method', 'FOO /api/health HTTP/1.1\r\nHost: x', 400, 'VALIDATION_FAILED'],
    // HEAD: the same refusal, without a body (a body would be read as the next answer).
    ['HEAD with headers over 16 KiB', `HEAD /api/health HTTP/1.1\r\nHost: x\r\nX-Big: ${'v'.repeat(20_000)}`, 431, ''],
    ['a raw space in the target', 'GET /api/sessions/a b HTTP/1.1\r\nHost: x', 400, 'VALIDATION_FAILED'],
    ['CONNECT', 'CONNECT /api/health HTTP/1.1\r\nHost: x', 405, 'METHOD_NOT_ALLOWED'],
    [
      'an expectation we do not meet',
      'GET /api/health HTTP/1.1\r\nHost: x\r\nExpect: nothing',
      417,
      'EXPECTATION_FAILED',
    ],
    [
      'both Transfer-Encoding and Content-Length',
      'POST /api/auth/code HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 5',
      400,
      'VALIDATION_FAILED',
    ],
  ];
  it.each(cases)('%s: %i %s, and the host keeps answering', async (_what, head, status, code) => {
    const answer = await rawRequest(head);
    expect(answer.status).toBe(status);
    if (code) expect(ErrorBodySchema.parse(JSON.parse(answer.body)).error.code).toBe(code);
    else if (head.startsWith('HEAD')) expect(answer.body).toBe('');
    await expectStillUp();
  });
});

describe('malformed percent-escapes in path parameters', () => {
  const escapes = ['%E0%A4%A', '%', '%zz', '%ED%A0%80', '%00', 'a.b%2Fc'];

  it.each(escapes)('GET /api/sessions/%s: 401 anonymous, 404 for a teacher, never 500', async (id) => {
    const anonymous = await host.fetch(`/api/sessions/${id}`);
    expect(anonymous.status).toBe(401);
    const asTeacher = await host.fetch(`/api/sessions/${id}`, { headers: bearer(teacher.token) });
    expect(asTeacher.status).toBe(404);
    expect(ErrorBodySchema.parse(await asTeacher.json()).error.code).toBe('NOT_FOUND');
  });

  it.each(escapes)('every id parameter: chainId, studentId (%s) answer 404', async (bad) => {
    const close = await host.fetch(`/api/sessions/${session.id}/chains/${bad}/close`, {
      method: 'POST',
      headers: bearer(teacher.token),
    });
    expect(close.status).toBe(404);
    const override = await host.fetch(`/api/sessions/${session.id}/attendance/${bad}/override`, {
      method: 'PUT',
      headers: { ...bearer(teacher.token), ...JSON_HEADERS },
      body: JSON.stringify({ final: 'present', reason: 'x' }),
    });
    expect(override.status).toBe(404);
  });

  it.each(escapes)('value parameters: email and kind (%s) answer 400', async (bad) => {
    const email = await host.fetch(`/api/admin/teachers/${bad}`, { method: 'DELETE', headers: bearer(admin.token) });
    expect([email.status, ErrorBodySchema.parse(await email.json()).error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const kind = await host.fetch(`/api/sessions/${session.id}/codes/${bad}`, { headers: bearer(teacher.token) });
    expect([kind.status, ErrorBodySchema.parse(await kind.json()).error.code]).toEqual([400, 'VALIDATION_FAILED']);
    await expectStillUp();
  });
});

describe('lone surrogates in JSON bodies', () => {
  const post = (path: string, json: string, who: Person, method = 'POST') =>
    host.fetch(`/api/${path}`, { method, headers: { ...bearer(who.token), ...JSON_HEADERS }, body: json });

  it('refuses a session title with a lone surrogate (400, the field named), and creates nothing', async () => {
    const body = JSON.stringify(buildSession(Date.now())).replace('"Algorithms 101"', '"Physics \\ud800"');
    const refused = await post('sessions', body, teacher);
    expect(refused.status).toBe(400);
    expect(ErrorBodySchema.parse(await refused.json()).error.details).toEqual({
      issues: [{ path: 'title', message: 'lone surrogate' }],
    });
    const list = await api(host, teacher, 'GET', 'sessions');
    expect(JSON.stringify(list.json)).not.toContain('Physics');
  });

  it('refuses them everywhere a string is accepted: roster names, override reasons, scan payloads', async () => {
    expect(
      (
        await post(
          `sessions/${session.id}/roster`,
          '{"entries":[{"email":"x@students.example.edu","name":"\\udc00"}]}',
          teacher,
          'PUT',
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await post(
          `sessions/${session.id}/attendance/${student.id}/override`,
          '{"final":"present","reason":"\\ud83d"}',
          teacher,
          'PUT',
        )
      ).status,
    ).toBe(400);
    expect(
      (await post(`sessions/${session.id}/scans`, '{"scanId":"abcdefgh12","payload":"\\ud800"}', student)).status,
    ).toBe(400);
  });

  it('still exports a session whose title was stored before the rule (CSV and JSON)', async () => {
    const stored = await createSession(host, teacher, buildSession(Date.now(), { title: 'Physics' }), false);
    // A record as an older release wrote it (no edge check then), put in place through the repository.
    const repository = new SessionRepository(host.services.store);
    const record = await repository.getSession(stored.id);
    if (!record) throw new Error('no session record');
    await repository.commit({
      sessionId: stored.id,
      session: { record: { ...record.value, title: 'Physics \ud800' }, version: record.version },
    });
    await host.services.cache.invalidate(cacheKeys.session(stored.id));
    for (const format of ['csv', 'json']) {
      const file = await host.fetch(`/api/sessions/${stored.id}/export?format=${format}`, {
        headers: bearer(teacher.token),
      });
      expect(file.status).toBe(200);
      expect(file.headers.get('content-disposition')).toContain('filename="Physics-');
    }
  });
});

describe('smaller defects', () => {
  it('heartbeat on an ended session answers 422 SESSION_ENDED', async () => {
    const ended = await createSession(host, teacher, buildSession(Date.now() - 60_000));
    await joinAll(host, ended, [student]);
    expect((await api(host, teacher, 'POST', `sessions/${ended.id}/end`)).status).toBe(200);
    const beat = await api(host, student, 'POST', `sessions/${ended.id}/heartbeat`);
    expect([beat.status, beat.code]).toEqual([422, 'SESSION_ENDED']);
  });

  it('join is rate limited per account (wrong codes count): 429 with Retry-After', async () => {
    const guesser = await signInPerson(host, 'guesser@students.example.edu');
    const statuses: number[] = [];
    for (let i = 0; i < 61; i++) {
      statuses.push(
        (await api(host, guesser, 'POST', `sessions/${session.id}/join`, { joinCode: `WRONG${i}` })).status,
      );
    }
    expect(statuses.slice(0, 60).every((s) => s === 404)).toBe(true);
    const limited = await host.fetch(`/api/sessions/${session.id}/join`, {
      method: 'POST',
      headers: { ...bearer(guesser.token), ...JSON_HEADERS },
      body: JSON.stringify({ joinCode: session.joinCode }),
    });
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
