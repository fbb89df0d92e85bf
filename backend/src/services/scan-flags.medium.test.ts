// Presence proof over HTTP on the local host: device keys registered at sign-in and after, signed scans under
// the session's device policy (enforce refuses a bad signature, warn flags it), shared and changed devices, and
// the relay and timing flags of a hand-off (too fast, late code on a fake clock, different networks) — each with
// its evidence on the row, in the attendance list, the audit event and the export.
import {
  JOIN_SIGNATURE_ID,
  signScan,
  type AttendanceRow,
  type AuditEvent,
  type CreateSessionRequest,
  type ExportJsonSchema,
  type Session,
} from '@qrca/contract';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  api,
  buildSession,
  CLASS_ROLES,
  createSession,
  holderQr,
  joinAll,
  me,
  newScanId,
  scan,
  signInPerson,
  type Person,
} from '../test-support/classroom';
import { newDevice, postAs, signedScanBody, signInWithDevice, type TestDevice } from '../test-support/devices';
import { FakeClock } from '../test-support/fake-clock';
import { bearer, JSON_HEADERS } from '../test-support/sign-in';
import { startTestHost, type TestHost } from '../test-support/test-host';

type ExportJson = z.infer<typeof ExportJsonSchema>;

async function attendanceRow(host: TestHost, teacher: Person, session: Session, student: Person) {
  const list = (await api(host, teacher, 'GET', `sessions/${session.id}/attendance`)).json as { rows: AttendanceRow[] };
  return list.rows.find((row) => row.studentId === student.id) as AttendanceRow;
}

async function scanEvents(host: TestHost, teacher: Person, session: Session): Promise<AuditEvent[]> {
  const page = (await api(host, teacher, 'GET', `sessions/${session.id}/events`)).json as { events: AuditEvent[] };
  return page.events.filter((event) => event.kind === 'scan');
}

async function exportRow(host: TestHost, teacher: Person, session: Session, student: Person) {
  const file = (await api(host, teacher, 'GET', `sessions/${session.id}/export?format=json`)).json as ExportJson;
  return file.rows.find((row) => row.student_id === student.id) as ExportJson['rows'][number];
}

/** The projector's current entry code (the session's entry method must allow it). */
async function entryCode(host: TestHost, teacher: Person, session: Session): Promise<string> {
  const code = await api(host, teacher, 'GET', `sessions/${session.id}/codes/entry`);
  expect(code.status, JSON.stringify(code.json)).toBe(200);
  return (code.json as { payload: string }).payload;
}

/** POSTs a JSON body to `path` as `person` (optionally from a forwarded client address); status and error. */
async function postScanLike(host: TestHost, path: string, person: Person, body: unknown, forwardedFor?: string) {
  const response = await host.fetch(path, postAs(person, body, forwardedFor));
  const json = (await response.json()) as { error?: { code: string; details?: { reason?: string } } };
  return { status: response.status, code: json.error?.code, reason: json.error?.details?.reason, json };
}

/** POSTs a scan body as `person` (optionally from a forwarded client address). */
function postScan(host: TestHost, session: Session, person: Person, body: unknown, forwardedFor?: string) {
  return postScanLike(host, `/api/sessions/${session.id}/scans`, person, body, forwardedFor);
}

