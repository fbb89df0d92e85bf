// Projector codes, late entry, early leave, exit, overrides, final status and export over HTTP on the local
// host with a fake clock — down to a whole 40-student class whose export must equal the expected table.
import { AttendanceResponseSchema, ProjectorCodeSchema, type ProjectorCode, type Session } from '@qrca/contract';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import {
  api,
  buildSession,
  CLASS_ROLES,
  createSession,
  heartbeatAll,
  joinAll,
  me,
  newScanId,
  scan,
  signInPerson,
  signInStudents,
  type Person,
} from '../test-support/classroom';
import { FakeClock } from '../test-support/fake-clock';
import { bearer } from '../test-support/sign-in';
import { SessionRepository } from '../repositories/session.repository';
import { startTestHost, type TestHost } from '../test-support/test-host';
import { chainQrAt } from '@qrca/contract';

const START = Date.UTC(2026, 10, 26, 9, 0, 0);
const MIN = 60_000;
const hosts: TestHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
});

async function start(clock: FakeClock): Promise<TestHost> {
  const host = await startTestHost({ ...CLASS_ROLES }, { logLevel: 'silent', clock });
  hosts.push(host);
  return host;
}

async function code(host: TestHost, teacher: Person, session: Session, kind: string): Promise<ProjectorCode> {
  const answer = await api(host, teacher, 'GET', `sessions/${session.id}/codes/${kind}`);
  if (answer.status !== 200) throw new Error(`code ${kind}: ${answer.status} ${JSON.stringify(answer.json)}`);
  return ProjectorCodeSchema.parse(answer.json);
}

