/** Debian's Chromium through playwright-core: one browser per test file, one fresh context per person. */
import { existsSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions } from 'playwright-core';
import { installFakeCamera } from './camera';

/** The Chromium binary: CHROMIUM_PATH, else Debian's package. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Launch flags for this machine (found on these machines; see e2e/README.md). */
const FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // Camera prompts are answered yes; the built-in fake device stands in for a real camera.
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
];

/** @throws Error naming the fix when the Chromium binary is missing. */
export function assertChromium(): void {
  if (!existsSync(chromiumPath)) {
    throw new Error(
      `Chromium not found at ${chromiumPath}. Install it with \`apt-get install -y chromium\` ` +
        '(or point CHROMIUM_PATH at a Chromium binary). Browsers downloaded by test tools do not run here.',
    );
  }
}

/**
 * Launches headless Chromium. With `fakeVideoFile` (a `.y4m`, e.g. from `qrY4m`) every camera in this browser
 * plays that file; contexts must then be opened with `fakeCamera: false` so the file is what pages see.
 * @throws Error when the binary is missing or does not start.
 */
export async function launchBrowser(options: { fakeVideoFile?: string } = {}): Promise<Browser> {
  assertChromium();
  const file = options.fakeVideoFile ? [`--use-file-for-fake-video-capture=${options.fakeVideoFile}`] : [];
  return chromium.launch({ executablePath: chromiumPath, headless: true, args: [...FLAGS, ...file] });
}

const ANDROID_CHROME =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36';

/** The screens people use: a student's phone, the classroom projector, a teacher's laptop. */
export const DEVICES = {
  phone: {
    viewport: { width: 390, height: 844 },
    deviceScaleFactor: 2,
    isMobile: true,
    hasTouch: true,
    userAgent: ANDROID_CHROME,
  },
  projector: { viewport: { width: 1920, height: 1080 } },
  laptop: { viewport: { width: 1280, height: 800 } },
} as const satisfies Record<string, BrowserContextOptions>;

export type Device = keyof typeof DEVICES;

export interface PersonOptions {
  /** Pages get the test-controlled camera of `camera.ts` (default true; false keeps Chromium's own fake device). */
  readonly fakeCamera?: boolean;
  /** Where the device is, for sessions with a geofence. */
  readonly geolocation?: { latitude: number; longitude: number; accuracy?: number };
}

/**
 * A fresh context (own cookies, storage, service worker) for one person on `device`, with the camera and
 * location granted to `origin` (the host's URL). Close it, or the browser, when done.
 */
export async function newPerson(
  browser: Browser,
  origin: string,
  device: Device,
  options: PersonOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext({
    ...DEVICES[device],
    baseURL: origin,
    ...(options.geolocation ? { geolocation: options.geolocation } : {}),
  });
  await context.grantPermissions(['camera', 'geolocation'], { origin });
  if (options.fakeCamera ?? true) await installFakeCamera(context);
  return context;
}
