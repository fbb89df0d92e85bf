/**
 * Test data factories for a class over the real HTTP API: a teacher, students signed in through the outbox,
 * a session created, started and joined. Deterministic emails; shared by medium tests and benchmarks.
 */
import {
  ChainListResponseSchema,
  chainQrAt,
  ErrorBodySchema,
  SessionMeResponseSchema,
  SessionSchema,
  type CreateSessionRequest,
  type Hold,
  type Session,
} from '@qrca/contract';
import { randomBytes } from 'node:crypto';
import { checkAnswer } from './contract-check';
import { bearer, JSON_HEADERS, signIn } from './sign-in';
import type { TestHost } from './test-host';

export const CLASS_ROLES = {
  TEACHER_EMAIL_DOMAINS: 'staff.example.edu',
  STUDENT_EMAIL_DOMAINS: 'students.example.edu',
  ADMIN_EMAILS: 'it@staff.example.edu',
} as const;

export interface Person {
  readonly id: string;
  readonly email: string;
  readonly token: string;
}

export const studentEmail = (i: number) => `student${String(i).padStart(4, '0')}@students.example.edu`;

/** A session body starting `startOffsetMin` minutes from `nowMs`, 60 minutes long, entry by chains. */
export function buildSession(
  nowMs: number,
  overrides: Partial<CreateSessionRequest> = {},
): Partial<CreateSessionRequest> {
  return {
    title: 'Algorithms 101',
    startAt: new Date(nowMs).toISOString(),
    endAt: new Date(nowMs + 60 * 60_000).toISOString(),
    lateCutoffMinutes: 10,
    exitWindowMinutes: 10,
    ...overrides,
  };
}

/** Calls the API as `person` (or anonymously); JSON in and out; the answer is checked against the contract. */
export async function api(
  host: TestHost,
  person: Person | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
) {
  const response = await host.fetch(`/api/${path}`, {
    method,
    headers: { ...(person ? bearer(person.token) : {}), ...(body === undefined ? {} : JSON_HEADERS), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const json: unknown =
    text && response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : undefined;
  // Every answer must keep the contract: the route's response schema, or the error catalogue's shape.
  checkAnswer(method, new URL(`/api/${path}`, 'http://x').pathname, response.status, json);
  return {
    status: response.status,
    json,
    code: response.ok ? undefined : ErrorBodySchema.safeParse(json).data?.error.code,
  };
}

export async function signInPerson(host: TestHost, email: string): Promise<Person> {
  const { token, user } = await signIn(host, email);
  return { id: user.id, email, token };
}

/** Signs in `count` students, a few at a time. */
export async function signInStudents(host: TestHost, count: number, from = 0): Promise<Person[]> {
  const people: Person[] = [];
  for (let i = 0; i < count; i += 10) {
    const batch = Array.from({ length: Math.min(10, count - i) }, (_, j) =>
      signInPerson(host, studentEmail(from + i + j)),
    );
    people.push(...(await Promise.all(batch)));
  }
  return people;
}

/** Creates (and by default starts) a session as `teacher`. @throws Error when the API refuses. */
export async function createSession(
  host: TestHost,
  teacher: Person,
  body: Partial<CreateSessionRequest>,
  start = true,
): Promise<Session> {
  const created = await api(host, teacher, 'POST', 'sessions', body);
  if (created.status !== 201) throw new Error(`create session: ${created.status} ${JSON.stringify(created.json)}`);
  const session = SessionSchema.parse(created.json);
  if (!start) return session;
  const started = await api(host, teacher, 'POST', `sessions/${session.id}/start`);
  if (started.status !== 200) throw new Error(`start session: ${started.status} ${JSON.stringify(started.json)}`);
  return SessionSchema.parse(started.json);
}

/**
 * Joins every student (and marks them online), from `forwardedFor` when given (believed from a trusted proxy).
 * @throws Error when a join is refused.
 */
export async function joinAll(
  host: TestHost,
  session: Session,
  students: readonly Person[],
  forwardedFor?: string,
): Promise<void> {
  const headers: Record<string, string> = forwardedFor ? { 'x-forwarded-for': forwardedFor } : {};
  await Promise.all(
    students.map(async (student) => {
      const body = { joinCode: session.joinCode };
      const joined = await api(host, student, 'POST', `sessions/${session.id}/join`, body, headers);
      if (joined.status !== 200)
        throw new Error(`join ${student.email}: ${joined.status} ${JSON.stringify(joined.json)}`);
    }),
  );
}

export async function heartbeatAll(host: TestHost, session: Session, students: readonly Person[]): Promise<void> {
  await Promise.all(students.map((student) => api(host, student, 'POST', `sessions/${session.id}/heartbeat`)));
}

/** The student's own view (status and hold). */
export async function me(host: TestHost, session: Session, student: Person) {
  const answer = await api(host, student, 'GET', `sessions/${session.id}/me`);
  if (answer.status !== 200) throw new Error(`me ${student.email}: ${answer.status}`);
  return SessionMeResponseSchema.parse(answer.json);
}

export async function chains(host: TestHost, session: Session, teacher: Person) {
  return ChainListResponseSchema.parse((await api(host, teacher, 'GET', `sessions/${session.id}/chains`)).json).chains;
}

/** What the holder's phone shows at `nowMs`. */
export function holderQr(session: Session, hold: Hold, nowMs: number): Promise<string> {
  return chainQrAt(session.id, hold, nowMs);
}

/** POSTs a scan of `payload` as `scanner`, with a fresh scan id unless one is given. */
export function scan(
  host: TestHost,
  session: Session,
  scanner: Person,
  payload: string,
  scanId = newScanId(),
  extra: object = {},
) {
  return api(host, scanner, 'POST', `sessions/${session.id}/scans`, { scanId, payload, ...extra });
}

export const newScanId = () => randomBytes(9).toString('base64url');
