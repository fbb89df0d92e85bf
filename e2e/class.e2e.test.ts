// A class in real browsers: a teacher (over the API) and student phones (Chromium contexts) on the real local
// host. Students join from the link while signed out, pass the baton through their cameras, a scan made
// offline goes out once when the network returns, late students scan or type the projector's late code, and the
// projector's code rotates on push. Each screen is checked (axe, 320 px, screenshots at phone and projector size).
import { routes, type Session } from '@qrca/contract';
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
import { launchBrowser, newPerson } from './support/browser';
import { heading, openCamera, SHOWN_WITHIN_MS } from './support/app';
import { pointCameraAt } from './support/camera';
import { signInContext, signInThroughUi, startE2eHost } from './support/host';
import { checkScreen, percentile } from './support/screens';

interface Phone {
  readonly name: string;
  readonly context: BrowserContext;
  readonly page: Page;
  id: string;
}

const batonCode = (page: Page) => page.getByRole('img', { name: 'Your baton code' });

/** Marks the document, so that a later check can tell the page was never reloaded. */
const markDocument = (page: Page) => page.evaluate(() => Object.assign(window, { __sameDocument: true }));
/** @throws Error with `message`. */
const fail = (message: string): never => {
  throw new Error(message);
};
const sameDocument = (page: Page) => page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument);