describe('projector codes (fake clock, 10 s steps)', () => {
  it('entry: served only while entry is open with entryMethod both; scanned or typed; once per student', async () => {
    const clock = new FakeClock(START);
    const host = await start(clock);
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const [a, b] = (await signInStudents(host, 2)) as [Person, Person];
    const chainOnly = await createSession(host, teacher, buildSession(START));
    expect((await api(host, teacher, 'GET', `sessions/${chainOnly.id}/codes/entry`)).code).toBe('WRONG_PHASE');
    const session = await createSession(host, teacher, buildSession(START, { entryMethod: 'both' }));
    await joinAll(host, session, [a, b]);
    const entry = await code(host, teacher, session, 'entry');
    expect(entry.payload).toMatch(new RegExp(`^QRCA1\\.P\\.${session.id}\\.entry\\.\\d+\\.[A-Z2-7]{10}$`));
    expect(entry.expiresAt).toBe(new Date((entry.step + 1) * 10_000).toISOString());

    const scanned = await scan(host, session, a, entry.payload);
    expect(scanned.json).toEqual({ outcome: 'entry', flow: 'projector', youAreHolder: false });
    clock.advance(10_000); // the previous step is still accepted, typed in lower case
    const typed = await scan(host, session, b, entry.typed.toLowerCase());
    expect(typed.status).toBe(200);
    clock.advance(12_001); // two steps and the 2 s skew later: expired
    const stale = await scan(host, session, b, entry.payload);
    expect([stale.status, stale.code]).toEqual([410, 'CODE_EXPIRED']);
    const again = await scan(host, session, a, (await code(host, teacher, session, 'entry')).payload);
    expect(again.json).toEqual({ outcome: 'entry', flow: 'projector', youAreHolder: false });
    expect((await me(host, session, a)).status).toMatchObject({ entry: 'on_time' });
    expect((await scan(host, session, a, 'ZZZZZZ')).code).toBe('INVALID_QR');

    clock.advance(10 * MIN); // after the cutoff
    expect((await api(host, teacher, 'GET', `sessions/${session.id}/codes/entry`)).code).toBe('WRONG_PHASE');
  });

  it('late: not before the cutoff (NOT_LATE_YET), then marks late; on-time students are refused', async () => {
    const clock = new FakeClock(START);
    const host = await start(clock);
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const [onTime, late] = (await signInStudents(host, 2)) as [Person, Person];
    const session = await createSession(host, teacher, buildSession(START, { entryMethod: 'both' }));
    await joinAll(host, session, [onTime, late]);
    await scan(host, session, onTime, (await code(host, teacher, session, 'entry')).payload);
    expect((await api(host, teacher, 'GET', `sessions/${session.id}/codes/late`)).code).toBe('WRONG_PHASE');

    clock.advance(10 * MIN + 500); // just after the cutoff
    const lateCode = await code(host, teacher, session, 'late');
    clock.advance(-1_000); // the same code seen a moment before the cutoff (projector clock ahead)
    const early = await scan(host, session, late, lateCode.payload);
    expect([early.status, early.code]).toEqual([422, 'NOT_LATE_YET']);
    clock.advance(1_000);
    const marked = await scan(host, session, late, lateCode.payload);
    expect(marked.json).toMatchObject({ outcome: 'late_entry' });
    expect((await me(host, session, late)).status).toMatchObject({ entry: 'late', final: 'late' });
    const repeat = await scan(host, session, late, lateCode.typed);
    expect(repeat.json).toMatchObject({ outcome: 'late_entry' });
    const refused = await scan(host, session, onTime, lateCode.payload);
    expect([refused.status, refused.code]).toEqual([409, 'ALREADY_VERIFIED']);
  });

  it('close on-time entry now: entry chains close (their holder stays unverified), the late code opens; audited', async () => {
    const clock = new FakeClock(START);
    const host = await start(clock);
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const [seed, other] = (await signInStudents(host, 2)) as [Person, Person];
    const scheduled = await createSession(host, teacher, buildSession(START + 60 * MIN), false);
    const notYet = await api(host, teacher, 'POST', `sessions/${scheduled.id}/entry/close`);
    expect([notYet.status, notYet.code]).toEqual([422, 'WRONG_PHASE']);

    const session = await createSession(host, teacher, buildSession(START, { entryMethod: 'both' }));
    await joinAll(host, session, [seed, other]);
    await heartbeatAll(host, session, [seed, other]);
    expect(session.entryClosesAt).toBe(new Date(START + 10 * MIN).toISOString());
    const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
    const holderId = (started.json as { chains: { holderId: string }[] }).chains[0]?.holderId;
    const holder = [seed, other].find((s) => s.id === holderId) as Person;
    expect((await me(host, session, holder)).hold).not.toBeNull();
    clock.advance(2 * MIN);
    const closed = await api(host, teacher, 'POST', `sessions/${session.id}/entry/close`);
    expect(closed.status).toBe(200);
    expect(closed.json).toMatchObject({ entryClosesAt: new Date(START + 2 * MIN).toISOString() });
    // The chain closed at once; its holder holds nothing and is still to be verified.
    const chainList = await api(host, teacher, 'GET', `sessions/${session.id}/chains`);
    expect((chainList.json as { chains: { state: string }[] }).chains.map((c) => c.state)).toEqual(['closed']);
    expect(await me(host, session, holder)).toMatchObject({ hold: null, status: { entry: null } });
    expect((await api(host, teacher, 'GET', `sessions/${session.id}/codes/entry`)).code).toBe('WRONG_PHASE');
    const late = await scan(host, session, holder, (await code(host, teacher, session, 'late')).payload);
    expect(late.json).toMatchObject({ outcome: 'late_entry' });

    clock.advance(MIN); // again: nothing changes, no second event
    const again = await api(host, teacher, 'POST', `sessions/${session.id}/entry/close`);
    expect(again.json).toMatchObject({ entryClosesAt: new Date(START + 2 * MIN).toISOString() });
    const events = await api(host, teacher, 'GET', `sessions/${session.id}/events`);
    const closes = (events.json as { events: { outcome?: string; actorId: string }[] }).events.filter(
      (e) => e.outcome === 'entry_closed',
    );
    expect(closes).toEqual([expect.objectContaining({ actorId: teacher.id })]);
    await api(host, teacher, 'POST', `sessions/${session.id}/end`);
    const ended = await api(host, teacher, 'POST', `sessions/${session.id}/entry/close`);
    expect([ended.status, ended.code]).toEqual([422, 'SESSION_ENDED']);
  });

  it('early leave: only while the window is open, only for students who came', async () => {
    const clock = new FakeClock(START);
    const host = await start(clock);
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const [came, never] = (await signInStudents(host, 2)) as [Person, Person];
    const session = await createSession(host, teacher, buildSession(START, { entryMethod: 'both' }));
    await joinAll(host, session, [came, never]);
    await scan(host, session, came, (await code(host, teacher, session, 'entry')).payload);
    expect((await api(host, teacher, 'GET', `sessions/${session.id}/codes/early-leave`)).code).toBe('WRONG_PHASE');
    expect((await api(host, teacher, 'POST', `sessions/${session.id}/early-leave/open`)).json).toMatchObject({
      earlyLeaveOpen: true,
    });
    clock.advance(20 * MIN);
    const leave = await code(host, teacher, session, 'early-leave');
    expect((await scan(host, session, never, leave.payload)).code).toBe('NOT_ELIGIBLE');
    const left = await scan(host, session, came, leave.payload);
    expect(left.json).toMatchObject({ outcome: 'early_leave' });
    expect((await me(host, session, came)).status).toMatchObject({
      earlyLeaveAt: new Date(START + 20 * MIN).toISOString(),
      final: 'early_leave',
    });
    await api(host, teacher, 'POST', `sessions/${session.id}/early-leave/close`);
    expect((await api(host, teacher, 'GET', `sessions/${session.id}/codes/early-leave`)).code).toBe('WRONG_PHASE');
    expect((await scan(host, session, came, leave.payload)).code).toBe('WRONG_PHASE');
  });

  it('exit: only in the exit window; entry-verified students who stayed (entryMethod both)', async () => {
    const clock = new FakeClock(START);
    const host = await start(clock);
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const [stayed, never] = (await signInStudents(host, 2)) as [Person, Person];
    const session = await createSession(host, teacher, buildSession(START, { entryMethod: 'both' }));
    await joinAll(host, session, [stayed, never]);
    await scan(host, session, stayed, (await code(host, teacher, session, 'entry')).payload);
    expect((await api(host, teacher, 'GET', `sessions/${session.id}/codes/exit`)).code).toBe('WRONG_PHASE');
    clock.advance(50 * MIN);
    const exit = await code(host, teacher, session, 'exit');
    expect((await scan(host, session, never, exit.payload)).code).toBe('NOT_ELIGIBLE');
    const scanId = newScanId();
    const out = await scan(host, session, stayed, exit.payload, scanId);
    expect(out.json).toMatchObject({ outcome: 'exit_holder', flow: 'projector' });
    const replay = await scan(host, session, stayed, exit.payload, scanId);
    expect(replay.json).toEqual(out.json);
    expect((await me(host, session, stayed)).status).toMatchObject({ exitVerified: true, final: 'present' });
    // Showing the exit code means exit verification ran: the one who never came stays absent.
    expect((await me(host, session, never)).status).toMatchObject({ final: 'absent' });
  });
});

