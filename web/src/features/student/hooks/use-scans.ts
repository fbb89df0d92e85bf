/**
 * Sending scans so that none is lost or counted twice: each attempt gets its scan id once and is kept on the
 * phone until the server answers it for good; while offline (or the server is busy) it waits, and it is sent
 * again with the same scan id when the network returns — the server answers a repeat with its first answer.
 * Every send is signed with this device's key at that moment (so a scan sent after a long offline gap is never
 * signed "stale"); a refused signature that a new attempt can fix is retried once under a new scan id.
 */
import { routes, type ScanRequest, type ScanResponse } from '@qrca/contract';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError, call } from '../../../lib/api-client';
import { afterFailure, keptScans, retryScan, type PendingScan } from '../lib/scan-queue';
import { deviceSignerFor } from '../lib/device-signer';

const STORAGE_KEY = 'qrca:pending-scans';
const RETRY_EVERY_MS = 5_000;

function load(): PendingScan[] {
  try {
    return keptScans(JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as PendingScan[], Date.now());
  } catch {
    return [];
  }
}

function save(all: readonly PendingScan[]): void {
  try {
    localStorage.setItem(STORAGE_KEY, JSON.stringify(all));
  } catch {
    // Private mode or a full storage: the scan still goes out now, it just would not survive a reload.
  }
}

const newScanId = () => crypto.randomUUID();

export type ScanOutcome =
  | { readonly kind: 'answered'; readonly answer: ScanResponse }
  | { readonly kind: 'refused'; readonly error: ApiError }
  | { readonly kind: 'waiting' };

/** Scans of one session by `userId`: `submit` a payload; `pending` the ones waiting for the network. */
export function useScans(sessionId: string, userId: string, onOutcome: (outcome: ScanOutcome) => void) {
  const [pending, setPending] = useState<PendingScan[]>(() => load().filter((s) => s.sessionId === sessionId));
  const [busy, setBusy] = useState(false);
  const outcome = useRef(onOutcome);
  outcome.current = onOutcome;
  const sending = useRef(new Set<string>());
  const signer = useMemo(() => deviceSignerFor(userId), [userId]);

  // The key is made and registered as the page opens, so the first scan waits for neither.
  useEffect(() => {
    if (userId) void signer.prepare();
  }, [signer, userId]);

  const forget = useCallback((scanId: string) => {
    save(load().filter((s) => s.scanId !== scanId));
    setPending((all) => all.filter((s) => s.scanId !== scanId));
  }, []);

  const replace = useCallback((scanId: string, next: PendingScan) => {
    save([...load().filter((s) => s.scanId !== scanId), next]);
    setPending((all) => [...all.filter((s) => s.scanId !== scanId), next]);
  }, []);

  const send = useCallback(
    async function sendScan(scan: PendingScan): Promise<void> {
      if (sending.current.has(scan.scanId)) return;
      sending.current.add(scan.scanId);
      let retry: PendingScan | undefined;
      try {
        const device = await signer.sign(scan);
        const answer = await call(routes.scansCreate, {
          params: { id: scan.sessionId },
          body: {
            scanId: scan.scanId,
            payload: scan.payload,
            ...(scan.location ? { location: scan.location } : {}),
            ...(device ? { device } : {}),
          },
        });
        forget(scan.scanId);
        outcome.current({ kind: 'answered', answer });
      } catch (error) {
        const apiError = error instanceof ApiError ? error : new ApiError('INTERNAL', 'Something went wrong.', 0);
        const next = afterFailure(apiError, scan);
        if (next.kind === 'wait') outcome.current({ kind: 'waiting' });
        else if (next.kind === 'retry') {
          if (next.register) await signer.forgetRegistration();
          retry = retryScan(scan, newScanId());
          replace(scan.scanId, retry);
        } else {
          forget(scan.scanId);
          outcome.current({ kind: 'refused', error: apiError });
        }
      } finally {
        sending.current.delete(scan.scanId);
      }
      if (retry) await sendScan(retry);
    },
    [forget, replace, signer],
  );

  const submit = useCallback(
    async (payload: string, location?: ScanRequest['location']) => {
      const scan: PendingScan = {
        sessionId,
        scanId: newScanId(),
        payload,
        ...(location ? { location } : {}),
        savedAt: Date.now(),
      };
      save([...load(), scan]);
      setPending((all) => [...all, scan]);
      setBusy(true);
      try {
        await send(scan);
      } finally {
        setBusy(false);
      }
    },
    [send, sessionId],
  );

  // Waiting scans go out again when the network returns, and every few seconds while they wait.
  useEffect(() => {
    if (pending.length === 0) return;
    const retryAll = () => {
      for (const scan of load().filter((s) => s.sessionId === sessionId)) void send(scan);
    };
    window.addEventListener('online', retryAll);
    const timer = setInterval(retryAll, RETRY_EVERY_MS);
    return () => {
      window.removeEventListener('online', retryAll);
      clearInterval(timer);
    };
  }, [pending.length, send, sessionId]);

  return { submit, pending, busy };
}
