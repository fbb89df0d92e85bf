// Sessions over HTTP on the local host: validation, listing, views by role, roster (JSON and CSV) and its
// modes, joining, co-teachers, deletion, and the session clock (start, end, stalled chains) on a fake clock.
import { SessionSchema, StudentSessionSchema, type Session } from '@qrca/contract';
import { afterEach, describe, expect, it } from 'vitest';
import type { ChainRecord } from '../domain/records';
import { SessionRepository } from '../repositories/session.repository';
import {
  api,
  buildSession,
  type Person,
  chains,
  CLASS_ROLES,
  createSession,
  heartbeatAll,
  joinAll,
  signInPerson,
  signInStudents,
  studentEmail,
} from '../test-support/classroom';
import { FakeClock } from '../test-support/fake-clock';
import { bearer } from '../test-support/sign-in';
import { startTestHost, type TestHost } from '../test-support/test-host';

/** Stored state, read through the repository (the storage layout stays its business). */
const repository = (host: TestHost) => new SessionRepository(host.services.store);

const hosts: TestHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
});

async function start(env: NodeJS.ProcessEnv = {}, clock?: FakeClock): Promise<TestHost> {
  const host = await startTestHost(
    { ...CLASS_ROLES, PUBLIC_URL: 'https://attend.example.edu', ...env },
    { logLevel: 'silent', ...(clock ? { clock } : {}) },
  );
  hosts.push(host);
  return host;
}

const TEACHER = 'grace@staff.example.edu';

describe('creating and reading sessions', () => {
  it('refuses invalid settings with 400 naming each field', async () => {
    const host = await start();
    const teacher = await signInPerson(host, TEACHER);
    const now = Date.now();
    const backwards = await api(
      host,
      teacher,
      'POST',
      'sessions',
      buildSession(now, { endAt: new Date(now - 1).toISOString() }),
    );
    expect([backwards.status, backwards.code]).toEqual([400, 'VALIDATION_FAILED']);
    expect(JSON.stringify(backwards.json)).toContain('endAt');
    const cutoff = await api(host, teacher, 'POST', 'sessions', buildSession(now, { lateCutoffMinutes: 60 }));
    expect(JSON.stringify(cutoff.json)).toContain('lateCutoffMinutes');
    const cidr = await api(
      host,
      teacher,
      'POST',
      'sessions',
      buildSession(now, { constraints: { networks: { cidrs: ['10.0.0.0/33'], mode: 'enforce' } } }),
    );
    expect(JSON.stringify(cidr.json)).toContain('constraints.networks.cidrs.0');
    const tooBig = await api(
      host,
      teacher,
      'POST',
      'sessions',
      buildSession(now, { roster: Array.from({ length: 2001 }, (_, i) => studentEmail(i)) }),
    );
    expect(tooBig.status).toBe(400);
    const fence = await api(host, teacher, 'POST', 'sessions', {
      ...buildSession(now),
      constraints: { geofence: { lat: 91, lon: 0, radiusM: 50, mode: 'warn' } },
    });
    expect(fence.status).toBe(400);
  });

  it('creates a scheduled session with a join link, and lists it for its teachers and joined students only', async () => {
    const host = await start();
    const teacher = await signInPerson(host, TEACHER);
    const otherTeacher = await signInPerson(host, 'ada@staff.example.edu');
    const [student, stranger] = await signInStudents(host, 2);
    if (!student || !stranger) throw new Error('students');
    const session = await createSession(host, teacher, buildSession(Date.now() + 3_600_000), false);
    expect(session).toMatchObject({
      status: 'scheduled',
      yourRole: 'owner',
      entryMethod: 'chain',
      rosterMode: 'strict',
    });
    expect(session.joinUrl).toBe(`https://attend.example.edu/join/${session.id}?code=${session.joinCode}`);

    const listed = async (who: typeof teacher) =>
      ((await api(host, who, 'GET', 'sessions')).json as { sessions: { id: string }[] }).sessions.map((s) => s.id);
    expect(await listed(teacher)).toEqual([session.id]);
    expect(await listed(otherTeacher)).toEqual([]);
    expect(await listed(student)).toEqual([]);
    await joinAll(host, session, [student]);
    expect(await listed(student)).toEqual([session.id]);
    expect(await listed(stranger)).toEqual([]);

    const asStudent = await api(host, student, 'GET', `sessions/${session.id}`);
    const view = StudentSessionSchema.strict().parse(asStudent.json);
    expect(view).toMatchObject({ yourRole: 'student', needsLocation: false });
    expect(JSON.stringify(asStudent.json)).not.toContain(session.joinCode);
    expect((await api(host, stranger, 'GET', `sessions/${session.id}`)).status).toBe(404);
  });

  it('changes settings until the session ends, then refuses with 422 SESSION_ENDED', async () => {
    const host = await start();
    const teacher = await signInPerson(host, TEACHER);
    const session = await createSession(host, teacher, buildSession(Date.now() - 60_000));
    const renamed = await api(host, teacher, 'PATCH', `sessions/${session.id}`, { title: 'Data Structures' });
    expect(SessionSchema.parse(renamed.json).title).toBe('Data Structures');
    expect((await api(host, teacher, 'PATCH', `sessions/${session.id}`, {})).status).toBe(400);
    const ended = await api(host, teacher, 'POST', `sessions/${session.id}/end`);
    expect(SessionSchema.parse(ended.json)).toMatchObject({ status: 'ended' });
    expect(SessionSchema.parse(ended.json).endedAt).not.toBeNull();
    const late = await api(host, teacher, 'PATCH', `sessions/${session.id}`, { title: 'Too late' });
    expect([late.status, late.code]).toEqual([422, 'SESSION_ENDED']);
    const restart = await api(host, teacher, 'POST', `sessions/${session.id}/start`);
    expect(restart.code).toBe('SESSION_ENDED');
  });
});

