// Insights over HTTP on the local host: a class's figures from its rows, chains and audit log; frozen and kept at
// the session's end, past the audit log's purge; the AI summary off without Azure OpenAI settings, and with them a
// real HTTP exchange with a local chat-completions server whose prompt carries numbers only — no name, email,
// student id, session id or title.
import type { InsightsResponse, Session } from '@qrca/contract';
import { afterEach, describe, expect, it } from 'vitest';
import { startChatServer, type ChatServer } from '../test-support/chat-completions-server';
import {
  api,
  buildSession,
  CLASS_ROLES,
  createSession,
  holderQr,
  joinAll,
  me,
  scan,
  signInPerson,
  studentEmail,
  signInStudents,
  type Person,
} from '../test-support/classroom';
import { FakeClock } from '../test-support/fake-clock';
import { startTestHost, type TestHost } from '../test-support/test-host';

const hosts: TestHost[] = [];
const servers: ChatServer[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
  for (const server of servers.splice(0)) await server.close();
});

async function insightsOf(host: TestHost, teacher: Person, session: Session): Promise<InsightsResponse> {
  const answer = await api(host, teacher, 'GET', `sessions/${session.id}/insights`);
  expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  return answer.json as InsightsResponse;
}

/** Passes the session's one entry chain along `order` (its seed first); returns who holds it at the end. */
async function passAlong(host: TestHost, session: Session, order: readonly Person[], nowMs: () => number) {
  for (let i = 1; i < order.length; i++) {
    const { hold } = await me(host, session, order[i - 1] as Person);
    if (!hold) throw new Error(`${order[i - 1]?.email} holds nothing`);
    const answer = await scan(host, session, order[i] as Person, await holderQr(session, hold, nowMs()));
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
  }
}

/** A started class of `count` with one entry chain; its students in the order the baton will go (seed first). */
async function chainClass(host: TestHost, teacher: Person, count: number, body: object, nowMs: number) {
  const people = await signInStudents(host, count);
  const session = await createSession(host, teacher, buildSession(nowMs, { devicePolicy: 'off', ...body }));
  await joinAll(host, session, people);
  const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
  const seedId = (started.json as { chains: { holderId: string }[] }).chains[0]?.holderId;
  const seed = people.find((p) => p.id === seedId) as Person;
  return { session, people, order: [seed, ...people.filter((p) => p !== seed)] };
}