/** What the test itself knows each student did, to build the expected export. */
interface Expected {
  entry: '' | 'on_time' | 'late';
  entry_at: string;
  entry_method: string;
  minutes_late: string;
  early_leave_at: string;
  exit_verified: 'true' | 'false';
  exit_at: string;
  final: string;
  override: string;
  override_reason: string;
}

const blank = (): Expected => ({
  entry: '',
  entry_at: '',
  entry_method: '',
  minutes_late: '',
  early_leave_at: '',
  exit_verified: 'false',
  exit_at: '',
  final: 'absent',
  override: '',
  override_reason: '',
});

describe('a whole class of 40', () => {
  it('exports exactly what happened: chains, late code, early leave, exit chains, no-shows, an override', async () => {
    const clock = new FakeClock(START);
    const host = await start(clock);
    const iso = () => new Date(clock.now()).toISOString();
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const students = await signInStudents(host, 40);
    const names = new Map(students.map((s, i) => [s.email, `Student ${i}`]));
    const session = await createSession(
      host,
      teacher,
      buildSession(START, {
        title: 'Algorithms 101',
        roster: students.map((s) => ({ email: s.email, name: names.get(s.email) })),
        // These scans are unsigned: no device checks, so no flags (signed scans: scan-flags.medium.test.ts).
        devicePolicy: 'off',
      }),
    );
    const onTime = students.slice(0, 25);
    const late = students.slice(25, 30);
    const unverified = students.slice(30, 38);
    const neverJoined = students.slice(38);
    const expected = new Map(students.map((s) => [s.id, blank()]));
    const at = (s: Person) => expected.get(s.id) as Expected;

    // Late comers and the unverified join first and drop offline; the on-time group is online for seeding.
    await joinAll(host, session, [...late, ...unverified]);
    clock.advance(31_000);
    await joinAll(host, session, onTime);
    await heartbeatAll(host, session, onTime);

    // Entry chains over the 25: hand-offs until the last holders, whom the teacher closes.
    await runChains(host, session, teacher, onTime, 'entry', clock, (holder, when) => {
      Object.assign(at(holder), { entry: 'on_time', entry_at: when, entry_method: 'chain' });
    });
    for (const chain of await openChains(host, session, teacher)) {
      await api(host, teacher, 'POST', `sessions/${session.id}/chains/${chain.chainId}/close`);
      Object.assign(at(byId(students, chain.holderId)), {
        entry: 'on_time',
        entry_at: iso(),
        entry_method: 'teacher_close',
      });
    }

    // After the cutoff, five come late.
    clock.advance(12 * MIN);
    for (const student of late) {
      clock.advance(30_000);
      const lateCode = await code(host, teacher, session, 'late');
      expect((await scan(host, session, student, lateCode.payload)).status).toBe(200);
      const minutes = String(Math.round((clock.now() - START) / MIN));
      Object.assign(at(student), { entry: 'late', entry_at: iso(), entry_method: 'projector', minutes_late: minutes });
    }

    // Three leave early.
    clock.advance(10 * MIN);
    await api(host, teacher, 'POST', `sessions/${session.id}/early-leave/open`);
    const leavers = [onTime[3], onTime[7], late[1]] as Person[];
    for (const student of leavers) {
      const leave = await code(host, teacher, session, 'early-leave');
      expect((await scan(host, session, student, leave.payload)).status).toBe(200);
      at(student).early_leave_at = iso();
    }
    await api(host, teacher, 'POST', `sessions/${session.id}/early-leave/close`);

    // Exit chains over the rest, except one who slipped out unnoticed (offline, never scanned).
    clock.advance(START + 52 * MIN - clock.now()); // 09:52: the exit window (last 10 minutes) is open
    const stayed = [...onTime, ...late].filter((s) => !leavers.includes(s));
    const slipped = stayed[5] as Person;
    const exiting = stayed.filter((s) => s !== slipped);
    await heartbeatAll(host, session, exiting);
    await runChains(host, session, teacher, exiting, 'exit', clock, (holder, when) => {
      Object.assign(at(holder), { exit_verified: 'true', exit_at: when });
    });
    for (const chain of await openChains(host, session, teacher)) {
      await api(host, teacher, 'POST', `sessions/${session.id}/chains/${chain.chainId}/close`);
      Object.assign(at(byId(students, chain.holderId)), { exit_verified: 'true', exit_at: iso() });
    }

    // The teacher overrides one unverified student (a doctor's note), then ends the session.
    const excused = unverified[0] as Person;
    const override = await api(host, teacher, 'PUT', `sessions/${session.id}/attendance/${excused.id}/override`, {
      final: 'present',
      reason: 'Doctor’s note; was in the room',
    });
    expect(override.status).toBe(200);
    Object.assign(at(excused), { override: 'present', override_reason: 'Doctor’s note; was in the room' });
    expect((await api(host, teacher, 'POST', `sessions/${session.id}/end`)).status).toBe(200);

    for (const student of students) {
      const e = at(student);
      e.final = e.override
        ? e.override
        : e.early_leave_at
          ? 'early_leave'
          : e.entry === ''
            ? 'absent'
            : e.exit_verified === 'true'
              ? e.entry === 'late'
                ? 'late'
                : 'present'
              : 'left_early';
    }
    const table = students
      .map((s) => ({
        student_id: s.id,
        email: s.email,
        name: names.get(s.email) ?? '',
        ...at(s),
        flags: '',
        spot_check: '',
      }))
      .sort((x, y) => x.email.localeCompare(y.email));

    const csv = await host.fetch(`/api/sessions/${session.id}/export?format=csv`, { headers: bearer(teacher.token) });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csv.headers.get('content-disposition')).toContain('filename="Algorithms-101-2026-11-26.csv"');
    const parsed = parse(await csv.text(), { columns: true }) as Record<string, string>[];
    expect(parsed).toEqual(table);

    const json = await api(host, teacher, 'GET', `sessions/${session.id}/export?format=json`);
    expect((json.json as { rows: unknown[] }).rows).toEqual(table);
    const list = AttendanceResponseSchema.parse(
      (await api(host, teacher, 'GET', `sessions/${session.id}/attendance`)).json,
    );
    expect(list.counts).toEqual({
      present: table.filter((r) => r.final === 'present').length,
      late: table.filter((r) => r.final === 'late').length,
      early_leave: 3,
      left_early: 1,
      absent: 9, // 7 unverified who joined + 2 who never joined
      unverified: 8,
    });
    expect(
      list.rows
        .filter((r) => !r.joined)
        .map((r) => r.email)
        .sort(),
    ).toEqual(neverJoined.map((s) => s.email).sort());
  });
});

