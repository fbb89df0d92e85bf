// Spot checks over HTTP on the local host: who may start and answer one, who gets picked, and what an answer
// leaves behind — the row's mark, an override for "not here", the export's spot_check column and the audit log.
import {
  AttendanceResponseSchema,
  AttendanceRowSchema,
  EXPORT_COLUMNS,
  SpotCheckResponseSchema,
  type AuditEvent,
  type SpotCheckStudent,
  type Session,
} from '@qrca/contract';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import {
  api,
  buildSession,
  CLASS_ROLES,
  createSession,
  joinAll,
  scan,
  signInPerson,
  signInStudents,
  type Person,
} from '../test-support/classroom';
import { FakeClock } from '../test-support/fake-clock';
import { bearer } from '../test-support/sign-in';
import { startTestHost, type TestHost } from '../test-support/test-host';

const START = Date.UTC(2026, 10, 29, 9, 0, 0);
const hosts: TestHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
});

/** A started session (projector entry, device checks off) with four students checked in; `d` is not on the roster. */
async function classroom() {
  const clock = new FakeClock(START);
  const host = await startTestHost({ ...CLASS_ROLES }, { logLevel: 'silent', clock });
  hosts.push(host);
  const teacher = await signInPerson(host, 'grace@staff.example.edu');
  const otherTeacher = await signInPerson(host, 'alan@staff.example.edu');
  const [a, b, c, d, late] = (await signInStudents(host, 5)) as [Person, Person, Person, Person, Person];
  const session = await createSession(
    host,
    teacher,
    buildSession(START, {
      entryMethod: 'both',
      devicePolicy: 'off',
      rosterMode: 'flag',
      roster: [a.email, b.email, c.email, late.email],
    }),
  );
  await joinAll(host, session, [a, b, c, d, late]);
  const entry = await api(host, teacher, 'GET', `sessions/${session.id}/codes/entry`);
  const payload = (entry.json as { payload: string }).payload;
  for (const student of [a, b, c, d]) expect((await scan(host, session, student, payload)).status).toBe(200);
  return { clock, host, teacher, otherTeacher, session, students: { a, b, c, d, late } };
}

const startPath = (session: Session) => `sessions/${session.id}/spot-checks`;
const answerPath = (session: Session, spotCheckId: string) => `${startPath(session)}/${spotCheckId}/answers`;

async function attendance(host: TestHost, teacher: Person, session: Session) {
  return AttendanceResponseSchema.parse((await api(host, teacher, 'GET', `sessions/${session.id}/attendance`)).json);
}

async function events(host: TestHost, teacher: Person, session: Session): Promise<AuditEvent[]> {
  return (
    (await api(host, teacher, 'GET', `sessions/${session.id}/events`)).json as { events: AuditEvent[] }
  ).events.filter((event) => event.kind === 'teacher');
}

