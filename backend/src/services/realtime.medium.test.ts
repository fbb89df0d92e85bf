// Real time end to end: the official @microsoft/signalr Node client negotiating through our API (the local host
// passing /client/ to the embedded emulator, as `npm start` runs it), group and user messages, reconnecting
// after the emulator restarts, refused tokens, who may join which group — and a class whose deltas reach the
// right people only, each one in the contract's catalogue.
import * as signalR from '@microsoft/signalr';
import { realtimeEvents, type RealtimeEventName, type Session } from '@qrca/contract';
import { SignJWT } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  buildSession,
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
import { FakeClock } from '../test-support/fake-clock';
import { startTestHost, type TestHost } from '../test-support/test-host';

interface Received {
  readonly event: RealtimeEventName;
  readonly payload: Record<string, unknown>;
}

/** A connected client recording every event of the catalogue it receives. */
interface Client {
  readonly connection: signalR.HubConnection;
  readonly received: Received[];
  /** Resolves with the first event matching `match` (already received, or to come), within `ms`. */
  next(match: (r: Received) => boolean, ms?: number): Promise<Received>;
  close(): Promise<void>;
}

const clients: Client[] = [];

async function connect(host: TestHost, person: Person, sessionId: string, view?: string): Promise<Client> {
  const query = `sessionId=${sessionId}${view ? `&view=${view}` : ''}`;
  const connection = new signalR.HubConnectionBuilder()
    .withUrl(`${host.url}/api?${query}`, { accessTokenFactory: () => person.token })
    .withAutomaticReconnect([0, 100, 250, 500, 1_000, 1_000, 1_000])
    .configureLogging(signalR.LogLevel.None)
    .build();
  const received: Received[] = [];
  const waiters: { match: (r: Received) => boolean; resolve: (r: Received) => void }[] = [];
  for (const event of Object.keys(realtimeEvents) as RealtimeEventName[]) {
    connection.on(event, (payload: Record<string, unknown>) => {
      const item = { event, payload };
      received.push(item);
      for (const waiter of [...waiters]) {
        if (waiter.match(item)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(item);
        }
      }
    });
  }
  await connection.start();
  const client: Client = {
    connection,
    received,
    next: (match, ms = 1_000) =>
      new Promise((resolve, reject) => {
        const seen = received.find(match);
        if (seen) return resolve(seen);
        const timer = setTimeout(() => reject(new Error(`no matching event within ${ms} ms`)), ms);
        waiters.push({ match, resolve: (r) => (clearTimeout(timer), resolve(r)) });
      }),
    close: () => connection.stop(),
  };
  clients.push(client);
  return client;
}

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
});

/** A started session with `n` students joined and online. */
async function classOf(host: TestHost, n: number, first: number) {
  const teacher = await signInPerson(host, `rt.teacher${first}@staff.example.edu`);
  const students = await signInStudents(host, n, first);
  const session = await createSession(host, teacher, buildSession(Date.now() - 60_000));
  await joinAll(host, session, students);
  return { teacher, students, session };
}

async function startChain(host: TestHost, teacher: Person, session: Session) {
  const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
  expect(started.status).toBe(201);
  return (started.json as { chains: { chainId: string; holderId: string }[] }).chains[0] as {
    chainId: string;
    holderId: string;
  };
}

