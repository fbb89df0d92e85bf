/**
 * The camera, decoding QR codes continuously: the native BarcodeDetector where the browser has one, else jsQR
 * (loaded only then: it is the biggest piece of the app) on downscaled frames. Stops the camera as soon as a
 * code is read (or when closed).
 */
import { useEffect, useRef, useState } from 'react';

interface Detector {
  detect(source: HTMLVideoElement): Promise<{ rawValue: string }[]>;
}
type DetectorClass = new (options: { formats: string[] }) => Detector;

const FRAME_EVERY_MS = 80;
const MAX_WIDTH = 640;

function cameraError(error: unknown): string {
  const name = error instanceof DOMException ? error.name : '';
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return 'Camera access was refused. Allow the camera for this site in your browser’s settings — or type the code from the screen below.';
  }
  if (name === 'NotFoundError' || name === 'OverconstrainedError') {
    return 'No camera was found on this device. Type the code from the screen below.';
  }
  return 'The camera could not be started. Close other apps using it, or type the code from the screen below.';
}

export function CameraScanner({ onResult, onClose }: { onResult: (payload: string) => void; onClose: () => void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [problem, setProblem] = useState<string>();
  const [ready, setReady] = useState(false);
  const done = useRef(onResult);
  done.current = onResult;

  useEffect(() => {
    let stream: MediaStream | undefined;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const canvas = document.createElement('canvas');
    const context = canvas.getContext('2d', { willReadFrequently: true });
    const Native = (window as unknown as { BarcodeDetector?: DetectorClass }).BarcodeDetector;
    const detector = Native ? new Native({ formats: ['qr_code'] }) : undefined;
    const jsQR = detector ? undefined : import('jsqr').then((module) => module.default);

    const stop = () => {
      stopped = true;
      clearTimeout(timer);
      for (const track of stream?.getTracks() ?? []) track.stop();
    };

    const decode = async (element: HTMLVideoElement): Promise<string | undefined> => {
      if (detector) return (await detector.detect(element))[0]?.rawValue;
      const decodeImage = await jsQR;
      if (!decodeImage || !context || element.videoWidth === 0) return undefined;
      const scale = Math.min(1, MAX_WIDTH / element.videoWidth);
      canvas.width = Math.round(element.videoWidth * scale);
      canvas.height = Math.round(element.videoHeight * scale);
      context.drawImage(element, 0, 0, canvas.width, canvas.height);
      const image = context.getImageData(0, 0, canvas.width, canvas.height);
      return decodeImage(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' })?.data;
    };

    const loop = async () => {
      const element = video.current;
      if (stopped || !element) return;
      const payload = element.readyState >= 2 ? await decode(element).catch(() => undefined) : undefined;
      if (payload && !stopped) {
        stop();
        done.current(payload);
        return;
      }
      timer = setTimeout(() => void loop(), FRAME_EVERY_MS);
    };

    // No camera API at all: an insecure page (plain http on the network) or a very old browser.
    if (!navigator.mediaDevices?.getUserMedia) {
      setProblem(cameraError(new DOMException('No camera API', 'SecurityError')));
      return stop;
    }
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: { ideal: 'environment' } }, audio: false })
      .then(async (media) => {
        stream = media;
        const element = video.current;
        if (stopped || !element) return stop();
        element.srcObject = media;
        await element.play();
        setReady(true);
        void loop();
      })
      .catch((error: unknown) => {
        if (!stopped) setProblem(cameraError(error));
      });
    return stop;
  }, []);

  return (
    <section className="scanner" aria-label="Camera">
      {problem ? (
        <p role="alert" className="notice notice-error">
          {problem}
        </p>
      ) : (
        <>
          <video ref={video} muted playsInline aria-label="Camera view" />
          <p className="scanner-hint" aria-live="polite">
            {ready ? 'Point the camera at the QR code.' : 'Starting the camera…'}
          </p>
        </>
      )}
      <button type="button" className="secondary" onClick={onClose}>
        Close the camera
      </button>
    </section>
  );
}
