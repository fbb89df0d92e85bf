/**
 * The baton: the large rotating QR a holder shows a classmate, computed on this phone from the hold's secret
 * (wire format in docs/api.md), with a ring counting down to the next code.
 */
import { stepAt, type Hold } from '@qrca/contract';
import { useEffect, useState } from 'react';
import { QrCode } from '../../../components/qr-code';
import { serverNow } from '../../../lib/server-clock';
import { batonPayload } from '../lib/baton';

/** The payload for the step of `now`, recomputed when the step changes; the fraction of the step left. */
function useRotatingPayload(sessionId: string, hold: Hold): { payload?: string; left: number } {
  const [payload, setPayload] = useState<string>();
  const [left, setLeft] = useState(1);
  useEffect(() => {
    let step = -1;
    let stopped = false;
    const periodMs = hold.rotationSeconds * 1000;
    const tick = () => {
      const now = serverNow();
      const current = stepAt(now, hold.rotationSeconds);
      setLeft(1 - (now % periodMs) / periodMs);
      if (current !== step) {
        step = current;
        void batonPayload(sessionId, hold, now).then((next) => !stopped && setPayload(next));
      }
    };
    tick();
    const timer = setInterval(tick, 200);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [sessionId, hold]);
  return { ...(payload ? { payload } : {}), left };
}

export function HolderView({ sessionId, hold }: { sessionId: string; hold: Hold }) {
  const { payload, left } = useRotatingPayload(sessionId, hold);
  return (
    <section className="holder" aria-labelledby="holder-title">
      <h2 id="holder-title">Your baton</h2>
      <p>
        Show this code to a classmate who is not checked in yet. When they scan it, <strong>you are checked in</strong>{' '}
        and they take the baton.
      </p>
      <div className="holder-code">
        {payload ? <QrCode text={payload} label="Your baton code" /> : <div className="qr placeholder" />}
        {/* The countdown runs round the code's frame, clear of the code itself. */}
        <svg className="ring" viewBox="0 0 100 100" aria-hidden="true">
          <rect x="1.5" y="1.5" width="97" height="97" rx="8" className="ring-track" />
          <rect
            x="1.5"
            y="1.5"
            width="97"
            height="97"
            rx="8"
            className="ring-left"
            pathLength={100}
            strokeDasharray="100"
            strokeDashoffset={100 * (1 - left)}
          />
        </svg>
      </div>
      <p className="hint">
        The code changes every {hold.rotationSeconds} seconds, so a photo of it soon stops working.
      </p>
    </section>
  );
}