describe('ids from the URL', () => {
  it('answers 404 (never 500) for ids no session, chain or student could have', async () => {
    const host = await start();
    const teacher = await signInPerson(host, TEACHER);
    const [student] = (await signInStudents(host, 1)) as [Person];
    const session = await createSession(host, teacher, buildSession(Date.now() - 60_000));
    await joinAll(host, session, [student]);
    const weird = encodeURIComponent('a/b#c?d');
    expect((await api(host, teacher, 'GET', `sessions/${weird}`)).status).toBe(404);
    expect((await api(host, teacher, 'POST', `sessions/${session.id}/chains/${weird}/close`)).status).toBe(404);
    const override = await api(host, teacher, 'PUT', `sessions/${session.id}/attendance/${weird}/override`, {
      final: 'present',
      reason: 'x',
    });
    expect(override.status).toBe(404);
    expect(
      (await api(host, student, 'POST', `sessions/${weird}/scans`, { scanId: 'abcdefgh', payload: 'x' })).status,
    ).toBe(404);
    expect((await api(host, student, 'GET', `sessions/${'x'.repeat(300)}/me`)).status).toBe(404);
  });
});

describe('roster and joining', () => {
  it('accepts a CSV roster, refuses students not on it in strict mode, and admits them flagged in flag mode', async () => {
    const host = await start();
    const teacher = await signInPerson(host, TEACHER);
    const [onList, offList] = await signInStudents(host, 2);
    if (!onList || !offList) throw new Error('students');
    const session = await createSession(host, teacher, buildSession(Date.now() - 60_000));
    const csv = `name,email\n"Lovelace, Ada",${onList.email}\nCharles Babbage,charles@students.example.edu\n`;
    const put = await host.fetch(`/api/sessions/${session.id}/roster`, {
      method: 'PUT',
      headers: { ...bearer(teacher.token), 'content-type': 'text/csv' },
      body: csv,
    });
    expect(put.status).toBe(200);
    expect(await put.json()).toEqual({ count: 2 });

    const wrongCode = await api(host, onList, 'POST', `sessions/${session.id}/join`, { joinCode: 'WRONGCODE' });
    expect(wrongCode.status).toBe(404);
    const refused = await api(host, offList, 'POST', `sessions/${session.id}/join`, { joinCode: session.joinCode });
    expect([refused.status, refused.code]).toEqual([403, 'NOT_ON_ROSTER']);
    const joined = await api(host, onList, 'POST', `sessions/${session.id}/join`, {
      joinCode: session.joinCode.toLowerCase(),
    });
    expect(joined.status).toBe(200);
    expect(joined.json).toEqual({ status: { entry: null, exitVerified: false, earlyLeaveAt: null, final: 'absent' } });
    expect(
      (await api(host, onList, 'POST', `sessions/${session.id}/join`, { joinCode: session.joinCode })).status,
    ).toBe(200);

    await api(host, teacher, 'PATCH', `sessions/${session.id}`, { rosterMode: 'flag' });
    expect(
      (await api(host, offList, 'POST', `sessions/${session.id}/join`, { joinCode: session.joinCode })).status,
    ).toBe(200);
    const row = await repository(host).getAttendance(session.id, offList.id);
    expect(row?.value.flags).toEqual(['not_on_roster']);
    // Roster members have stable ids before they ever sign in.
    const roster = await repository(host).listRoster(session.id);
    expect(roster.map((r) => r.studentId).every((id) => id.startsWith('u_'))).toBe(true);
    expect(roster.find((r) => r.email === onList.email)?.studentId).toBe(onList.id);
  });

  it('finds a session created with a roster at once, with real time on (the roster’s counts come first)', async () => {
    const host = await startTestHost(CLASS_ROLES, { logLevel: 'silent', realtime: true });
    hosts.push(host);
    const teacher = await signInPerson(host, TEACHER);
    const session = await createSession(
      host,
      teacher,
      buildSession(Date.now() + 60_000, { roster: ['ada@students.example.edu'] }),
      false,
    );
    expect((await api(host, teacher, 'GET', `sessions/${session.id}`)).status).toBe(200);
    const added = await api(host, teacher, 'POST', `sessions/${session.id}/co-teachers`, {
      email: 'ada@staff.example.edu',
    });
    expect(added.status).toBe(200);
  });
});

