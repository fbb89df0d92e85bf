/// <reference lib="dom" />
/**
 * A fake rear camera per page that shows what the test chooses while it runs (a QR, another screen's QR, or
 * nothing), decoded by the app's own scanner; plus a pure-Node `.y4m` writer for Chromium's file camera.
 */
import { writeFileSync } from 'node:fs';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import QRCode from 'qrcode';

/** What is in front of the lens: QR modules (row-major, '1' = dark), an image, or nothing. */
type Picture =
  | { readonly kind: 'qr'; readonly size: number; readonly dark: string }
  | { readonly kind: 'image'; readonly dataUrl: string }
  | { readonly kind: 'nothing' };

/** A picture with its order: a page keeps the newest it was given, whichever way it arrived. */
interface Shown {
  readonly seq: number;
  readonly picture: Picture;
}

interface CameraSpec {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly binding: string;
  readonly global: string;
}

/** The page-side handle (`window[SPEC.global]`). */
interface PageCamera {
  show(shown: Shown): Promise<void>;
}

const SPEC: CameraSpec = { width: 640, height: 480, fps: 15, binding: '__qrcaCameraPicture', global: '__qrcaCamera' };

/** The newest picture per page, for documents that start their camera after the test chose it. */
const pictures = new WeakMap<Page, Shown>();
let nextSeq = 0;

/**
 * Runs in every document of the context before its scripts: `getUserMedia({ video })` answers a 640×480
 * `canvas.captureStream` painted with the current picture (white around it, ~70 % of the height, centred),
 * and `enumerateDevices` lists that one rear camera. Self-contained: it is serialised into the page.
 */
function fakeCameraInPage(spec: CameraSpec): void {
  const media = navigator.mediaDevices as MediaDevices | undefined;
  if (!media) return; // not a secure context: there is no camera API to stand in for
  const originalGetUserMedia = media.getUserMedia.bind(media);
  const originalEnumerate = media.enumerateDevices.bind(media);
  const deviceId = 'qrca-e2e-rear-camera';
  const label = 'Back camera (e2e)';
  const sensor = document.createElement('canvas');
  sensor.width = spec.width;
  sensor.height = spec.height;
  const paint = sensor.getContext('2d');
  let current: { seq: number; source?: HTMLCanvasElement | HTMLImageElement; crisp: boolean } = {
    seq: -1,
    crisp: true,
  };
  let running = false;

  const draw = () => {
    if (!paint) return;
    paint.fillStyle = '#fff';
    paint.fillRect(0, 0, spec.width, spec.height);
    const { source, crisp } = current;
    if (!source) return;
    const target = spec.height * 0.7;
    // QR modules scale by a whole number of pixels; images keep their aspect ratio.
    const scale = crisp
      ? Math.max(1, Math.floor(target / source.width))
      : Math.min(target / source.width, target / source.height);
    const w = Math.round(source.width * scale);
    const h = Math.round(source.height * scale);
    paint.imageSmoothingEnabled = !crisp;
    paint.drawImage(source, Math.round((spec.width - w) / 2), Math.round((spec.height - h) / 2), w, h);
  };

  const show = async ({ seq, picture }: Shown): Promise<void> => {
    if (seq <= current.seq) return;
    if (picture.kind === 'nothing') {
      current = { seq, crisp: true };
    } else if (picture.kind === 'qr') {
      const quiet = 4;
      const side = picture.size + 2 * quiet;
      const modules = document.createElement('canvas');
      modules.width = side;
      modules.height = side;
      const context = modules.getContext('2d');
      if (!context) return;
      context.fillStyle = '#fff';
      context.fillRect(0, 0, side, side);
      context.fillStyle = '#000';
      for (let i = 0; i < picture.dark.length; i++) {
        if (picture.dark[i] === '1')
          context.fillRect(quiet + (i % picture.size), quiet + Math.floor(i / picture.size), 1, 1);
      }
      current = { seq, source: modules, crisp: true };
    } else {
      const image = new Image();
      image.src = picture.dataUrl;
      await image.decode();
      if (seq <= current.seq) return;
      current = { seq, source: image, crisp: false };
    }
    draw();
  };

  const dress = (track: MediaStreamTrack) => {
    const settings = track.getSettings.bind(track);
    Object.defineProperty(track, 'label', { value: label });
    track.getSettings = () => ({ ...settings(), deviceId, facingMode: 'environment' });
  };

  media.getUserMedia = async (constraints?: MediaStreamConstraints): Promise<MediaStream> => {
    if (!constraints?.video) return originalGetUserMedia(constraints);
    // The newest picture the test chose for this page, in case it came before this document did.
    const pull = (window as unknown as Record<string, (() => Promise<Shown | undefined>) | undefined>)[spec.binding];
    const chosen = await pull?.();
    if (chosen) await show(chosen);
    if (!running) {
      running = true;
      draw();
      // captureStream sends a frame each time the canvas is painted: repaint at the camera's frame rate.
      setInterval(draw, 1000 / spec.fps);
    }
    const stream = sensor.captureStream(spec.fps);
    stream.getVideoTracks().forEach(dress);
    if (constraints.audio) {
      for (const track of (await originalGetUserMedia({ audio: constraints.audio })).getAudioTracks()) {
        stream.addTrack(track);
      }
    }
    return stream;
  };

  media.enumerateDevices = async (): Promise<MediaDeviceInfo[]> => {
    const others = (await originalEnumerate()).filter((device) => device.kind !== 'videoinput');
    const camera = { deviceId, groupId: 'qrca-e2e', kind: 'videoinput' as const, label };
    return [{ ...camera, toJSON: () => camera }, ...others];
  };

  const handle: PageCamera = { show };
  Object.defineProperty(window, spec.global, { value: handle });
}

