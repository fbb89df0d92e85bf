// The end of a chain over HTTP on the local host (fake clock): once nobody online could take a baton any more, a
// classmate already verified in the phase scans the last holder — the holder is verified, the chain closes, no
// teacher needed (PRODUCT §4.1.6). While someone could still take it, a verified scanner is refused as before.
import type { AuditEvent, Hold, Session } from '@qrca/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionRepository } from '../repositories/session.repository';
import {
  api,
  buildSession,
  chains,
  CLASS_ROLES,
  createSession,
  holderQr,
  joinAll,
  me,
  newScanId,
  scan,
  signInPerson,
  signInStudents,
  type Person,
} from '../test-support/classroom';
import { FakeClock } from '../test-support/fake-clock';
import { startTestHost, type TestHost } from '../test-support/test-host';

const hosts: TestHost[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
});

async function holdOf(host: TestHost, session: Session, holder: Person): Promise<Hold> {
  const { hold } = await me(host, session, holder);
  if (!hold) throw new Error(`${holder.email} holds no baton`);
  return hold;
}

describe('the end of a chain', () => {
  it('a verified classmate ends it at its last holder once nobody online could take it', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 26, 9, 0, 0));
    const host = await startTestHost({ ...CLASS_ROLES }, { logLevel: 'silent', clock });
    hosts.push(host);
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const people = await signInStudents(host, 4);
    const session = await createSession(host, teacher, buildSession(clock.now()));
    await joinAll(host, session, people);
    const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
    expect(started.status).toBe(201);
    const seedId = (started.json as { chains: { holderId: string; chainId: string }[] }).chains[0]?.holderId;
    const seed = people.find((p) => p.id === seedId) as Person;
    const [a, b, offline] = people.filter((p) => p !== seed) as [Person, Person, Person];

    // a takes the baton (the seed is verified); the seed may not end a's chain: b and `offline` could take it.
    expect(
      (await scan(host, session, a, await holderQr(session, await holdOf(host, session, seed), clock.now()))).status,
    ).toBe(200);
    const early = await scan(host, session, seed, await holderQr(session, await holdOf(host, session, a), clock.now()));
    expect([early.status, early.code, (early.json as { error: { details: unknown } }).error.details]).toEqual([
      422,
      'NOT_ELIGIBLE',
      { reason: 'verified' },
    ]);

    // 31 s later `offline` has sent nothing (not online any more); b takes the baton from a.
    clock.advance(31_000);
    expect((await api(host, a, 'POST', `sessions/${session.id}/heartbeat`)).status).toBe(204);
    expect(
      (await scan(host, session, b, await holderQr(session, await holdOf(host, session, a), clock.now()))).status,
    ).toBe(200);

    // Nobody online can take b's baton: the seed (verified) scans b and ends the chain.
    const last = await holdOf(host, session, b);
    const payload = await holderQr(session, last, clock.now());
    const scanId = newScanId();
    const ended = await scan(host, session, seed, payload, scanId);
    expect(ended.status, JSON.stringify(ended.json)).toBe(200);
    expect(ended.json).toEqual({ outcome: 'verified_holder', flow: 'chain', youAreHolder: false });
    // The same attempt again: the same answer, nothing more.
    expect((await scan(host, session, seed, payload, scanId)).json).toEqual(ended.json);
    // Its code is spent: another verified classmate is told someone took it.
    expect((await scan(host, session, a, payload)).code).toBe('BATON_TAKEN');

    const [chain] = await chains(host, session, teacher);
    expect(chain).toMatchObject({ state: 'closed', length: 3, holderId: b.id, seq: last.seq + 1 });
    expect(await me(host, session, b)).toMatchObject({ status: { entry: 'on_time' }, hold: null });
    const rows = new SessionRepository(host.services.store);
    expect((await rows.getAttendance(session.id, b.id))?.value).toMatchObject({
      entry: 'on_time',
      entryMethod: 'chain',
      entryVerifiedBy: seed.id,
      holding: null,
    });
    expect((await rows.getAttendance(session.id, seed.id))?.value.holding).toBeNull();
    const events = (await api(host, teacher, 'GET', `sessions/${session.id}/events`)).json as { events: AuditEvent[] };
    const accepted = events.events.filter((e) => e.kind === 'scan' && e.outcome === 'accepted');
    expect(accepted.map((e) => `${e.actorId} → ${e.targetId}`).sort()).toEqual(
      [`${a.id} → ${seed.id}`, `${b.id} → ${a.id}`, `${seed.id} → ${b.id}`].sort(),
    );
    // `offline` comes back and finds no baton to take: the teacher may start another chain for them.
    expect((await api(host, offline, 'POST', `sessions/${session.id}/heartbeat`)).status).toBe(204);
    expect((await me(host, session, offline)).status.entry).toBeNull();
  });

  it('a classmate ends at most one chain of a phase: the next last holder needs another', async () => {
    const host = await startTestHost({ ...CLASS_ROLES }, { logLevel: 'silent' });
    hosts.push(host);
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const people = await signInStudents(host, 5);
    const session = await createSession(host, teacher, buildSession(Date.now() - 60_000));
    await joinAll(host, session, people);
    const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 2 });
    const seedIds = (started.json as { chains: { holderId: string }[] }).chains.map((c) => c.holderId);
    const byId = new Map(people.map((p) => [p.id, p]));
    const [h1, h2] = seedIds.map((id) => byId.get(id) as Person) as [Person, Person];
    const [r1, r2, r3] = people.filter((p) => !seedIds.includes(p.id)) as [Person, Person, Person];
    const take = async (scanner: Person, holder: Person) =>
      scan(host, session, scanner, await holderQr(session, await holdOf(host, session, holder), Date.now()));
    expect((await take(r1, h1)).status).toBe(200);
    expect((await take(r2, h2)).status).toBe(200);
    expect((await take(r3, r1)).status).toBe(200);
    // r2 and r3 hold the two batons; everyone else is verified: nobody can take them any more.
    expect((await take(h1, r3)).json).toMatchObject({ youAreHolder: false });
    const second = await take(h1, r2);
    expect([second.status, second.code]).toEqual([422, 'NOT_ELIGIBLE']);
    expect((await take(h2, r2)).json).toMatchObject({ youAreHolder: false });
    const all = await chains(host, session, teacher);
    expect(all.map((c) => c.state)).toEqual(['closed', 'closed']);
    expect(all.reduce((sum, c) => sum + c.length, 0)).toBe(5);
    for (const person of people) expect((await me(host, session, person)).status.entry).toBe('on_time');
  });
});