describe('co-teachers and deletion', () => {
  it('lets a co-teacher run the session but not delete it; the owner deletes everything', async () => {
    const host = await start();
    const owner = await signInPerson(host, TEACHER);
    const co = await signInPerson(host, 'ada@staff.example.edu');
    const [student] = await signInStudents(host, 1);
    if (!student) throw new Error('student');
    const session = await createSession(host, owner, buildSession(Date.now() - 60_000));
    const notTeacher = await api(host, owner, 'POST', `sessions/${session.id}/co-teachers`, { email: student.email });
    expect(notTeacher.status).toBe(400);
    const added = await api(host, owner, 'POST', `sessions/${session.id}/co-teachers`, { email: co.email });
    expect(SessionSchema.parse(added.json).coTeachers).toEqual([co.email]);
    expect(((await api(host, co, 'GET', 'sessions')).json as { sessions: Session[] }).sessions[0]).toMatchObject({
      id: session.id,
      yourRole: 'co_teacher',
    });
    expect((await api(host, co, 'PATCH', `sessions/${session.id}`, { title: 'Co-taught' })).status).toBe(200);
    const coDelete = await api(host, co, 'DELETE', `sessions/${session.id}`);
    expect([coDelete.status, coDelete.code]).toEqual([403, 'FORBIDDEN']);
    const coShares = await api(host, co, 'POST', `sessions/${session.id}/co-teachers`, {
      email: 'x@staff.example.edu',
    });
    expect(coShares.status).toBe(403);

    await joinAll(host, session, [student]);
    expect((await api(host, owner, 'DELETE', `sessions/${session.id}`)).status).toBe(204);
    expect((await api(host, owner, 'GET', `sessions/${session.id}`)).status).toBe(404);
    for (const who of [owner, co, student]) {
      expect(((await api(host, who, 'GET', 'sessions')).json as { sessions: unknown[] }).sessions).toEqual([]);
    }
    expect(await repository(host).snapshot(session.id)).toEqual({
      attendance: [],
      chains: [],
      roster: [],
      events: [],
      scanAnswers: [],
      devices: [],
    });
  });
});

