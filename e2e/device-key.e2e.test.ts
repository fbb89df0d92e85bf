// Presence proof in real browsers: each phone makes its own key (non-extractable, kept in IndexedDB), registers it
// at sign-in (or before its first scan when it signed in without one), and signs every attempt as it is sent (a scan
// kept through an offline gap is signed again under the same scan id). The server verifies the signatures: no
// `unsigned_scan` on the rows, `valid` in the audit log, and a session with the device policy `enforce` accepts the
// browsers' scans. A key the server does not know is registered and the scan retried once under a new scan id; a
// second account on one phone is refused at its join, in people's words.
import { AttendanceResponseSchema, EventPageSchema, ProjectorCodeSchema, type Session } from '@qrca/contract';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  buildSession,
  chains,
  createSession,
  signInPerson,
  type Person,
} from '../backend/src/test-support/classroom';
import type { TestHost } from '../backend/src/test-support/test-host';
import { heading, openCamera, SHOWN_WITHIN_MS } from './support/app';
import { launchBrowser, newPerson } from './support/browser';
import { pointCameraAt, showQr } from './support/camera';
import { signInContext, signInThroughUi, startE2eHost } from './support/host';

/** A student's phone: its browser context, the page on the session, and the API calls it made. */
interface Phone {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  readonly id: string;
  readonly calls: Call[];
}

interface Call {
  readonly path: string;
  readonly body: Record<string, unknown>;
  status?: number;
}

/** Records the page's POSTs to the API (path after /api/, body, answer's status). */
function recordCalls(page: Page): Call[] {
  const calls: Call[] = [];
  const byRequest = new Map<unknown, Call>();
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (request.method() !== 'POST' || !url.pathname.startsWith('/api/')) return;
    const call: Call = {
      path: url.pathname.slice('/api/'.length),
      body: (request.postDataJSON() ?? {}) as Call['body'],
    };
    byRequest.set(request, call);
    calls.push(call);
  });
  page.on('response', (response) => {
    const call = byRequest.get(response.request());
    if (call) call.status = response.status();
  });
  return calls;
}

const scansOf = (calls: readonly Call[]) => calls.filter((call) => /^sessions\/[^/]+\/scans$/.test(call.path));
const registrationsOf = (calls: readonly Call[]) => calls.filter((call) => call.path === 'auth/devices');

/**
 * In the page: the device key the app keeps (`qrca-device` / `keys` / `pair` in IndexedDB), once it is there — its
 * id and public key, and whether the private half is extractable or exports at all.
 */
async function deviceKeyIn(page: Page) {
  // Polled from here: page.waitForFunction does not await an async predicate (its promise is truthy at once).
  const kept = () =>
    page.evaluate(async () => {
      if (!(await indexedDB.databases()).some((db) => db.name === 'qrca-device')) return false;
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const opened = indexedDB.open('qrca-device');
        opened.onsuccess = () => resolve(opened.result);
        opened.onerror = () => reject(opened.error ?? new Error('open'));
      });
      try {
        if (!db.objectStoreNames.contains('keys')) return false;
        const pair = await new Promise<unknown>((resolve, reject) => {
          const read = db.transaction('keys').objectStore('keys').get('pair');
          read.onsuccess = () => resolve(read.result);
          read.onerror = () => reject(read.error ?? new Error('read'));
        });
        return pair !== undefined;
      } finally {
        db.close();
      }
    });
  await expect.poll(kept, { timeout: SHOWN_WITHIN_MS, interval: 100 }).toBe(true);
  return page.evaluate(async () => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const opened = indexedDB.open('qrca-device');
      opened.onsuccess = () => resolve(opened.result);
      opened.onerror = () => reject(opened.error ?? new Error('open'));
    });
    const pair = await new Promise<{ privateKey: CryptoKey; publicKey: { x: string; y: string }; deviceId: string }>(
      (resolve, reject) => {
        const read = db.transaction('keys').objectStore('keys').get('pair');
        read.onsuccess = () => resolve(read.result as never);
        read.onerror = () => reject(read.error ?? new Error('read'));
      },
    );
    db.close();
    const exported = await crypto.subtle.exportKey('jwk', pair.privateKey).then(
      () => true,
      () => false,
    );
    return {
      deviceId: pair.deviceId,
      publicKey: pair.publicKey,
      extractable: pair.privateKey.extractable,
      usages: pair.privateKey.usages,
      exported,
    };
  });
}