describe('export', () => {
  it('survives commas, quotes, newlines, other scripts and formulas in names, with an optional BOM', async () => {
    const clock = new FakeClock(START);
    const host = await start(clock);
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const tricky = [
      'Lovelace, Ada',
      'Grace "Amazing" Hopper',
      'Line\nBreak',
      '山田 太郎',
      'Ελένη Παπαδοπούλου',
      '=HYPERLINK("http://evil.example","x")',
      '+1 555',
      '@SUM(A1)',
      '-2+3',
    ];
    const roster = tricky.map((name, i) => ({ email: `s${i}@students.example.edu`, name }));
    const session = await createSession(
      host,
      teacher,
      buildSession(START, { title: 'Ünïcödé: «Maths», Group 1', roster }),
      false,
    );
    const csv = await host.fetch(`/api/sessions/${session.id}/export?format=csv&bom=1`, {
      headers: bearer(teacher.token),
    });
    const bytes = Buffer.from(await csv.arrayBuffer());
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(bytes.toString('utf8')).toContain('\r\n');
    const rows = parse(bytes, { columns: true, bom: true }) as Record<string, string>[];
    const byEmail = new Map(rows.map((r) => [r.email, r.name]));
    tricky.forEach((name, i) => {
      const safe = /^[=+\-@]/.test(name) ? `'${name}` : name;
      expect(byEmail.get(`s${i}@students.example.edu`)).toBe(safe);
    });
    const disposition = csv.headers.get('content-disposition') ?? '';
    expect(disposition).toMatch(/^attachment; filename="[\x20-\x7e]+\.csv"; filename\*=UTF-8''/);
    expect(decodeURIComponent(disposition.split("UTF-8''")[1] ?? '')).toBe('Ünïcödé- «Maths», Group 1-2026-11-26.csv');
    expect((await api(host, teacher, 'GET', `sessions/${session.id}/export?format=xml`)).status).toBe(400);
  });
});