describe('insights', () => {
  it('counts a class from its facts, freezes at the end and keeps the figures past the audit purge', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 29, 9, 0, 0));
    const host = await startTestHost({ ...CLASS_ROLES, FLAG_TOO_FAST_MS: '0' }, { logLevel: 'silent', clock });
    hosts.push(host);
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const { session, order } = await chainClass(host, teacher, 5, {}, clock.now());
    // Holders keep the baton 4 s, 6 s, 8 s; the last one is left for the teacher to close.
    const holdFor = [4_000, 6_000, 8_000];
    for (let i = 1; i < 4; i++) {
      clock.advance(holdFor[i - 1] as number);
      await passAlong(host, session, [order[i - 1] as Person, order[i] as Person], () => clock.now());
    }
    const live = await insightsOf(host, teacher, session);
    expect(live).toMatchObject({ sessionId: session.id, frozen: false, summary: { state: 'off', text: null } });
    const figuresOnly = await api(host, teacher, 'GET', `sessions/${session.id}/insights?summary=skip`);
    expect(figuresOnly.json).toMatchObject({ figures: live.figures, summary: { state: 'off', text: null } });
    expect((await api(host, teacher, 'GET', `sessions/${session.id}/insights?summary=maybe`)).status).toBe(400);
    expect(live.figures).toMatchObject({
      students: { joined: 5, verified: 3, onTime: 3, late: 0 },
      entry: { timeTo50Ms: 10_000, timeTo90Ms: 18_000, timeTo100Ms: 18_000, byMethod: { chain: 3 } },
      handOffs: { count: 3, medianMs: 6_000 },
      chains: { started: 1, entry: 1, exit: 0, reseeds: 0, endedByClassmate: 0, closedByTeacher: 0 },
      flags: { byKind: {}, flaggedStudents: 0 },
      spotChecks: { picked: 0 },
    });
    expect(live.figures.entry.curve).toEqual([
      { atMs: 4_000, verified: 1 },
      { atMs: 10_000, verified: 2 },
      { atMs: 18_000, verified: 3 },
    ]);

    // The teacher closes the chain (its holder is checked in) and ends the session: the figures freeze.
    clock.advance(2_000);
    const chains = (await api(host, teacher, 'GET', `sessions/${session.id}/chains`)).json as {
      chains: { chainId: string }[];
    };
    const chainId = chains.chains[0]?.chainId as string;
    expect((await api(host, teacher, 'POST', `sessions/${session.id}/chains/${chainId}/close`)).status).toBe(200);
    expect((await api(host, teacher, 'POST', `sessions/${session.id}/end`)).status).toBe(200);
    const ended = await insightsOf(host, teacher, session);
    expect(ended.frozen).toBe(true);
    expect(ended.figures).toMatchObject({
      students: { verified: 4 },
      entry: { byMethod: { chain: 3, teacherClose: 1 }, timeTo100Ms: 20_000 },
      chains: { closedByTeacher: 1 },
    });
    clock.advance(60_000);
    expect(await insightsOf(host, teacher, session)).toEqual(ended);

    // A second class, never looked at, ends; 91 days later the purge keeps its insights before the audit goes.
    const other = await chainClass(host, teacher, 3, {}, clock.now());
    clock.advance(5_000);
    await passAlong(host, other.session, other.order, () => clock.now());
    expect((await api(host, teacher, 'POST', `sessions/${other.session.id}/end`)).status).toBe(200);
    clock.advance(91 * 86_400_000);
    const removed = await host.services.attendance.purgeAudit(90, (id) => host.services.insights.keep(id));
    expect(removed).toBeGreaterThan(0);
    const later = await signInPerson(host, teacher.email);
    expect((await api(host, later, 'GET', `sessions/${other.session.id}/events`)).json).toMatchObject({
      events: [],
    });
    const kept = await insightsOf(host, later, other.session);
    // Held 5 s, then passed on at once.
    expect(kept.figures).toMatchObject({ handOffs: { count: 2, medianMs: 2_500 }, chains: { started: 1 } });
  });

  it('writes the summary through Azure OpenAI from numbers alone, remembers it, and copes with an outage', async () => {
    const server = await startChatServer({ fallback: { content: 'Most of the class checked in within a minute.' } });
    servers.push(server);
    const host = await startTestHost(
      {
        ...CLASS_ROLES,
        FLAG_TOO_FAST_MS: '0',
        AZURE_OPENAI_ENDPOINT: server.endpoint,
        AZURE_OPENAI_API_KEY: 'test-key-not-a-secret',
        AZURE_OPENAI_DEPLOYMENT: 'summaries',
      },
      { logLevel: 'silent' },
    );
    hosts.push(host);
    const title = 'Quantum Basket Weaving 7B';
    const names = ['Zyxwort Quillfeather', 'Ombretta Vasquez-Lindqvist', 'Thaddeus Moonbeam'];
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const roster = names.map((name, i) => ({ email: studentEmail(i), name }));
    const { session, people, order } = await chainClass(
      host,
      teacher,
      3,
      { title, roster, rosterMode: 'strict' },
      Date.now() - 60_000,
    );
    await passAlong(host, session, order, () => Date.now());

    // The figures alone come at once: no summary is asked for, and the answer says one can be.
    const skipped = await api(host, teacher, 'GET', `sessions/${session.id}/insights?summary=skip`);
    expect((skipped.json as InsightsResponse).summary).toEqual({ state: 'skipped', text: null });
    expect(server.requests).toHaveLength(0);

    const first = await insightsOf(host, teacher, session);
    expect(first.summary).toEqual({ state: 'ready', text: 'Most of the class checked in within a minute.' });
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.path).toBe('/openai/deployments/summaries/chat/completions');
    expect(request?.headers['api-key']).toBe('test-key-not-a-secret');
    // Privacy: what reached the model names nobody and nothing — only the numbers.
    const sent = JSON.stringify(request?.body);
    const secrets = [
      title,
      session.id,
      session.joinCode,
      teacher.email,
      teacher.id,
      ...names,
      ...names.flatMap((name) => name.split(/[\s-]+/)),
      ...people.flatMap((p) => [p.email, p.id, p.email.split('@')[0] as string]),
    ];
    for (const secret of secrets) expect(sent, secret).not.toContain(secret);
    expect(sent).not.toContain('@');
    expect(sent).toContain(String(first.figures.students.verified));

    // The same figures again: the summary is remembered, not asked for twice (also for the figures alone).
    expect((await insightsOf(host, teacher, session)).summary.state).toBe('ready');
    const again = await api(host, teacher, 'GET', `sessions/${session.id}/insights?summary=skip`);
    expect((again.json as InsightsResponse).summary.state).toBe('ready');
    expect(server.requests).toHaveLength(1);

    // The service fails from now on: the figures still come, the summary says it is unavailable.
    server.fallback = { status: 500 };
    expect((await api(host, teacher, 'POST', `sessions/${session.id}/end`)).status).toBe(200);
    const down = await insightsOf(host, teacher, session);
    expect(down).toMatchObject({ frozen: true, summary: { state: 'unavailable', text: null } });
    expect(down.figures.handOffs.count).toBe(2);
    // Back again: the ended session's summary is written once and kept with its figures.
    server.fallback = { content: 'Everyone was in within seconds.' };
    const back = await insightsOf(host, teacher, session);
    expect(back.summary).toEqual({ state: 'ready', text: 'Everyone was in within seconds.' });
    const asked = server.requests.length;
    expect((await insightsOf(host, teacher, session)).summary.text).toBe('Everyone was in within seconds.');
    expect(server.requests).toHaveLength(asked);
  });
});