/** In the page: makes the app believe `userId` registered its key already (the server has never seen it). */
function pretendRegistered(page: Page, userId: string, deviceId: string): Promise<void> {
  return page.evaluate(
    async ({ userId, deviceId }) => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const opened = indexedDB.open('qrca-device');
        opened.onsuccess = () => resolve(opened.result);
        opened.onerror = () => reject(opened.error ?? new Error('open'));
      });
      await new Promise<void>((resolve, reject) => {
        const tx = db.transaction('keys', 'readwrite');
        tx.objectStore('keys').put({ [userId]: deviceId }, 'registered');
        tx.oncomplete = () => resolve();
        tx.onerror = () => reject(tx.error ?? new Error('write'));
      });
      db.close();
    },
    { userId, deviceId },
  );
}

describe('device keys in the browser', () => {
  let host: TestHost;
  let browser: Browser;
  let teacher: Person;

  beforeAll(async () => {
    host = await startE2eHost();
    browser = await launchBrowser();
    teacher = await signInPerson(host, 'ada@staff.example.edu');
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
  });

  /** `context` (signed in) opens the join link and lands in the session. */
  async function joinSession(name: string, context: BrowserContext, session: Session, page?: Page): Promise<Phone> {
    const opened = page ?? (await context.newPage());
    const calls = recordCalls(opened);
    await opened.goto(session.joinUrl);
    await heading(opened, 'Not checked in yet').waitFor({ timeout: SHOWN_WITHIN_MS });
    const me = (await (await opened.request.get('/api/auth/me')).json()) as { id: string };
    return { name, context, page: opened, id: me.id, calls };
  }

  /** The projector's current code of `kind` as the teacher's API gives it. */
  async function projectorCode(session: Session, kind: 'entry' | 'late') {
    const answer = await api(host, teacher, 'GET', `sessions/${session.id}/codes/${kind}`);
    expect(answer.status).toBe(200);
    return ProjectorCodeSchema.parse(answer.json);
  }

  /** The phone scans the projector's entry code through its camera and is told it is checked in. */
  async function scanEntryCode(phone: Phone, session: Session, expected = 'You are checked in.'): Promise<void> {
    await openCamera(phone.page);
    await showQr(phone.page, (await projectorCode(session, 'entry')).payload);
    await phone.page.getByText(expected, { exact: true }).waitFor({ timeout: SHOWN_WITHIN_MS });
  }

  async function attendance(session: Session) {
    return AttendanceResponseSchema.parse((await api(host, teacher, 'GET', `sessions/${session.id}/attendance`)).json)
      .rows;
  }

  /** The scan events of `phone` in the session's audit log, oldest first. */
  async function scanEvents(session: Session, phone: Phone) {
    const page = EventPageSchema.parse((await api(host, teacher, 'GET', `sessions/${session.id}/events`)).json);
    return page.events
      .filter((event) => event.kind === 'scan' && event.actorId === phone.id)
      .sort((a, b) => a.at.localeCompare(b.at));
  }

  let ana: Phone;
  let ben: Phone;

  it('signs real scans with a key made in the browser (registered at sign-in or before the first scan, signed again after an offline gap), verified by the server', async () => {
    // A session with the defaults: the phone check accepts and flags (`warn`).
    const session = await createSession(host, teacher, buildSession(Date.now() - 60_000, { entryMethod: 'both' }));
    expect(session.devicePolicy).toBe('warn');

    // Ana signs in through the app from the join link: her phone's key goes with the sign-in.
    const anaContext = await newPerson(browser, host.url, 'phone');
    const anaPage = await anaContext.newPage();
    const signIn = recordCalls(anaPage);
    await anaPage.goto(session.joinUrl);
    await heading(anaPage, 'Sign in').waitFor();
    await signInThroughUi(anaPage, host, 'ana@students.example.edu');
    ana = await joinSession('Ana', anaContext, session, anaPage);
    const anaKey = await deviceKeyIn(anaPage);
    const verify = signIn.find((call) => call.path === 'auth/verify');
    expect(verify?.body['deviceKey']).toEqual({ kty: 'EC', crv: 'P-256', ...anaKey.publicKey });
    expect(anaKey).toMatchObject({ extractable: false, usages: ['sign'], exported: false });
    expect(anaKey.deviceId).toMatch(/^[A-Za-z0-9_-]{43}$/);

    // Ben was signed in before his app had a key: it registers one before his first scan.
    const benContext = await newPerson(browser, host.url, 'phone');
    await signInContext(benContext, host, 'ben@students.example.edu');
    ben = await joinSession('Ben', benContext, session);
    const benKey = await deviceKeyIn(ben.page);
    expect(benKey.deviceId).not.toBe(anaKey.deviceId);

    // Both scan the projector's entry code through their cameras; Ben's network drops as he scans.
    await scanEntryCode(ana, session);
    await ben.context.setOffline(true);
    await scanEntryCode(ben, session, 'No connection: your scan is saved and will be sent when you are back online.');
    await ben.context.setOffline(false);
    await ben.page.getByText('You are checked in.', { exact: true }).waitFor({ timeout: SHOWN_WITHIN_MS });

    // Each attempt carried the phone's signature, made as it was sent, by the server's clock: Ben's scan kept its
    // scan id across the gap and was signed again when it went out.
    for (const [phone, key] of [
      [ana, anaKey],
      [ben, benKey],
    ] as const) {
      const attempts = scansOf(phone.calls);
      expect(attempts.at(-1)?.status, phone.name).toBe(200);
      expect(new Set(attempts.map((attempt) => attempt.body['scanId'])).size, phone.name).toBe(1);
      const devices = attempts.map(
        (attempt) => attempt.body['device'] as { id: string; signedAt: number; signature: string },
      );
      for (const device of devices) {
        expect(device.id).toBe(key.deviceId);
        expect(device.signature).toMatch(/^[A-Za-z0-9_-]{86}$/);
        expect(Math.abs(device.signedAt - Date.now())).toBeLessThan(60_000);
      }
      const signedAt = devices.map((device) => device.signedAt);
      expect(signedAt, phone.name).toEqual([...signedAt].sort((a, b) => a - b));
      expect(new Set(signedAt).size, phone.name).toBe(signedAt.length);
    }
    expect(scansOf(ana.calls)).toHaveLength(1);
    expect(scansOf(ben.calls).length).toBeGreaterThanOrEqual(2);
    expect(registrationsOf(ana.calls)).toEqual([]);
    expect(registrationsOf(ben.calls).map((call) => [call.body, call.status])).toEqual([
      [{ deviceKey: { kty: 'EC', crv: 'P-256', ...benKey.publicKey } }, 200],
    ]);
    expect(ben.calls.findIndex((call) => call.path === 'auth/devices')).toBeLessThan(
      ben.calls.findIndex((call) => call.path.endsWith('/scans')),
    );

    // The teacher sees no "Phone not verified" flag, and the audit log the server's verdict: valid.
    const rows = await attendance(session);
    for (const [phone, key] of [
      [ana, anaKey],
      [ben, benKey],
    ] as const) {
      const row = rows.find((candidate) => candidate.studentId === phone.id);
      expect(row?.entry, phone.name).toBe('on_time');
      expect(row?.flags, phone.name).not.toContain('unsigned_scan');
      const events = await scanEvents(session, phone);
      expect(
        events.map((event) => [event.outcome, event.signature, event.deviceId]),
        phone.name,
      ).toEqual([['accepted', 'valid', key.deviceId]]);
    }
  }, 120_000);

  it('passes the baton in a session that refuses unproven phones; a key the server does not know is registered and the scan retried once; a second account on one phone is refused at its join in plain words', async () => {
    const session = await createSession(
      host,
      teacher,
      buildSession(Date.now() - 60_000, { entryMethod: 'both', devicePolicy: 'enforce' }),
    );
    expect(session.devicePolicy).toBe('enforce');

    // Ana and Ben pass a baton phone to phone.
    const phones = [await joinSession('Ana', ana.context, session), await joinSession('Ben', ben.context, session)];
    expect(
      (await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 })).status,
    ).toBe(201);
    const [chain] = await chains(host, session, teacher);
    const holder = phones.find((phone) => phone.id === chain?.holderId);
    const scanner = phones.find((phone) => phone !== holder);
    if (!holder || !scanner) throw new Error(`the seed ${chain?.holderId} is neither phone`);
    const baton = holder.page.getByRole('img', { name: 'Your baton code' });
    await baton.waitFor({ timeout: SHOWN_WITHIN_MS });
    await openCamera(scanner.page);
    await pointCameraAt(scanner.page, baton);
    await scanner.page
      .getByText('Scanned! Your classmate is checked in, and you now hold the baton.')
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    await heading(holder.page, 'Checked in — on time ✓').waitFor({ timeout: SHOWN_WITHIN_MS });
    expect((await scanEvents(session, scanner)).map((event) => [event.outcome, event.signature])).toEqual([
      ['accepted', 'valid'],
    ]);

    // Cleo's phone believes her key is registered; the server has never seen it. The refusal makes the app
    // register the key and try again, once, under a new scan id.
    const cleoContext = await newPerson(browser, host.url, 'phone');
    const cleoPerson = await signInContext(cleoContext, host, 'cleo@students.example.edu');
    const cleoPage = await cleoContext.newPage();
    await cleoPage.goto('/sign-in'); // the app makes this device's key here, then moves on: she is signed in
    const cleoKey = await deviceKeyIn(cleoPage);
    await pretendRegistered(cleoPage, cleoPerson.id, cleoKey.deviceId);
    const cleo = await joinSession('Cleo', cleoContext, session, cleoPage);
    await scanEntryCode(cleo, session);
    const attempts = scansOf(cleo.calls);
    expect(attempts.map((call) => call.status)).toEqual([422, 200]);
    expect(new Set(attempts.map((call) => call.body['scanId'])).size).toBe(2);
    expect(registrationsOf(cleo.calls).map((call) => call.status)).toEqual([200]);
    expect((await scanEvents(session, cleo)).map((event) => [event.outcome, event.signature, event.deviceId])).toEqual([
      ['NOT_ELIGIBLE', 'unknown_device', cleoKey.deviceId],
      ['accepted', 'valid', cleoKey.deviceId],
    ]);

    // Dana signs in on Cleo's phone and tries to join with it too: the phone's signed join gives it away.
    await signInContext(cleoContext, host, 'dana@students.example.edu');
    const danaCalls = recordCalls(cleoPage);
    await cleoPage.goto(session.joinUrl);
    await heading(cleoPage, 'You could not join').waitFor({ timeout: SHOWN_WITHIN_MS });
    await cleoPage
      .getByText('This phone was already used for another student in this session. Use your own phone.', {
        exact: true,
      })
      .waitFor();
    const joins = danaCalls.filter((call) => call.path.endsWith('/join'));
    expect(joins.map((call) => [call.status, (call.body['device'] as { id?: string } | undefined)?.id])).toEqual([
      [422, cleoKey.deviceId],
    ]);

    const rows = await attendance(session);
    // The holder and Cleo are checked in (the scanner holds the baton now); no row says "Phone not verified".
    for (const phone of [holder, scanner, cleo]) {
      const row = rows.find((candidate) => candidate.studentId === phone.id);
      expect(row?.entry, phone.name).toBe(phone === scanner ? null : 'on_time');
      expect(row?.flags, phone.name).not.toContain('unsigned_scan');
    }
  }, 120_000);
});