describe('the session clock (fake clock)', () => {
  it('starts a session at its start time and ends it 30 minutes after its end', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 26, 8, 0, 0));
    const host = await start({}, clock);
    const teacher = await signInPerson(host, TEACHER);
    const session = await createSession(host, teacher, buildSession(clock.now() + 5 * 60_000), false);
    const status = async () =>
      SessionSchema.parse((await api(host, teacher, 'GET', `sessions/${session.id}`)).json).status;
    const tick = () => host.services.lifecycle.tick();
    await tick();
    expect(await status()).toBe('scheduled');
    clock.advance(5 * 60_000);
    expect(await tick()).toMatchObject({ started: 1 });
    expect(await status()).toBe('active');
    clock.advance(60 * 60_000 + 29 * 60_000);
    await tick();
    expect(await status()).toBe('active');
    clock.advance(60_000);
    expect(await tick()).toMatchObject({ ended: 1 });
    expect(await status()).toBe('ended');
  });

  it('passes a stalled chain to another online student, and closes it when nobody is left', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 26, 9, 0, 0));
    const host = await start({}, clock);
    const teacher = await signInPerson(host, TEACHER);
    const students = await signInStudents(host, 2);
    const session = await createSession(host, teacher, buildSession(clock.now()));
    await joinAll(host, session, students);
    const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
    const first = (started.json as { chains: ChainRecord[] }).chains[0] as ChainRecord;
    const tick = () => host.services.lifecycle.tick();

    clock.advance(20_000);
    await heartbeatAll(host, session, students);
    await tick();
    expect((await chains(host, session, teacher))[0]).toMatchObject({ holderId: first.holderId, state: 'active' });

    clock.advance(45_000); // 65 s without a hand-off: stalled, handed to the other (online) student
    await heartbeatAll(host, session, students);
    await tick();
    const [reseeded] = await chains(host, session, teacher);
    expect(reseeded).toMatchObject({ state: 'active', seq: 2, length: 0 });
    expect(reseeded?.holderId).not.toBe(first.holderId);
    const previous = await repository(host).getAttendance(session.id, first.holderId);
    expect(previous?.value).toMatchObject({ holding: null, entry: null });

    clock.advance(31_000); // nobody sent a heartbeat: the holder is offline and nobody is eligible online
    await tick();
    const [closed] = await chains(host, session, teacher);
    expect(closed).toMatchObject({ state: 'closed', holderId: reseeded?.holderId });
    // The teacher's close verifies the waiting last holder.
    const close = await api(host, teacher, 'POST', `sessions/${session.id}/chains/${closed?.chainId}/close`);
    expect(close.status).toBe(200);
    const waiting = await repository(host).getAttendance(session.id, reseeded?.holderId ?? '');
    expect(waiting?.value).toMatchObject({ entry: 'on_time', entryMethod: 'teacher_close' });
  });

  it('reseeds a chain by hand: to a random other online student who may hold it, audited; 422 with nobody', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 26, 9, 0, 0));
    const host = await start({}, clock);
    const teacher = await signInPerson(host, TEACHER);
    const students = await signInStudents(host, 3);
    const session = await createSession(host, teacher, buildSession(clock.now()));
    await joinAll(host, session, students);
    const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
    const first = (started.json as { chains: ChainRecord[] }).chains[0] as ChainRecord;
    const others = students.filter((s) => s.id !== first.holderId);

    const reseed = () => api(host, teacher, 'POST', `sessions/${session.id}/chains/${first.chainId}/reseed`);
    const moved = await reseed();
    expect(moved.status).toBe(200);
    const holderId = (moved.json as { holderId: string }).holderId;
    expect(others.map((s) => s.id)).toContain(holderId);
    expect((await repository(host).getAttendance(session.id, first.holderId))?.value).toMatchObject({
      holding: null,
      entry: null,
    });
    const events = await api(host, teacher, 'GET', `sessions/${session.id}/events`);
    expect((events.json as { events: { outcome: string; targetId?: string }[] }).events).toContainEqual(
      expect.objectContaining({ outcome: 'chain_reseeded', targetId: holderId }),
    );

    clock.advance(31_000); // everyone's presence lapsed but the one who heartbeats now (the holder)
    await api(host, students.find((s) => s.id === holderId) ?? teacher, 'POST', `sessions/${session.id}/heartbeat`);
    const nobody = await reseed();
    expect([nobody.status, nobody.code]).toEqual([422, 'NOT_ELIGIBLE']);
    const asStudent = await api(host, students[0], 'POST', `sessions/${session.id}/chains/${first.chainId}/reseed`);
    expect([asStudent.status, asStudent.code]).toEqual([403, 'FORBIDDEN']);
  });
});