describe('after the end', () => {
  it('freezes final statuses, still takes overrides, and purges the audit log after the retention period', async () => {
    const clock = new FakeClock(START);
    const host = await start(clock);
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const [came, absent] = (await signInStudents(host, 2)) as [Person, Person];
    const session = await createSession(host, teacher, buildSession(START, { entryMethod: 'both' }));
    await joinAll(host, session, [came, absent]);
    await scan(host, session, came, (await code(host, teacher, session, 'entry')).payload);
    await api(host, teacher, 'POST', `sessions/${session.id}/end`);
    const rows = async () =>
      AttendanceResponseSchema.parse((await api(host, teacher, 'GET', `sessions/${session.id}/attendance`)).json).rows;
    expect((await rows()).map((r) => [r.email, r.final])).toEqual([
      [came.email, 'present'],
      [absent.email, 'absent'],
    ]);
    const stored = await new SessionRepository(host.services.store).getAttendance(session.id, came.id);
    expect(stored?.value.frozenFinal).toBe('present');
    expect(
      (
        await api(host, teacher, 'PUT', `sessions/${session.id}/attendance/${absent.id}/override`, {
          final: 'late',
          reason: 'Bus',
        })
      ).status,
    ).toBe(200);
    expect((await rows()).find((r) => r.email === absent.email)).toMatchObject({
      final: 'late',
      override: { final: 'late', reason: 'Bus' },
    });
    expect(
      (
        await api(host, teacher, 'PUT', `sessions/${session.id}/attendance/u_nobody/override`, {
          final: 'late',
          reason: 'x',
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await api(host, teacher, 'PUT', `sessions/${session.id}/attendance/${came.id}/override`, {
          final: 'late',
          reason: '',
        })
      ).status,
    ).toBe(400);

    const snapshot = () => new SessionRepository(host.services.store).snapshot(session.id);
    const audit = async () => (await snapshot()).events.length;
    expect(await audit()).toBeGreaterThan(0);
    clock.advance(89 * 24 * 60 * MIN);
    expect(await host.services.attendance.purgeAudit(90)).toBe(0);
    clock.advance(2 * 24 * 60 * MIN);
    expect(await host.services.attendance.purgeAudit(90)).toBeGreaterThan(0);
    expect(await audit()).toBe(0);
    expect((await snapshot()).scanAnswers).toEqual([]);
    const later = await signInPerson(host, teacher.email); // 91 days on, a new sign-in
    const kept = await api(host, later, 'GET', `sessions/${session.id}/attendance`);
    expect(AttendanceResponseSchema.parse(kept.json).rows).toHaveLength(2); // the attendance record itself stays
  });
});

// --- helpers for running chains in the class test ---

function byId(students: readonly Person[], id: string): Person {
  const found = students.find((s) => s.id === id);
  if (!found) throw new Error(`no student ${id}`);
  return found;
}

async function openChains(host: TestHost, session: Session, teacher: Person) {
  const answer = await api(host, teacher, 'GET', `sessions/${session.id}/chains`);
  return (answer.json as { chains: { chainId: string; holderId: string; state: string }[] }).chains.filter(
    (c) => c.state !== 'closed',
  );
}

/**
 * Starts 2 chains of `phase` over `group` and hands the batons on (5 s apart) until everyone in the group has
 * held one; `verified(holder, time)` is told each holder the hand-offs verify.
 */
async function runChains(
  host: TestHost,
  session: Session,
  teacher: Person,
  group: readonly Person[],
  phase: 'entry' | 'exit',
  clock: FakeClock,
  verified: (holder: Person, when: string) => void,
): Promise<void> {
  const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase, count: 2 });
  expect(started.status, JSON.stringify(started.json)).toBe(201);
  const holders = new Set((started.json as { chains: { holderId: string }[] }).chains.map((c) => c.holderId));
  const waiting = group.filter((s) => !holders.has(s.id));
  while (waiting.length > 0) {
    for (const holderId of [...holders]) {
      const scanner = waiting.shift();
      if (!scanner) break;
      clock.advance(5_000);
      const holder = byId(group, holderId);
      const { hold } = await me(host, session, holder);
      if (!hold) throw new Error(`${holder.email} holds nothing`);
      const answer = await scan(host, session, scanner, await chainQrAt(session.id, hold, clock.now()));
      expect(answer.status, JSON.stringify(answer.json)).toBe(200);
      verified(holder, new Date(clock.now()).toISOString());
      holders.delete(holderId);
      holders.add(scanner.id);
    }
  }
}