describe('device keys and signed scans', () => {
  let host: TestHost;
  let teacher: Person;
  const devices: TestDevice[] = [];
  const students: Person[] = [];

  beforeAll(async () => {
    // Scripted hand-offs are faster than people: the too_fast rule is off here (tested on a fake clock below).
    host = await startTestHost({ ...CLASS_ROLES, FLAG_TOO_FAST_MS: '0' }, { logLevel: 'silent' });
    teacher = await signInPerson(host, 'ada@staff.example.edu');
    for (let i = 0; i < 6; i++) {
      const device = await newDevice();
      devices.push(device);
      students.push(await signInWithDevice(host, `signer${i}@students.example.edu`, device));
    }
  });
  afterAll(async () => {
    await host.close();
  });

  /** A started session of the teacher (entry by the projector too), joined by `who`. */
  async function sessionFor(who: readonly Person[], overrides: Partial<CreateSessionRequest> = {}) {
    const session = await createSession(
      host,
      teacher,
      buildSession(Date.now() - 60_000, { entryMethod: 'both', ...overrides }),
    );
    await joinAll(host, session, who);
    return session;
  }

  it('registers a device key at sign-in and afterwards (401 signed out, 400 for a key that is not P-256)', async () => {
    const [ana] = students as [Person];
    const other = await newDevice();
    const anonymous = await host.fetch('/api/auth/devices', {
      method: 'POST',
      headers: JSON_HEADERS,
      body: JSON.stringify({ deviceKey: other.publicKey }),
    });
    expect(anonymous.status).toBe(401);
    const rsa = await api(host, ana, 'POST', 'auth/devices', { deviceKey: { kty: 'RSA', n: 'x', e: 'AQAB' } });
    expect([rsa.status, rsa.code]).toEqual([400, 'VALIDATION_FAILED']);
    const registered = await api(host, ana, 'POST', 'auth/devices', { deviceKey: other.publicKey });
    expect(registered).toMatchObject({ status: 200, json: { deviceId: other.id } });
    // Idempotent: the same key, the same id.
    expect((await api(host, ana, 'POST', 'auth/devices', { deviceKey: other.publicKey })).json).toEqual({
      deviceId: other.id,
    });
  });

  it('enforce: refuses a missing, bad or unregistered signature with 422 NOT_ELIGIBLE, accepts a good one', async () => {
    const [, ben] = students as [Person, Person];
    const device = devices[1] as TestDevice;
    const session = await sessionFor([ben], { devicePolicy: 'enforce' });
    expect(session.devicePolicy).toBe('enforce');
    const payload = await entryCode(host, teacher, session);
    // Who may scan, and a malformed device, before anything else.
    expect((await scan(host, session, teacher, payload)).status).toBe(403);
    const malformed = await scan(host, session, ben, payload, newScanId(), {
      device: { id: device.id, signedAt: 'now' },
    });
    expect([malformed.status, malformed.code]).toEqual([400, 'VALIDATION_FAILED']);

    const unsigned = await postScan(host, session, ben, { scanId: newScanId(), payload });
    expect([unsigned.status, unsigned.code, unsigned.reason]).toEqual([422, 'NOT_ELIGIBLE', 'device_signature']);
    const good = await signedScanBody(session, device, newScanId(), payload, Date.now());
    // Signed for another payload: the signature does not verify.
    const tampered = await postScan(host, session, ben, { ...good, scanId: newScanId() });
    expect([tampered.status, tampered.reason]).toEqual([422, 'device_signature']);
    const stranger = await newDevice();
    const unregistered = await postScan(
      host,
      session,
      ben,
      await signedScanBody(session, stranger, newScanId(), payload, Date.now()),
    );
    expect([unregistered.status, unregistered.reason]).toEqual([422, 'device_signature']);
    const accepted = await postScan(host, session, ben, good);
    expect(accepted.status, JSON.stringify(accepted.json)).toBe(200);
    expect(accepted.json).toMatchObject({ outcome: 'entry' });

    const log = await scanEvents(host, teacher, session);
    expect(log.map((event) => [event.signature, event.outcome])).toEqual([
      ['missing', 'NOT_ELIGIBLE'],
      ['invalid', 'NOT_ELIGIBLE'],
      ['unknown_device', 'NOT_ELIGIBLE'],
      ['valid', 'accepted'],
    ]);
    // The refusals' evidence is in the audit log; the row, verified by a good signature, carries no flag.
    expect(log[1]).toMatchObject({ flags: ['unsigned_scan'], flagEvidence: [{ flag: 'unsigned_scan' }] });
    expect(await attendanceRow(host, teacher, session, ben)).toMatchObject({ entry: 'on_time', flags: [] });
  });

  it('warn (the default): accepts a bad signature, flagged with its evidence in the list, audit log and export', async () => {
    const [, , cleo, dan] = students as [Person, Person, Person, Person];
    const session = await sessionFor([cleo, dan]);
    expect(session.devicePolicy).toBe('warn');
    const payload = await entryCode(host, teacher, session);
    const signed = await signedScanBody(session, devices[2] as TestDevice, newScanId(), payload, Date.now());
    const bad = { ...signed, device: { ...signed.device, signedAt: signed.device.signedAt + 1 } };
    expect((await postScan(host, session, cleo, bad)).status).toBe(200);

    const row = await attendanceRow(host, teacher, session, cleo);
    expect(row).toMatchObject({ entry: 'on_time', flags: ['unsigned_scan'] });
    expect(row.flagEvidence).toEqual([
      expect.objectContaining({
        flag: 'unsigned_scan',
        detail: 'device signature does not verify',
        scanId: bad.scanId,
        facts: { signature: 'invalid' },
      }),
    ]);
    expect((await scanEvents(host, teacher, session))[0]).toMatchObject({
      outcome: 'accepted',
      signature: 'invalid',
      deviceId: devices[2]?.id,
      flags: ['unsigned_scan'],
    });
    expect((await exportRow(host, teacher, session, cleo)).flags).toBe(
      'unsigned_scan: device signature does not verify',
    );

    // Device policy off: nothing is checked or flagged.
    const off = await api(host, teacher, 'PATCH', `sessions/${session.id}`, { devicePolicy: 'off' });
    expect((off.json as Session).devicePolicy).toBe('off');
    expect((await scan(host, session, dan, payload)).status).toBe(200);
    expect((await attendanceRow(host, teacher, session, dan)).flags).toEqual([]);
    expect((await scanEvents(host, teacher, session))[1]).toMatchObject({ signature: 'off' });
    expect((await scanEvents(host, teacher, session))[1]?.flags).toBeUndefined();
  });

  it('one phone for two accounts: both flagged under warn, the second refused under enforce', async () => {
    const [ana] = students as [Person];
    const borrowed = devices[0] as TestDevice; // Ana's phone
    const eve = await signInWithDevice(host, 'eve@students.example.edu', borrowed);
    const warn = await sessionFor([ana, eve]);
    const payload = await entryCode(host, teacher, warn);
    expect(
      (await postScan(host, warn, ana, await signedScanBody(warn, borrowed, newScanId(), payload, Date.now()))).status,
    ).toBe(200);
    expect(
      (await postScan(host, warn, eve, await signedScanBody(warn, borrowed, newScanId(), payload, Date.now()))).status,
    ).toBe(200);
    const eveRow = await attendanceRow(host, teacher, warn, eve);
    const anaRow = await attendanceRow(host, teacher, warn, ana);
    expect(eveRow.flags).toEqual(['shared_device']);
    expect(anaRow.flags).toEqual(['shared_device']);
    expect(eveRow.flagEvidence?.[0]).toMatchObject({
      otherStudentId: ana.id,
      facts: { deviceId: borrowed.id, accounts: 2 },
    });
    expect(anaRow.flagEvidence?.[0]).toMatchObject({ otherStudentId: eve.id });

    const strict = await sessionFor([ana, eve], { devicePolicy: 'enforce' });
    const strictCode = await entryCode(host, teacher, strict);
    const first = await postScan(
      host,
      strict,
      ana,
      await signedScanBody(strict, borrowed, newScanId(), strictCode, Date.now()),
    );
    expect(first.status).toBe(200);
    const second = await postScan(
      host,
      strict,
      eve,
      await signedScanBody(strict, borrowed, newScanId(), strictCode, Date.now()),
    );
    expect([second.status, second.code, second.reason]).toEqual([422, 'NOT_ELIGIBLE', 'device_shared']);
    expect((await attendanceRow(host, teacher, strict, eve)).entry).toBeNull();
  });

  it('a phone that joins for a second account flags both at the join; enforce refuses that join', async () => {
    const [, , ben] = students as [Person, Person, Person];
    const phone = devices[2] as TestDevice; // Ben's phone
    const zed = await signInWithDevice(host, 'zed@students.example.edu', phone);
    const signedJoin = async (session: Session, who: Person, device: TestDevice) => {
      const signedAt = Date.now();
      const fields = { sessionId: session.id, scanId: JOIN_SIGNATURE_ID, signedAt, payload: session.joinCode };
      const body = {
        joinCode: session.joinCode,
        device: { id: device.id, signature: await signScan(device.privateKey, fields), signedAt },
      };
      return postScanLike(host, `/api/sessions/${session.id}/join`, who, body);
    };
    const warn = await createSession(host, teacher, buildSession(Date.now() - 60_000, { entryMethod: 'both' }));
    expect((await signedJoin(warn, ben, phone)).status).toBe(200);
    expect((await signedJoin(warn, zed, phone)).status).toBe(200);
    // Nobody scanned yet: the joins alone show the shared phone, with evidence naming the other account.
    const zedRow = await attendanceRow(host, teacher, warn, zed);
    const benRow = await attendanceRow(host, teacher, warn, ben);
    expect([zedRow.flags, benRow.flags]).toEqual([['shared_device'], ['shared_device']]);
    expect(zedRow.flagEvidence?.[0]).toMatchObject({
      otherStudentId: ben.id,
      scanId: JOIN_SIGNATURE_ID,
      facts: { deviceId: phone.id, accounts: 2 },
    });
    // A join signed by a key the account never registered proves nothing: no flag, no refusal.
    const stranger = await signInPerson(host, 'stranger@students.example.edu');
    expect((await signedJoin(warn, stranger, phone)).status).toBe(200);
    expect((await attendanceRow(host, teacher, warn, stranger)).flags).toEqual([]);

    const strict = await createSession(
      host,
      teacher,
      buildSession(Date.now() - 60_000, { entryMethod: 'both', devicePolicy: 'enforce' }),
    );
    expect((await signedJoin(strict, ben, phone)).status).toBe(200);
    const refused = await signedJoin(strict, zed, phone);
    expect([refused.status, refused.code, refused.reason]).toEqual([422, 'NOT_ELIGIBLE', 'device_shared']);
    const list = (await api(host, teacher, 'GET', `sessions/${strict.id}/attendance`)).json as {
      rows: AttendanceRow[];
    };
    expect(list.rows.find((row) => row.studentId === zed.id)?.joined ?? false).toBe(false);
  });

  it('a device change mid-session is flagged, naming both devices', async () => {
    const [, , , , fay, gus] = students as Person[] as [Person, Person, Person, Person, Person, Person];
    const session = await sessionFor([fay, gus]);
    const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
    expect(started.status).toBe(201);
    const holderId = (started.json as { chains: { holderId: string }[] }).chains[0]?.holderId;
    const [holder, scanner] = holderId === fay.id ? [fay, gus] : [gus, fay];
    const first = devices[students.indexOf(scanner)] as TestDevice;
    const { hold } = await me(host, session, holder);
    const chainCode = await holderQr(session, hold ?? expect.fail('no hold'), Date.now());
    expect(
      (await postScan(host, session, scanner, await signedScanBody(session, first, newScanId(), chainCode, Date.now())))
        .status,
    ).toBe(200);
    // The scanner holds the baton now, and checks in with the projector's code from another phone.
    const second = await newDevice();
    expect((await api(host, scanner, 'POST', 'auth/devices', { deviceKey: second.publicKey })).status).toBe(200);
    const code = await entryCode(host, teacher, session);
    expect(
      (await postScan(host, session, scanner, await signedScanBody(session, second, newScanId(), code, Date.now())))
        .status,
    ).toBe(200);
    const row = await attendanceRow(host, teacher, session, scanner);
    expect(row.flags).toEqual(['device_changed']);
    expect(row.flagEvidence?.[0]?.facts).toEqual({ from: first.id, to: second.id });
  });
});