describe('spot checks', () => {
  it('refuses the signed-out, students, other teachers and bad bodies', async () => {
    const { host, teacher, otherTeacher, session, students } = await classroom();
    expect((await api(host, undefined, 'POST', startPath(session), {})).code).toBe('UNAUTHENTICATED');
    expect((await api(host, students.a, 'POST', startPath(session), {})).code).toBe('FORBIDDEN');
    expect((await api(host, otherTeacher, 'POST', startPath(session), {})).code).toBe('NOT_FOUND');
    expect((await api(host, teacher, 'POST', startPath(session), { count: 0 })).code).toBe('VALIDATION_FAILED');
    expect((await api(host, teacher, 'POST', startPath(session), { count: 21 })).code).toBe('VALIDATION_FAILED');
    expect((await api(host, teacher, 'POST', 'sessions/no-such-session/spot-checks', {})).code).toBe('NOT_FOUND');

    const started = SpotCheckResponseSchema.parse((await api(host, teacher, 'POST', startPath(session), {})).json);
    const picked = started.students[0]?.studentId ?? '';
    const answers = answerPath(session, started.spotCheckId);
    const here = { studentId: picked, answer: 'here' };
    expect((await api(host, undefined, 'POST', answers, here)).code).toBe('UNAUTHENTICATED');
    expect((await api(host, students.a, 'POST', answers, here)).code).toBe('FORBIDDEN');
    expect((await api(host, otherTeacher, 'POST', answers, here)).code).toBe('NOT_FOUND');
    expect((await api(host, teacher, 'POST', answers, { ...here, answer: 'maybe' })).code).toBe('VALIDATION_FAILED');
    expect((await api(host, teacher, 'POST', answers, { ...here, reason: '' })).code).toBe('VALIDATION_FAILED');
  });

  it('picks checked-in students (default 5, fewer when fewer), each with a sentence why; audited', async () => {
    const { host, teacher, session, students } = await classroom();
    const answer = await api(host, teacher, 'POST', startPath(session), {});
    expect(answer.status).toBe(201);
    const started = SpotCheckResponseSchema.parse(answer.json);
    // Four checked in; `late` joined but was never verified, so is never picked.
    const ids = started.students.map((s) => s.studentId).sort();
    expect(ids).toEqual([students.a.id, students.b.id, students.c.id, students.d.id].sort());
    const d = started.students.find((s) => s.studentId === students.d.id);
    expect(d).toMatchObject({ email: students.d.email, flags: ['not_on_roster'] });
    expect(d?.reason).toMatch(/^Flagged \(not on the roster\): picked 5 times as often/);
    const a = started.students.find((s) => s.studentId === students.a.id);
    expect(a?.reason).toBe('Picked at random among the students checked in; no flags.');

    const rows = (await attendance(host, teacher, session)).rows;
    const mark = { spotCheckId: started.spotCheckId, pickedAt: new Date(START).toISOString(), answer: null };
    expect(rows.find((r) => r.studentId === students.a.id)?.spotCheck).toMatchObject(mark);
    expect(rows.find((r) => r.studentId === students.late.id)?.spotCheck ?? null).toBeNull();
    const picks = (await events(host, teacher, session)).filter((e) => e.outcome === 'spot_check_started');
    expect(picks.map((e) => e.targetId).sort()).toEqual(ids);
    expect(picks.every((e) => e.actorId === teacher.id)).toBe(true);

    const two = SpotCheckResponseSchema.parse(
      (await api(host, teacher, 'POST', startPath(session), { count: 2 })).json,
    );
    expect(two.students).toHaveLength(2);
    expect(two.spotCheckId).not.toBe(started.spotCheckId);
  });

  it('here marks the row; not here overrides to absent with the reason; both in the export and the audit log', async () => {
    const { clock, host, teacher, session, students } = await classroom();
    const started = SpotCheckResponseSchema.parse(
      (await api(host, teacher, 'POST', startPath(session), { count: 2 })).json,
    );
    const [first, second] = started.students as [SpotCheckStudent, SpotCheckStudent];
    const answers = answerPath(session, started.spotCheckId);
    clock.advance(30_000);
    const here = await api(host, teacher, 'POST', answers, { studentId: first.studentId, answer: 'here' });
    expect(here.status).toBe(200);
    expect(AttendanceRowSchema.parse(here.json)).toMatchObject({
      studentId: first.studentId,
      final: 'present',
      override: null,
      spotCheck: { answer: 'here', at: new Date(START + 30_000).toISOString(), by: teacher.email },
    });
    const gone = await api(host, teacher, 'POST', answers, {
      studentId: second.studentId,
      answer: 'not_here',
      reason: 'Empty seat, row 3',
    });
    expect(AttendanceRowSchema.parse(gone.json)).toMatchObject({
      final: 'absent',
      override: { final: 'absent', reason: 'Empty seat, row 3', by: teacher.email },
      spotCheck: { answer: 'not_here' },
    });

    // Only students of this spot check, in this session.
    const notPicked = [students.a, students.b, students.c, students.d].find(
      (s) => s.id !== first.studentId && s.id !== second.studentId,
    ) as Person;
    expect((await api(host, teacher, 'POST', answers, { studentId: notPicked.id, answer: 'here' })).code).toBe(
      'NOT_FOUND',
    );
    expect((await api(host, teacher, 'POST', answers, { studentId: 'nobody-here', answer: 'here' })).code).toBe(
      'NOT_FOUND',
    );
    const wrongId = answerPath(session, 'not-this-spot-check');
    expect((await api(host, teacher, 'POST', wrongId, { studentId: first.studentId, answer: 'here' })).code).toBe(
      'NOT_FOUND',
    );
    const other = await createSession(host, teacher, buildSession(START));
    const otherAnswers = answerPath(other, started.spotCheckId);
    expect((await api(host, teacher, 'POST', otherAnswers, { studentId: first.studentId, answer: 'here' })).code).toBe(
      'NOT_FOUND',
    );

    const rows = (await attendance(host, teacher, session)).rows;
    expect(rows.find((r) => r.studentId === second.studentId)).toMatchObject({ final: 'absent' });
    const counts = (await attendance(host, teacher, session)).counts;
    expect(counts.absent).toBe(2); // the one not here, and `late` who never checked in

    const csv = await host.fetch(`/api/sessions/${session.id}/export`, { headers: bearer(teacher.token) });
    const [header, ...lines] = parse(await csv.text()) as string[][];
    expect(header).toEqual([...EXPORT_COLUMNS]);
    expect(header?.at(-1)).toBe('spot_check');
    const cell = (id: string, column: string) =>
      lines.find((line) => line[0] === id)?.[(header as string[]).indexOf(column)];
    expect(cell(first.studentId, 'spot_check')).toBe('here');
    expect(cell(second.studentId, 'spot_check')).toBe('not_here');
    expect(cell(second.studentId, 'override')).toBe('absent');
    expect(cell(second.studentId, 'override_reason')).toBe('Empty seat, row 3');
    expect(cell(notPicked.id, 'spot_check')).toBe('');
    expect(cell(students.late.id, 'spot_check')).toBe('');

    const log = (await events(host, teacher, session)).map((e) => [e.outcome, e.targetId]);
    expect(log).toEqual(
      expect.arrayContaining([
        ['spot_check_answered_here', first.studentId],
        ['spot_check_answered_not_here', second.studentId],
        ['override_absent', second.studentId],
      ]),
    );

    // Answered students are not picked again; the others are.
    const next = SpotCheckResponseSchema.parse(
      (await api(host, teacher, 'POST', startPath(session), { count: 20 })).json,
    );
    const nextIds = next.students.map((s) => s.studentId);
    expect(nextIds).toHaveLength(2);
    expect(nextIds).not.toContain(first.studentId);
    expect(nextIds).not.toContain(second.studentId);
  });

  it('takes answers after the session ended; not here without a reason gets the default one', async () => {
    const { host, teacher, session } = await classroom();
    const started = SpotCheckResponseSchema.parse(
      (await api(host, teacher, 'POST', startPath(session), { count: 1 })).json,
    );
    const studentId = started.students[0]?.studentId ?? '';
    expect((await api(host, teacher, 'POST', `sessions/${session.id}/end`)).status).toBe(200);
    const answered = await api(host, teacher, 'POST', answerPath(session, started.spotCheckId), {
      studentId,
      answer: 'not_here',
    });
    expect(answered.status).toBe(200);
    expect(AttendanceRowSchema.parse(answered.json)).toMatchObject({
      final: 'absent',
      override: { final: 'absent', reason: 'Not in the room at a spot check' },
    });
    const exported = await host.fetch(`/api/sessions/${session.id}/export?format=json`, {
      headers: bearer(teacher.token),
    });
    const rows = ((await exported.json()) as { rows: Record<string, string>[] }).rows;
    expect(rows.find((row) => row.student_id === studentId)?.spot_check).toBe('not_here');
  });
});
