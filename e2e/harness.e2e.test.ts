/// <reference lib="dom" />
// The harness on what exists today: the built app in Chromium (heading, axe, screenshots at phone and projector
// sizes), both ways of signing in, and the fake cameras (test-chosen QR rotating while the page runs, another
// screen's QR, a `.y4m` file) decoded by a page's own jsQR loop.
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type jsQR from 'jsqr';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import QRCode from 'qrcode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestHost } from '../backend/src/test-support/test-host';
import { expectNoSeriousA11yViolations } from './support/a11y';
import { launchBrowser, newPerson } from './support/browser';
import { pointCameraAt, qrY4m, showNothing, showQr } from './support/camera';
import { signInContext, signInThroughUi, startE2eHost } from './support/host';
import { snap } from './support/screenshots';

const jsQrFile = createRequire(import.meta.url).resolve('jsqr/dist/jsQR.js');
const PROBE_PATH = '/__e2e/camera-probe';
/** Bound on a decode after a picture is shown (the scouting run decoded in 0.3–0.6 s). */
const DECODE_WITHIN_MS = 5_000;

/**
 * Starts the probe's decode loop in the page: camera → <video> → canvas → jsQR every 50 ms; `#decoded` holds
 * the last frame's result ('' for no code) and `#camera` the track's label and settings. Runs in the page.
 */
async function startDecoding(): Promise<void> {
  const decode = (window as unknown as { jsQR: typeof jsQR }).jsQR;
  const video = document.querySelector('video');
  const decoded = document.getElementById('decoded');
  const camera = document.getElementById('camera');
  const canvas = document.createElement('canvas');
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!video || !decoded || !camera || !context) throw new Error('probe page incomplete');
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  const [track] = stream.getVideoTracks();
  const devices = (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === 'videoinput');
  camera.textContent = JSON.stringify({
    label: track?.label,
    facingMode: track?.getSettings().facingMode,
    devices: devices.map((d) => d.label),
  });
  video.srcObject = stream;
  await video.play();
  const tick = () => {
    if (video.videoWidth > 0) {
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      context.drawImage(video, 0, 0);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      decoded.textContent = decode(image.data, image.width, image.height)?.data ?? '';
    }
    setTimeout(tick, 50);
  };
  tick();
}

/** Opens the probe page on the host's origin (a secure context with the camera granted), jsQR loaded. */
async function openProbe(context: BrowserContext, host: TestHost, page?: Page): Promise<Page> {
  page ??= await context.newPage();
  await page.route(`${host.url}${PROBE_PATH}`, (route) =>
    route.fulfill({
      contentType: 'text/html',
      body: '<!doctype html><html lang="en"><title>Camera probe</title><video muted playsinline></video><output id="decoded"></output><output id="camera"></output></html>',
    }),
  );
  await page.goto(PROBE_PATH);
  await page.addScriptTag({ path: jsQrFile });
  return page;
}

/** Waits (bounded) until the probe's last decoded frame says `payload`; resolves with the wait in ms. */
async function decodedWithin(page: Page, payload: string): Promise<number> {
  const started = performance.now();
  await page.waitForFunction((want) => document.getElementById('decoded')?.textContent === want, payload, {
    timeout: DECODE_WITHIN_MS,
  });
  return Math.round(performance.now() - started);
}

describe('e2e harness', () => {
  let host: TestHost;
  let browser: Browser;

  beforeAll(async () => {
    host = await startE2eHost();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
  });

  it('serves the start page to a phone and a projector: heading, no serious axe violations, screenshots', async () => {
    for (const device of ['phone', 'projector'] as const) {
      const context = await newPerson(browser, host.url, device);
      const page = await context.newPage();
      await page.goto('/');
      await page.getByRole('heading', { level: 1, name: 'QR Chain Attendance' }).waitFor();
      await page.getByRole('link', { name: 'Sign in' }).waitFor();
      await expectNoSeriousA11yViolations(page, `start page on the ${device}`);
      const file = await snap(page, 'start');
      expect(file).toMatch(device === 'phone' ? /start-390x844\.png$/ : /start-1920x1080\.png$/);
      expect(statSync(file).size).toBeGreaterThan(1_000);
      await context.close();
    }
  });

  it('signs in through the sign-in screen with the code from the dev outbox', async () => {
    const context = await newPerson(browser, host.url, 'phone');
    const page = await context.newPage();
    await page.goto('/sign-in');
    await signInThroughUi(page, host, 'student0001@students.example.edu');
    await page.getByText('Signed in as').waitFor();
    await page.getByText('student0001@students.example.edu').waitFor();
    await context.close();
  });

  it('signs a browser context in over HTTP for setup', async () => {
    const context = await newPerson(browser, host.url, 'laptop');
    const teacher = await signInContext(context, host, 'ada@staff.example.edu');
    expect(teacher.token).not.toBe('');
    const page = await context.newPage();
    await page.goto('/');
    await page.getByText('ada@staff.example.edu').waitFor();
    await page.getByRole('heading', { name: 'Your sessions' }).waitFor();
    await context.close();
  });

  it('fake camera: the QR the test shows, before and while the page scans, rotated, replaced by nothing', async () => {
    const context = await newPerson(browser, host.url, 'phone');
    const blank = await context.newPage();
    await showQr(blank, 'chain:early'); // before the page is even loaded: handed over at getUserMedia
    const page = await openProbe(context, host, blank);
    await page.evaluate(startDecoding);
    const timings = [await decodedWithin(page, 'chain:early')];
    const camera: unknown = JSON.parse((await page.locator('#camera').textContent()) ?? '');
    expect(camera).toEqual({ label: 'Back camera (e2e)', facingMode: 'environment', devices: ['Back camera (e2e)'] });
    for (const payload of ['chain:step-1', 'chain:step-2:a-longer-payload-with-more-modules-0123456789']) {
      await showQr(page, payload);
      timings.push(await decodedWithin(page, payload));
    }
    await showNothing(page);
    timings.push(await decodedWithin(page, ''));
    console.log(`[e2e] fake camera: decoded after ${timings.join(', ')} ms`);
    await context.close();
  });

  it("fake camera pointed at another screen's QR (a screenshot of it)", async () => {
    const holder = await newPerson(browser, host.url, 'phone', { fakeCamera: false });
    const holderPage = await holder.newPage();
    const qr = await QRCode.toDataURL('baton:holder-screen', { errorCorrectionLevel: 'M', margin: 4, width: 300 });
    await holderPage.setContent(`<img alt="Your baton QR" src="${qr}">`);
    const scanner = await newPerson(browser, host.url, 'phone');
    const page = await openProbe(scanner, host);
    await page.evaluate(startDecoding);
    await pointCameraAt(page, holderPage.getByRole('img', { name: 'Your baton QR' }));
    console.log(`[e2e] camera at another screen: decoded after ${await decodedWithin(page, 'baton:holder-screen')} ms`);
    await Promise.all([holder.close(), scanner.close()]);
  });

  it('a .y4m file camera fixed at launch (qrY4m + --use-file-for-fake-video-capture)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qrca-e2e-'));
    const file = join(dir, 'qr.y4m');
    qrY4m('projector:late-code', file);
    const fileBrowser = await launchBrowser({ fakeVideoFile: file });
    try {
      const context = await newPerson(fileBrowser, host.url, 'phone', { fakeCamera: false });
      const page = await openProbe(context, host);
      await page.evaluate(startDecoding);
      console.log(`[e2e] y4m camera: decoded after ${await decodedWithin(page, 'projector:late-code')} ms`);
    } finally {
      await fileBrowser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