describe('relay and timing flags of a hand-off', () => {
  /** A started session (device policy off: only these flags) with one entry chain over `count` students. */
  async function chainClass(host: TestHost, nowMs: number, count: number) {
    const teacher = await signInPerson(host, 'grace@staff.example.edu');
    const people = await Promise.all(
      Array.from({ length: count }, (_, i) => signInPerson(host, `relay${i}@students.example.edu`)),
    );
    const session = await createSession(host, teacher, buildSession(nowMs, { devicePolicy: 'off' }));
    await joinAll(host, session, people);
    const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
    expect(started.status).toBe(201);
    const holderId = (started.json as { chains: { holderId: string }[] }).chains[0]?.holderId;
    const holder = people.find((p) => p.id === holderId) as Person;
    return { teacher, session, holder, others: people.filter((p) => p !== holder) };
  }

  async function codeOf(host: TestHost, session: Session, holder: Person, atMs: number) {
    const { hold } = await me(host, session, holder);
    if (!hold) throw new Error(`${holder.email} holds no baton`);
    return holderQr(session, hold, atMs);
  }

  it('flags a hand-off sooner than a person can scan and a code used late on both rows; a quick human one is not', async () => {
    const clock = new FakeClock(Date.UTC(2026, 10, 26, 9, 0, 0));
    const host = await startTestHost(CLASS_ROLES, { logLevel: 'silent', clock });
    try {
      const c = await chainClass(host, clock.now(), 4);
      const [a, b, d] = c.others as [Person, Person, Person];
      // 0.6 s after the chain started: faster than anyone can show and scan a code.
      clock.advance(600);
      expect((await scan(host, c.session, a, await codeOf(host, c.session, c.holder, clock.now()))).status).toBe(200);
      // 1.4 s after A got the baton: a friend standing ready, not a flag.
      clock.advance(1_400);
      expect((await scan(host, c.session, b, await codeOf(host, c.session, a, clock.now()))).status).toBe(200);
      // D scans B's code 3.5 s after it left B's screen (its step ended), in the previous step's grace.
      clock.advance(1_000); // 09:00:03.000, in the step [09:00:00, 09:00:05)
      const captured = await codeOf(host, c.session, b, clock.now());
      clock.advance(5_500); // 09:00:08.500: 3.5 s after the step ended
      expect((await scan(host, c.session, d, captured)).status).toBe(200);

      const rows = new Map(
        (
          (await api(host, c.teacher, 'GET', `sessions/${c.session.id}/attendance`)).json as { rows: AttendanceRow[] }
        ).rows.map((row) => [row.studentId, row]),
      );
      expect(rows.get(c.holder.id)?.flags).toEqual(['too_fast']);
      expect(rows.get(a.id)?.flags).toEqual(['too_fast']);
      expect(rows.get(a.id)?.flagEvidence?.[0]).toMatchObject({
        flag: 'too_fast',
        role: 'scanner',
        otherStudentId: c.holder.id,
        facts: { elapsedMs: 600, thresholdMs: 1_000 },
        detail: `baton passed on 0.6 s after the holder got it (a person needs at least 1.0 s) (scanned ${c.holder.email}’s baton)`,
      });
      expect(rows.get(c.holder.id)?.flagEvidence?.[0]).toMatchObject({ role: 'holder', otherStudentId: a.id });
      expect(rows.get(b.id)?.flags).toEqual(['late_code']);
      expect(rows.get(d.id)?.flags).toEqual(['late_code']);
      expect(rows.get(d.id)?.flagEvidence?.[0]).toMatchObject({
        role: 'scanner',
        facts: { afterMs: 3_500, graceMs: 5_000, entry: 'scanned' },
      });
      const handOffs = (await scanEvents(host, c.teacher, c.session)).filter((e) => e.outcome === 'accepted');
      expect(handOffs.map((e) => e.flags ?? [])).toEqual([['too_fast'], [], ['late_code']]);
      expect((await exportRow(host, c.teacher, c.session, d)).flags).toBe(
        `late_code: chain code used 3.5 s after it left the holder’s screen (accepted up to 5.0 s after) ` +
          `(scanned ${b.email}’s baton)`,
      );
    } finally {
      await host.close();
    }
  });

  it('flags scanner and holder (or projector) on different networks, not two addresses of one /24', async () => {
    const host = await startTestHost(
      { ...CLASS_ROLES, TRUSTED_PROXIES: '127.0.0.1,::1', FLAG_TOO_FAST_MS: '0' },
      { logLevel: 'silent' },
    );
    try {
      const c = await chainClass(host, Date.now() - 60_000, 3);
      const [a, b] = c.others as [Person, Person];
      const beat = await host.fetch(`/api/sessions/${c.session.id}/heartbeat`, {
        method: 'POST',
        headers: { ...bearer(c.holder.token), 'x-forwarded-for': '203.0.113.5' },
      });
      expect(beat.status).toBe(204);
      const near = await postScan(
        host,
        c.session,
        a,
        { scanId: newScanId(), payload: await codeOf(host, c.session, c.holder, Date.now()) },
        '203.0.113.77',
      );
      expect(near.status).toBe(200);
      // A's scan was A's last sign of life (203.0.113.77); B scans A's baton from a home network.
      const far = await postScan(
        host,
        c.session,
        b,
        { scanId: newScanId(), payload: await codeOf(host, c.session, a, Date.now()) },
        '198.51.100.7',
      );
      expect(far.status).toBe(200);
      const list = (await api(host, c.teacher, 'GET', `sessions/${c.session.id}/attendance`)).json as {
        rows: AttendanceRow[];
      };
      const flagsOf = (p: Person) => list.rows.find((row) => row.studentId === p.id)?.flags;
      expect(flagsOf(c.holder)).toEqual([]);
      expect(flagsOf(a)).toEqual(['network_mismatch']);
      expect(flagsOf(b)).toEqual(['network_mismatch']);
      expect(list.rows.find((row) => row.studentId === b.id)?.flagEvidence?.[0]).toMatchObject({
        role: 'scanner',
        otherStudentId: a.id,
        facts: { scannerNetwork: '198.51.100.0/24', holderNetwork: '203.0.113.0/24' },
      });
      const event = (await scanEvents(host, c.teacher, c.session)).at(-1);
      expect(event).toMatchObject({ ip: '198.51.100.7', targetId: a.id, flags: ['network_mismatch'] });

      // The projector's codes: a scan from the projector's network passes, one from elsewhere is flagged.
      const projected = await createSession(
        host,
        c.teacher,
        buildSession(Date.now() - 60_000, { entryMethod: 'projector', devicePolicy: 'off' }),
      );
      await joinAll(host, projected, [a, b]);
      const shown = await host.fetch(`/api/sessions/${projected.id}/codes/entry`, {
        headers: { ...bearer(c.teacher.token), 'x-forwarded-for': '203.0.113.10' },
      });
      const { payload } = (await shown.json()) as { payload: string };
      expect((await postScan(host, projected, a, { scanId: newScanId(), payload }, '203.0.113.77')).status).toBe(200);
      expect((await postScan(host, projected, b, { scanId: newScanId(), payload }, '198.51.100.7')).status).toBe(200);
      const rows = (await api(host, c.teacher, 'GET', `sessions/${projected.id}/attendance`)).json as {
        rows: AttendanceRow[];
      };
      expect(rows.rows.find((row) => row.studentId === a.id)?.flags).toEqual([]);
      expect(rows.rows.find((row) => row.studentId === b.id)?.flagEvidence).toEqual([
        expect.objectContaining({
          flag: 'network_mismatch',
          facts: { scannerNetwork: '198.51.100.0/24', projectorNetwork: '203.0.113.0/24' },
        }),
      ]);
    } finally {
      await host.close();
    }
  });

  it('flags a baton tried from another network than the screen that showed it, even when the scan is refused; a refused classmate in the room is not', async () => {
    const host = await startTestHost(
      { ...CLASS_ROLES, TRUSTED_PROXIES: '127.0.0.1,::1', FLAG_TOO_FAST_MS: '0' },
      { logLevel: 'silent' },
    );
    try {
      const c = await chainClass(host, Date.now() - 60_000, 5);
      const [a, b, d, e] = c.others as [Person, Person, Person, Person];
      const refusedTaken = { status: 409, code: 'BATON_TAKEN' };
      const beat = await host.fetch(`/api/sessions/${c.session.id}/heartbeat`, {
        method: 'POST',
        headers: { ...bearer(c.holder.token), 'x-forwarded-for': '203.0.113.5' },
      });
      expect(beat.status).toBe(204);
      const first = await codeOf(host, c.session, c.holder, Date.now());
      expect((await postScan(host, c.session, a, { scanId: newScanId(), payload: first }, '203.0.113.77')).status).toBe(
        200,
      );
      // The same code, too late: from home (B, a relay that lost the race) and from the room (D).
      const far = { scanId: newScanId(), payload: first };
      expect(await postScan(host, c.session, b, far, '198.51.100.7')).toMatchObject(refusedTaken);
      expect(await postScan(host, c.session, d, { scanId: newScanId(), payload: first }, '203.0.113.90')).toMatchObject(
        refusedTaken,
      );
      // A retry of B's attempt is answered the same and adds nothing.
      expect(await postScan(host, c.session, b, far, '198.51.100.7')).toMatchObject(refusedTaken);
      // A's code, won by a relay from home (E); D in the room is too late: compared with A's screen, not E's.
      const second = await codeOf(host, c.session, a, Date.now());
      expect(
        (await postScan(host, c.session, e, { scanId: newScanId(), payload: second }, '198.51.100.8')).status,
      ).toBe(200);
      expect(
        await postScan(host, c.session, d, { scanId: newScanId(), payload: second }, '203.0.113.90'),
      ).toMatchObject(refusedTaken);

      const row = await attendanceRow(host, c.teacher, c.session, b);
      expect(row).toMatchObject({ entry: null, flags: ['network_mismatch'] });
      expect(row.flagEvidence).toEqual([
        expect.objectContaining({
          flag: 'network_mismatch',
          scanId: far.scanId,
          role: 'scanner',
          otherStudentId: c.holder.id,
          facts: { scannerNetwork: '198.51.100.0/24', holderNetwork: '203.0.113.0/24', refused: 'BATON_TAKEN' },
          detail: expect.stringContaining(
            `(tried to scan ${c.holder.email}’s baton, refused: someone else had just taken it)`,
          ),
        }),
      ]);
      expect((await attendanceRow(host, c.teacher, c.session, d)).flags).toEqual([]);
      expect((await attendanceRow(host, c.teacher, c.session, e)).flags).toEqual(['network_mismatch']);
      const refused = (await scanEvents(host, c.teacher, c.session)).filter((event) => event.outcome === 'BATON_TAKEN');
      expect(refused.map((event) => [event.actorId, event.flags ?? []])).toEqual([
        [b.id, ['network_mismatch']],
        [d.id, []],
        [d.id, []],
      ]);
      expect((await exportRow(host, c.teacher, c.session, b)).flags).toContain('network_mismatch: scanner on network');
    } finally {
      await host.close();
    }
  });
});