describe('a class in the browser', () => {
  let host: TestHost;
  let browser: Browser;
  let teacher: Person;
  let session: Session;
  const latencies: { holderVerified: number[]; scannerAnswered: number[] } = {
    holderVerified: [],
    scannerAnswered: [],
  };

  beforeAll(async () => {
    host = await startE2eHost({ PROJECTOR_ROTATION_SECONDS: '5' });
    browser = await launchBrowser();
    teacher = await signInPerson(host, 'ada@staff.example.edu');
    session = await createSession(
      host,
      teacher,
      buildSession(Date.now() - 60_000, { title: 'Physics 101 — Mechanics', entryMethod: 'chain' }),
    );
  });

  afterAll(async () => {
    if (latencies.holderVerified.length > 0) {
      const line = (values: number[]) =>
        `p50 ${percentile(values, 50)} ms, p95 ${percentile(values, 95)} ms (n=${values.length})`;
      console.log(
        `[e2e] QR in front of the camera → holder sees "Checked in": ${line(latencies.holderVerified)}; ` +
          `→ scanner sees the answer: ${line(latencies.scannerAnswered)}`,
      );
    }
    await browser?.close();
    await host?.close();
  });

  /** A student opens the join link signed out, signs in with the emailed code and lands in the session. */
  async function joinThroughLink(name: string, email: string, checkJoinScreen: boolean): Promise<Phone> {
    const context = await newPerson(browser, host.url, 'phone');
    const page = await context.newPage();
    await page.goto(session.joinUrl);
    await heading(page, 'Sign in').waitFor();
    if (checkJoinScreen) await checkScreen(page, 'join');
    await signInThroughUi(page, host, email);
    await heading(page, 'Not checked in yet').waitFor({ timeout: SHOWN_WITHIN_MS });
    expect(new URL(page.url()).pathname).toBe(`/s/${session.id}`);
    await page.getByText(session.title).waitFor();
    const me = routes.authMe.response.parse(await (await page.request.get('/api/auth/me')).json());
    await markDocument(page);
    return { name, context, page, id: me.id };
  }

  /** `scanner` points its camera at `holder`'s baton; both screens change (the scanner holds the baton next). */
  async function handOff(holder: Phone, scanner: Phone): Promise<void> {
    await pointCameraAt(scanner.page, batonCode(holder.page));
    const shown = performance.now();
    await Promise.all([
      scanner.page
        .getByText('Scanned! Your classmate is checked in, and you now hold the baton.')
        .waitFor({ timeout: SHOWN_WITHIN_MS })
        .then(() => latencies.scannerAnswered.push(Math.round(performance.now() - shown))),
      heading(holder.page, 'Checked in — on time ✓')
        .waitFor({ timeout: SHOWN_WITHIN_MS })
        .then(() => latencies.holderVerified.push(Math.round(performance.now() - shown))),
    ]);
    await heading(scanner.page, 'Your baton').waitFor({ timeout: SHOWN_WITHIN_MS });
    expect(await batonCode(holder.page).count()).toBe(0);
  }

  it('runs a class: join link, baton by camera, an offline scan sent once, late code by camera and typed, projector pushed', async () => {
    // The projector, opened by the teacher.
    const projectorContext = await newPerson(browser, host.url, 'projector');
    await signInContext(projectorContext, host, teacher.email);
    const projector = await projectorContext.newPage();
    await projector.goto(`/projector/${session.id}`);
    await heading(projector, 'Join the class').waitFor();
    await projector.getByRole('img', { name: 'Join QR code' }).waitFor();
    await markDocument(projector);

    // Four students join from the link while signed out.
    const phones: Phone[] = [];
    for (const [i, name] of ['Ana', 'Ben', 'Cleo', 'Dev'].entries()) {
      phones.push(await joinThroughLink(name, `${name.toLowerCase()}@students.example.edu`, i === 0));
    }
    await checkScreen(phones[0]?.page ?? fail('no phone'), 'status');

    // The teacher starts one entry chain: its seed's phone shows the baton (pushed, no reload).
    const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
    expect(started.status).toBe(201);
    const [chain] = await chains(host, session, teacher);
    const seed = phones.find((phone) => phone.id === chain?.holderId);
    if (!seed) throw new Error(`the seed ${chain?.holderId} is none of the four phones`);
    await heading(seed.page, 'Your baton').waitFor({ timeout: SHOWN_WITHIN_MS });
    await heading(seed.page, 'Not checked in yet — show your baton').waitFor();
    await checkScreen(seed.page, 'holder');

    // The baton goes round through the cameras until all but the last holder are verified: the seed first, then
    // the others in the order they scan.
    const [first, second, third, fourth] = [seed, ...phones.filter((phone) => phone !== seed)] as [
      Phone,
      Phone,
      Phone,
      Phone,
    ];
    await openCamera(second.page);
    await checkScreen(second.page, 'scan');
    await handOff(first, second);

    // The third scan is made offline (the camera was open, then the network dropped): kept, sent once on return.
    const offline = third;
    await openCamera(offline.page);
    const scanPosts: string[] = [];
    const scanAnswers: number[] = [];
    offline.page.on('request', (request) => {
      if (request.method() === 'POST' && request.url().endsWith('/scans')) {
        scanPosts.push((request.postDataJSON() as { scanId: string }).scanId);
      }
    });
    offline.page.on('response', (response) => {
      if (response.request().method() === 'POST' && response.url().endsWith('/scans')) {
        scanAnswers.push(response.status());
      }
    });
    await offline.context.setOffline(true);
    await pointCameraAt(offline.page, batonCode(second.page));
    await offline.page
      .getByText('No connection: your scan is saved and will be sent when you are back online.')
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    await offline.page.getByText('You are offline. 1 scan(s) waiting to be sent.').waitFor();
    expect(scanAnswers).toEqual([]);
    await offline.context.setOffline(false);
    await offline.page
      .getByText('Scanned! Your classmate is checked in, and you now hold the baton.')
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    await heading(second.page, 'Checked in — on time ✓').waitFor({ timeout: SHOWN_WITHIN_MS });
    expect(scanAnswers).toEqual([200]);
    // Tried while offline, then sent on return: every attempt carried the one scan id.
    expect(scanPosts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(scanPosts).size).toBe(1);
    const events = await api(host, teacher, 'GET', `sessions/${session.id}/events`);
    const offlineScans = (
      events.json as { events: { kind: string; actorId: string; outcome?: string }[] }
    ).events.filter((event) => event.kind === 'scan' && event.actorId === offline.id);
    expect(offlineScans.map((event) => event.outcome)).toEqual(['accepted']);

    await openCamera(fourth.page);
    await handOff(third, fourth);
    const last = fourth;
    await checkScreen(first.page, 'status-verified');
    for (const phone of [first, second, third]) {
      await heading(phone.page, 'Checked in — on time ✓').waitFor();
      expect(await sameDocument(phone.page)).toBe(true);
    }

    // The teacher closes on-time entry: the chain closes, the projector shows the late code (pushed).
    const closed = await api(host, teacher, 'POST', `sessions/${session.id}/entry/close`);
    expect(closed.status).toBe(200);
    const lateQr = projector.getByRole('img', { name: 'Arriving late? Scan this: QR code' });
    await lateQr.waitFor({ timeout: SHOWN_WITHIN_MS });
    await heading(last.page, 'Not checked in yet').waitFor({ timeout: SHOWN_WITHIN_MS });
    expect(await batonCode(last.page).count()).toBe(0);

    // The last holder scans the late code on the projector through the camera.
    await openCamera(last.page);
    await pointCameraAt(last.page, lateQr);
    await last.page.getByText('You are checked in (late).').waitFor({ timeout: SHOWN_WITHIN_MS });
    await heading(last.page, 'Checked in — late ✓').waitFor();

    // A fifth student arrives late and types the code under the QR.
    const lateContext = await newPerson(browser, host.url, 'phone');
    await signInContext(lateContext, host, 'eve@students.example.edu');
    const late = await lateContext.newPage();
    await late.goto(session.joinUrl);
    await heading(late, 'Not checked in yet').waitFor({ timeout: SHOWN_WITHIN_MS });
    const typed = (await projector.locator('.code-panel .typed').textContent())?.trim() ?? '';
    expect(typed).toMatch(/^[A-Z0-9]{6}$/);
    await late.getByRole('textbox', { name: 'Code from the screen' }).fill(typed);
    await late.getByRole('button', { name: 'Send the code' }).click();
    await late.getByText('You are checked in (late).').waitFor({ timeout: SHOWN_WITHIN_MS });
    await heading(late, 'Checked in — late ✓').waitFor();

    // The projector: live counts, and its code rotating on push (no request for the code meanwhile).
    const counts = projector.getByRole('region', { name: 'Counts' });
    await expect
      .poll(async () => (await counts.textContent())?.replace(/\s+/g, ' '), { timeout: SHOWN_WITHIN_MS })
      .toMatch(/3 present.*2 late.*0 waiting/);
    const codeRequests: string[] = [];
    projector.on('request', (request) => {
      if (request.url().includes('/codes/')) codeRequests.push(request.url());
    });
    const before = await lateQr.getAttribute('data-payload');
    const typedBefore = await projector.locator('.code-panel .typed').textContent();
    await projector.waitForFunction(
      (previous) =>
        document.querySelector('[aria-label="Arriving late? Scan this: QR code"]')?.getAttribute('data-payload') !==
        previous,
      before,
      { timeout: 12_000 },
    );
    expect(codeRequests).toEqual([]);
    expect(await projector.locator('.code-panel .typed').textContent()).not.toBe(typedBefore);
    expect(await sameDocument(projector)).toBe(true);
    await checkScreen(projector, 'projector');
  }, 240_000);
});