/**
 * Gives every page of `context` the test-controlled camera (`newPerson` does this unless told not to).
 * @throws Error when called twice on one context.
 */
export async function installFakeCamera(context: BrowserContext): Promise<void> {
  await context.exposeBinding(SPEC.binding, ({ page }: { page: Page }) => pictures.get(page));
  await context.addInitScript(fakeCameraInPage, SPEC);
}

/** Hands `picture` to the page: drawn now if its camera code is loaded, else when it starts the camera. */
async function show(page: Page, picture: Picture): Promise<void> {
  const shown: Shown = { seq: nextSeq++, picture };
  pictures.set(page, shown);
  await page.evaluate(
    ({ global, shown: next }) => (window as unknown as Record<string, PageCamera | undefined>)[global]?.show(next),
    { global: SPEC.global, shown },
  );
}

/**
 * Puts a QR of `payload` in front of the page's camera (error correction M, 4-module quiet zone), replacing
 * what was there; resolves once it is on the camera's canvas. Call again to rotate.
 * @throws Error when the page is closed or navigating.
 */
export async function showQr(page: Page, payload: string): Promise<void> {
  const { modules } = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  await show(page, {
    kind: 'qr',
    size: modules.size,
    dark: Array.from(modules.data, (bit) => (bit ? '1' : '0')).join(''),
  });
}

/** Puts a PNG (e.g. a screenshot of another phone's QR) in front of the page's camera. */
export async function showImage(page: Page, png: Buffer): Promise<void> {
  await show(page, { kind: 'image', dataUrl: `data:image/png;base64,${png.toString('base64')}` });
}

/**
 * Points `scanner`'s camera at what `target` shows now (a screenshot of it): a student scanning another
 * student's holder QR. The picture does not follow later rotations; call again for a newer code.
 */
export async function pointCameraAt(scanner: Page, target: Locator): Promise<void> {
  await showImage(scanner, await target.screenshot());
}

/** A blank (white) camera. */
export async function showNothing(page: Page): Promise<void> {
  await show(page, { kind: 'nothing' });
}

/**
 * Writes a `.y4m` video (4:2:0, black QR of `payload` on white, ~90 % of the height) for Chromium's
 * `--use-file-for-fake-video-capture` (`launchBrowser({ fakeVideoFile })`): fixed at launch, for flows that
 * need no change of picture. Pure Node, no ffmpeg.
 */
export function qrY4m(payload: string, file: string, { width = 640, height = 480, frames = 10, fps = 15 } = {}): void {
  const { modules } = QRCode.create(payload, { errorCorrectionLevel: 'M' });
  const n = modules.size;
  const quiet = 4;
  const scale = Math.floor((Math.min(width, height) * 0.9) / (n + 2 * quiet));
  const side = scale * (n + 2 * quiet);
  const left = (width - side) >> 1;
  const top = (height - side) >> 1;
  const luma = Buffer.alloc(width * height, 235);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      if (!modules.data[r * n + c]) continue;
      for (let y = 0; y < scale; y++) {
        const row = (top + (r + quiet) * scale + y) * width + left;
        luma.fill(16, row + (c + quiet) * scale, row + (c + quiet + 1) * scale);
      }
    }
  }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), luma, Buffer.alloc((width * height) / 2, 128)]);
  const header = Buffer.from(`YUV4MPEG2 W${width} H${height} F${fps}:1 Ip A1:1 C420jpeg\n`);
  writeFileSync(file, Buffer.concat([header, ...Array<Buffer>(frames).fill(frame)]));
}
