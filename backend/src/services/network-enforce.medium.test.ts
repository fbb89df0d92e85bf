// Batons and networks over HTTP on the local host: under an enforced network list a phone outside it is never
// offered a baton and cannot pass one on (a friend in the room scanning a baton shown at home over a call checks in
// nobody), its chain stalls and goes to the room; without a list, a student on another network than the last holder
// does not keep a verified classmate from ending the chain; and a hand-off whose holder's phone was out of touch
// is flagged `holder_offline` on both sides.
import type { AttendanceRow, Hold, Session } from '@qrca/contract';
import { afterEach, describe, expect, it } from 'vitest';
import {
  api,
  buildSession,
  chains,
  CLASS_ROLES,
  createSession,
  holderQr,
  me,
  newScanId,
  signInPerson,
  signInStudents,
  type Person,
} from '../test-support/classroom';
import { postAs } from '../test-support/devices';
import { FakeClock } from '../test-support/fake-clock';
import { startTestHost, type TestHost } from '../test-support/test-host';

const CAMPUS = '203.0.113.0/24';
const HOME = '198.51.100.7';
const inRoom = (i: number) => `203.0.113.${10 + i}`;

const hosts: TestHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
});

async function hostWith(clock?: FakeClock): Promise<TestHost> {
  const host = await startTestHost(
    { ...CLASS_ROLES, TRUSTED_PROXIES: '127.0.0.1,::1', FLAG_TOO_FAST_MS: '0' },
    { logLevel: 'silent', ...(clock ? { clock } : {}) },
  );
  hosts.push(host);
  return host;
}

/** POSTs `path` (under the session) as `person` from `address`; the status and the error's reason. */
async function postFrom(
  host: TestHost,
  session: Session,
  person: Person,
  path: string,
  body: unknown,
  address: string,
) {
  const response = await host.fetch(`/api/sessions/${session.id}/${path}`, postAs(person, body, address));
  const text = await response.text();
  const json = (text ? JSON.parse(text) : {}) as { error?: { code: string; details?: { reason?: string } } };
  return { status: response.status, code: json.error?.code, reason: json.error?.details?.reason };
}

const join = (host: TestHost, session: Session, person: Person, address: string) =>
  postFrom(host, session, person, 'join', { joinCode: session.joinCode }, address);
const heartbeat = (host: TestHost, session: Session, person: Person, address: string) =>
  postFrom(host, session, person, 'heartbeat', {}, address);

async function holdOf(host: TestHost, session: Session, person: Person): Promise<Hold> {
  const { hold } = await me(host, session, person);
  if (!hold) throw new Error(`${person.email} holds no baton`);
  return hold;
}

/** `scanner` scans what `holder`'s phone shows now, from `address`. */
async function scanBaton(host: TestHost, session: Session, scanner: Person, holder: Person, address: string) {
  const payload = await holderQr(session, await holdOf(host, session, holder), Date.now());
  return postFrom(host, session, scanner, 'scans', { scanId: newScanId(), payload }, address);
}

async function rowsOf(host: TestHost, teacher: Person, session: Session): Promise<Map<string, AttendanceRow>> {
  const list = (await api(host, teacher, 'GET', `sessions/${session.id}/attendance`)).json as { rows: AttendanceRow[] };
  return new Map(list.rows.map((row) => [row.studentId, row]));
}