describe('real time through our API and the embedded emulator', () => {
  const seen: { event: string; payload: unknown }[] = [];
  let host: TestHost;

  beforeAll(async () => {
    host = await startTestHost(CLASS_ROLES, {
      logLevel: 'silent',
      realtime: true,
      observeRealtime: (message) => seen.push({ event: message.event, payload: message.payload }),
    });
  });

  afterAll(() => host.close());

  it('negotiates through /api/negotiate: a teacher gets group messages, a holder their own hold', async () => {
    const { teacher, students, session } = await classOf(host, 3, 300);
    const dashboard = await connect(host, teacher, session.id);
    const phones = await Promise.all(students.map((s) => connect(host, s, session.id)));
    const chain = await startChain(host, teacher, session);
    const chainChanged = await dashboard.next((r) => r.event === 'chainChanged');
    expect(chainChanged.payload).toMatchObject({ sessionId: session.id, chain: { chainId: chain.chainId, seq: 1 } });
    const holderPhone = phones[students.findIndex((s) => s.id === chain.holderId)] as Client;
    const assigned = await holderPhone.next((r) => r.event === 'holdAssigned');
    expect(assigned.payload).toMatchObject({ sessionId: session.id, hold: { chainId: chain.chainId, seq: 1 } });
  });

  it('a hand-off: within 1 s the teacher has the row and the counts, the new holder their hold; no student learns about another', async () => {
    const { teacher, students, session } = await classOf(host, 3, 310);
    const chain = await startChain(host, teacher, session);
    const holder = students.find((s) => s.id === chain.holderId) as Person;
    const [scanner, bystander] = students.filter((s) => s !== holder) as [Person, Person];
    const dashboard = await connect(host, teacher, session.id);
    const phones = new Map(
      await Promise.all(students.map(async (s) => [s.id, await connect(host, s, session.id)] as const)),
    );
    const { hold } = await me(host, session, holder);
    if (!hold) throw new Error('no hold');
    const started = Date.now();
    const answer = await scan(host, session, scanner, await holderQr(session, hold, Date.now()));
    expect(answer.status).toBe(200);
    const row = await dashboard.next(
      (r) => r.event === 'attendanceChanged' && (r.payload.row as { studentId: string }).studentId === holder.id,
    );
    expect(row.payload.row).toMatchObject({ entry: 'on_time', entryMethod: 'chain' });
    // The row as written: its revision is the one a snapshot read now shows, above the one before the scan.
    const listed = await api(host, teacher, 'GET', `sessions/${session.id}/attendance`);
    const snapshot = (listed.json as { rows: { studentId: string; version: number }[] }).rows;
    const version = (row.payload.row as { version: number }).version;
    expect(version).toBe(snapshot.find((r) => r.studentId === holder.id)?.version);
    expect(version).toBeGreaterThan(1); // joined, handed the baton, verified
    const counts = await dashboard.next(
      (r) => r.event === 'countsChanged' && (r.payload.counts as { present: number }).present === 1,
    );
    expect(counts.payload).toMatchObject({ sessionId: session.id });
    const assigned = await phones.get(scanner.id)?.next((r) => r.event === 'holdAssigned');
    expect(assigned?.payload).toMatchObject({ hold: { chainId: chain.chainId, seq: 2 } });
    const status = await phones.get(holder.id)?.next((r) => r.event === 'statusChanged');
    expect(status?.payload).toMatchObject({ status: { entry: 'on_time', final: 'present' } });
    await phones.get(holder.id)?.next((r) => r.event === 'holdReleased');
    expect(Date.now() - started).toBeLessThan(1_000 + 500); // the scan's own round trip included
    // Students hear of themselves and of the session only, never of each other or the teacher's views.
    for (const [id, phone] of phones) {
      for (const { event, payload } of phone.received) {
        expect(['holdAssigned', 'holdReleased', 'statusChanged', 'sessionChanged']).toContain(event);
        if (event === 'holdAssigned') expect((payload.hold as { chainId: string }).chainId).toBe(chain.chainId);
      }
      const about = phone.received.filter((r) => r.event === 'holdAssigned').length;
      expect(about, `holdAssigned at ${id}`).toBe(id === scanner.id ? 1 : 0);
    }
    expect(phones.get(bystander.id)?.received).toEqual([]);
    expect(JSON.stringify(phones.get(scanner.id)?.received)).not.toContain(holder.email);
  });

  it('a student may not join the teachers or display group; others of the session are not found', async () => {
    const { teacher, students, session } = await classOf(host, 1, 320);
    const [student] = students as [Person];
    const outsider = await signInPerson(host, 'rt.outsider@students.example.edu');
    for (const view of ['dashboard', 'display']) {
      const refused = await api(host, student, 'POST', `negotiate?sessionId=${session.id}&view=${view}`);
      expect(refused.status).toBe(403);
    }
    expect((await api(host, outsider, 'POST', `negotiate?sessionId=${session.id}`)).status).toBe(404);
    expect((await api(host, teacher, 'POST', `negotiate?sessionId=${session.id}&view=student`)).status).toBe(403);
    expect((await api(host, teacher, 'POST', 'negotiate')).status).toBe(400);
    expect((await api(host, teacher, 'POST', `negotiate?sessionId=${session.id}&view=x`)).status).toBe(400);
    const ok = await api(host, student, 'POST', `negotiate?sessionId=${session.id}`);
    expect(ok.json).toMatchObject({ url: `${host.url}/client/?hub=attendance` });
  });

  it('refuses forged and expired client tokens at the emulator', async () => {
    const { teacher, session } = await classOf(host, 1, 330);
    const { url } = (await api(host, teacher, 'POST', `negotiate?sessionId=${session.id}`)).json as { url: string };
    const config = host.services.config.realtime;
    if (config.kind !== 'signalr') throw new Error('no realtime');
    const sign = (key: string, exp: number) =>
      new SignJWT({ nameid: teacher.id })
        .setProtectedHeader({ alg: 'HS256' })
        .setAudience(url)
        .setExpirationTime(exp)
        .sign(new TextEncoder().encode(key));
    const now = Math.floor(Date.now() / 1000);
    const negotiate = (token: string) =>
      fetch(`${host.url}/client/negotiate?hub=attendance&negotiateVersion=1`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
    expect((await negotiate(await sign(config.accessKey, now + 600))).status).toBe(200);
    expect((await negotiate(await sign('not-the-key-'.repeat(4), now + 600))).status).toBe(401);
    expect((await negotiate(await sign(config.accessKey, now - 60))).status).toBe(401);
    expect((await negotiate('garbage')).status).toBe(401);
    await expect(connect(host, { ...teacher, token: 'forged' }, session.id)).rejects.toThrow();
  });

  it('reconnects by itself after the emulator restarts and still gets the group messages', async () => {
    const { teacher, students, session } = await classOf(host, 2, 340);
    const dashboard = await connect(host, teacher, session.id);
    const reconnected = new Promise<void>((resolve) => dashboard.connection.onreconnected(() => resolve()));
    await host.realtime?.restart();
    await reconnected;
    await startChain(host, teacher, session);
    await dashboard.next((r) => r.event === 'chainChanged', 2_000);
    expect(students).toHaveLength(2);
  });

  it('pushes rotating projector codes to the display', async () => {
    const teacher = await signInPerson(host, 'rt.projector@staff.example.edu');
    // Entry by projector too: its entry code is open while on-time entry is.
    const session = await createSession(host, teacher, buildSession(Date.now() - 60_000, { entryMethod: 'both' }));
    const display = await connect(host, teacher, session.id, 'display');
    expect(await host.services.tokens.pushRotatingCodes()).toBeGreaterThan(0);
    const rotated = await display.next((r) => r.event === 'codeRotated');
    const http = await api(host, teacher, 'GET', `sessions/${session.id}/codes/entry`);
    expect(rotated.payload).toMatchObject({ sessionId: session.id, code: http.json as object });
  });

  it('every event the backend sent is in the catalogue and matches its schema', async () => {
    await host.services.delivery.flush();
    expect(seen.length).toBeGreaterThan(10);
    const kinds = new Set<string>();
    for (const { event, payload } of seen) {
      const schema = realtimeEvents[event as RealtimeEventName];
      expect(schema, `${event} is in the catalogue`).toBeDefined();
      const parsed = schema.safeParse(payload);
      expect(parsed.success, `${event}: ${parsed.error?.message ?? ''}`).toBe(true);
      kinds.add(event);
    }
    expect([...kinds].sort()).toEqual(
      expect.arrayContaining(['attendanceChanged', 'chainChanged', 'countsChanged', 'holdAssigned', 'codeRotated']),
    );
  });
});

describe('real time on a fake clock, and without it', () => {
  it('tells teachers of a stall, with its reason, when the sweep passes the chain on', async () => {
    const clock = new FakeClock(Date.now());
    const host = await startTestHost(CLASS_ROLES, { logLevel: 'silent', realtime: true, clock });
    try {
      const { teacher, students, session } = await classOf(host, 2, 350);
      const chain = await startChain(host, teacher, session);
      const dashboard = await connect(host, teacher, session.id);
      clock.advance(65_000); // no hand-off for 65 s, and nobody sent a heartbeat
      await heartbeatAll(
        host,
        session,
        students.filter((s) => s.id !== chain.holderId),
      );
      await host.services.lifecycle.tick();
      const stalled = await dashboard.next((r) => r.event === 'chainStalled');
      expect(stalled.payload).toMatchObject({
        sessionId: session.id,
        reason: 'holder_offline',
        chain: { chainId: chain.chainId, holderId: chain.holderId, state: 'stalled' },
      });
      const passed = await dashboard.next(
        (r) => r.event === 'chainChanged' && (r.payload.chain as { seq: number }).seq === 2,
      );
      expect((passed.payload.chain as { holderId: string }).holderId).not.toBe(chain.holderId);
    } finally {
      await host.close();
    }
  });

  it('a realtime outage degrades health but never fails a scan; it comes back by itself', async () => {
    const host = await startTestHost(CLASS_ROLES, { logLevel: 'silent', realtime: true });
    try {
      const { teacher, students, session } = await classOf(host, 3, 360);
      const chain = await startChain(host, teacher, session);
      const holder = students.find((s) => s.id === chain.holderId) as Person;
      const scanner = students.find((s) => s !== holder) as Person;
      await host.realtime?.stop();
      const health = await host.fetch('/api/health');
      expect(health.status).toBe(503);
      expect(await health.json()).toMatchObject({ status: 'degraded', checks: { realtime: { ok: false } } });
      const { hold } = await me(host, session, holder);
      if (!hold) throw new Error('no hold');
      const answer = await scan(host, session, scanner, await holderQr(session, hold, Date.now()));
      expect(answer.status).toBe(200);
      const refused = await api(host, teacher, 'POST', `negotiate?sessionId=${session.id}`);
      expect(refused.status).toBe(503);
      await host.realtime?.restart();
      expect((await host.fetch('/api/health')).status).toBe(200);
      const dashboard = await connect(host, teacher, session.id);
      expect(dashboard.connection.state).toBe('Connected');
    } finally {
      await host.close();
    }
  });
});
