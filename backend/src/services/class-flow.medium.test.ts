// A 30-student class over HTTP on the local host: sign-in, join, `auto` seeding, hand-offs until only the
// last holders are unverified, teacher close; the attendance rows record exactly what happened.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionRepository } from '../repositories/session.repository';
import {
  api,
  buildSession,
  chains,
  CLASS_ROLES,
  createSession,
  heartbeatAll,
  holderQr,
  joinAll,
  me,
  scan,
  signInPerson,
  signInStudents,
  type Person,
} from '../test-support/classroom';
import { startTestHost, type TestHost } from '../test-support/test-host';

let host: TestHost;
beforeAll(async () => {
  host = await startTestHost({ ...CLASS_ROLES }, { logLevel: 'silent' });
});
afterAll(() => host.close());

describe('a 30-student class', () => {
  it('verifies everyone through entry chains, the last holders by the teacher', async () => {
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const students = await signInStudents(host, 30);
    const session = await createSession(host, teacher, buildSession(Date.now() - 60_000));
    await joinAll(host, session, students);
    await heartbeatAll(host, session, students);

    const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, {
      phase: 'entry',
      count: 'auto',
    });
    expect(started.status).toBe(201);
    const seeded = (started.json as { chains: { holderId: string }[] }).chains;
    expect(seeded).toHaveLength(4); // ceil(30 / 8), CHAIN_STUDENTS_PER_CHAIN

    const byId = new Map(students.map((s) => [s.id, s]));
    const holders = new Set(seeded.map((c) => c.holderId));
    const waiting = students.filter((s) => !holders.has(s.id));
    const verifiedBy = new Map<string, string>();
    // Hand the batons on, alternating chains, until nobody is left to scan.
    while (waiting.length > 0) {
      for (const holderId of [...holders]) {
        const scanner = waiting.shift();
        if (!scanner) break;
        const holder = byId.get(holderId) as Person;
        const { hold } = await me(host, session, holder);
        if (!hold) throw new Error(`${holder.email} should hold a chain`);
        const answer = await scan(host, session, scanner, await holderQr(session, hold, Date.now()));
        expect(answer.status, JSON.stringify(answer.json)).toBe(200);
        expect(answer.json).toMatchObject({
          outcome: 'verified_holder',
          flow: 'chain',
          youAreHolder: true,
          hold: { seq: hold.seq + 1 },
        });
        verifiedBy.set(holderId, scanner.id);
        holders.delete(holderId);
        holders.add(scanner.id);
      }
    }

    // Everyone but the four last holders is verified; their chains are still running.
    const open = await chains(host, session, teacher);
    expect(open.map((c) => c.state)).toEqual(['active', 'active', 'active', 'active']);
    expect(open.reduce((sum, c) => sum + c.length, 0)).toBe(26);
    for (const chain of open) {
      const closed = await api(host, teacher, 'POST', `sessions/${session.id}/chains/${chain.chainId}/close`);
      expect(closed.status).toBe(200);
      expect(closed.json).toMatchObject({ state: 'closed' });
    }

    const rows = (await new SessionRepository(host.services.store).listAttendance(session.id)).map((r) => r.value);
    expect(rows).toHaveLength(30);
    for (const row of rows) {
      expect(row.entry, row.email).toBe('on_time');
      expect(row.holding).toBeNull();
      if (holders.has(row.studentId)) {
        expect(row).toMatchObject({ entryMethod: 'teacher_close', entryVerifiedBy: teacher.id });
      } else {
        expect(row).toMatchObject({ entryMethod: 'chain', entryVerifiedBy: verifiedBy.get(row.studentId) });
      }
    }
    for (const student of students) {
      expect((await me(host, session, student)).status).toMatchObject({ entry: 'on_time', final: 'present' });
    }
    // Every accepted scan left exactly one audit event.
    const events = await api(host, teacher, 'GET', `sessions/${session.id}/events`);
    const scans = (events.json as { events: { kind: string; outcome: string }[] }).events.filter(
      (e) => e.kind === 'scan',
    );
    expect(scans).toHaveLength(26);
    expect(scans.every((e) => e.outcome === 'accepted')).toBe(true);
  });
});