describe('batons and networks', () => {
  it('under enforce: seeds only phones on the list, refuses a baton shown from outside it, and moves it on', async () => {
    const host = await hostWith();
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const [home, ...room] = await signInStudents(host, 4);
    const session = await createSession(
      host,
      teacher,
      buildSession(Date.now() - 60_000, {
        devicePolicy: 'off',
        constraints: { networks: { cidrs: [CAMPUS], mode: 'enforce' } },
      }),
    );
    // The student at home joins with the join code a friend sent: joining is not a scan, so it is let in.
    expect((await join(host, session, home as Person, HOME)).status).toBe(200);
    for (const [i, person] of room.entries()) expect((await join(host, session, person, inRoom(i))).status).toBe(200);

    // Four chains asked for: only the three phones in the room can hold one.
    const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 4 });
    expect(started.status).toBe(201);
    const holders = (started.json as { chains: { holderId: string; chainId: string }[] }).chains;
    expect(holders.map((c) => c.holderId).sort()).toEqual(room.map((p) => p.id).sort());

    // The teacher hands one chain to the student at home; a friend in the room scans the baton shown over a call.
    const [first] = holders as [{ holderId: string; chainId: string }];
    const handed = await api(host, teacher, 'POST', `sessions/${session.id}/chains/${first.chainId}/holder`, {
      studentId: (home as Person).id,
    });
    expect(handed.status).toBe(200);
    const friend = room.find((p) => p.id === first.holderId) as Person;
    const relayed = await scanBaton(host, session, friend, home as Person, inRoom(0));
    expect([relayed.status, relayed.code, relayed.reason]).toEqual([422, 'NOT_ELIGIBLE', 'holder_off_network']);
    expect((await me(host, session, home as Person)).status.entry).toBeNull();

    // The next sweep sees the holder outside the list: the chain goes to someone in the room.
    for (const [i, person] of room.entries())
      expect((await heartbeat(host, session, person, inRoom(i))).status).toBe(204);
    await host.services.lifecycle.tick();
    const moved = (await chains(host, session, teacher)).find((c) => c.chainId === first.chainId);
    expect(moved?.holderId).not.toBe((home as Person).id);
    expect(room.map((p) => p.id)).toContain(moved?.holderId);
    const rows = await rowsOf(host, teacher, session);
    expect(rows.get((home as Person).id)?.entry).toBeNull();
  });

  it('without a list: a student on another network does not keep a verified classmate from ending the chain', async () => {
    const host = await hostWith();
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const [home, a, b] = (await signInStudents(host, 3)) as [Person, Person, Person];
    const session = await createSession(host, teacher, buildSession(Date.now() - 60_000, { devicePolicy: 'off' }));
    expect((await join(host, session, a, inRoom(0))).status).toBe(200);
    expect((await join(host, session, b, inRoom(1))).status).toBe(200);
    const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
    const seedId = (started.json as { chains: { holderId: string }[] }).chains[0]?.holderId;
    const [seed, other] = seedId === a.id ? [a, b] : [b, a];
    expect((await scanBaton(host, session, other, seed, inRoom(1))).status).toBe(200);
    // Now only `other` holds, unverified; the student at home is online and unverified, on a home network.
    expect((await join(host, session, home, HOME)).status).toBe(200);
    const ended = await scanBaton(host, session, seed, other, inRoom(0));
    expect(ended.status).toBe(200);
    expect((await me(host, session, other)).status.entry).toBe('on_time');
    expect((await chains(host, session, teacher))[0]?.state).toBe('closed');
  });

  it('flags a hand-off whose holder’s phone was out of touch for 30 s, on both sides', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 29, 9, 0, 0));
    const host = await hostWith(clock);
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const students = (await signInStudents(host, 3)) as [Person, Person, Person];
    const session = await createSession(host, teacher, buildSession(clock.now(), { devicePolicy: 'off' }));
    for (const [i, person] of students.entries())
      expect((await join(host, session, person, inRoom(i))).status).toBe(200);
    const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
    const seedId = (started.json as { chains: { holderId: string }[] }).chains[0]?.holderId;
    const holder = students.find((p) => p.id === seedId) as Person;
    const [near, far] = students.filter((p) => p !== holder) as [Person, Person];
    const hold = await holdOf(host, session, holder);

    // The holder's phone is in touch: a plain hand-off, no flag.
    clock.advance(10_000);
    const payload = await holderQr(session, hold, clock.now());
    expect((await postFrom(host, session, near, 'scans', { scanId: newScanId(), payload }, inRoom(1))).status).toBe(
      200,
    );
    // 31 s without a sign from `near`'s phone (its app closed), yet its baton is scanned.
    clock.advance(31_000);
    expect((await heartbeat(host, session, far, inRoom(2))).status).toBe(204);
    const shown = await holderQr(session, await holdOf(host, session, near), clock.now());
    const taken = await postFrom(host, session, far, 'scans', { scanId: newScanId(), payload: shown }, inRoom(2));
    expect(taken.status).toBe(200);
    const rows = await rowsOf(host, teacher, session);
    expect(rows.get(holder.id)?.flags).toEqual([]);
    expect(rows.get(near.id)?.flags).toEqual(['holder_offline']);
    expect(rows.get(far.id)?.flags).toEqual(['holder_offline']);
    expect(rows.get(far.id)?.flagEvidence?.[0]).toMatchObject({
      flag: 'holder_offline',
      role: 'scanner',
      otherStudentId: near.id,
      detail: `baton passed on while the holder’s phone had not been in touch for over 30.0 s (scanned ${near.email}’s baton)`,
    });
  });
});
