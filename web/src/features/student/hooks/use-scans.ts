/**
 * Sending scans so that none is lost or counted twice: each attempt gets its scan id once and is kept on the
 * phone until the server answers it for good; while offline (or the server is busy) it waits, and it is sent
 * again with the same scan id when the network returns — the server answers a repeat with its first answer.
 */
import { routes, type ScanRequest, type ScanResponse } from '@qrca/contract';
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, call } from '../../../lib/api-client';

export interface PendingScan {
  readonly sessionId: string;
  readonly scanId: string;
  readonly payload: string;
  readonly location?: ScanRequest['location'];
  readonly savedAt: number;
}

const STORAGE_KEY = 'qrca:pending-scans';
/** A scan older than this is dropped: its code expired long ago (a new scan is needed). */
const KEEP_MS = 10 * 60_000;
const RETRY_EVERY_MS = 5_000;

function load(): PendingScan[] {
  try {
    const all = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]') as PendingScan[];
    return all.filter((scan) => Date.now() - scan.savedAt < KEEP_MS);
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

/** Scans of one session: `submit` a payload; `pending` the ones waiting for the network. */
export function useScans(sessionId: string, onOutcome: (outcome: ScanOutcome) => void) {
  const [pending, setPending] = useState<PendingScan[]>(() => load().filter((s) => s.sessionId === sessionId));
  const [busy, setBusy] = useState(false);
  const outcome = useRef(onOutcome);
  outcome.current = onOutcome;
  const sending = useRef(new Set<string>());

  const forget = useCallback((scanId: string) => {
    save(load().filter((s) => s.scanId !== scanId));
    setPending((all) => all.filter((s) => s.scanId !== scanId));
  }, []);

  const send = useCallback(
    async (scan: PendingScan): Promise<void> => {
      if (sending.current.has(scan.scanId)) return;
      sending.current.add(scan.scanId);
      try {
        const answer = await call(routes.scansCreate, {
          params: { id: scan.sessionId },
          body: { scanId: scan.scanId, payload: scan.payload, ...(scan.location ? { location: scan.location } : {}) },
        });
        forget(scan.scanId);
        outcome.current({ kind: 'answered', answer });
      } catch (error) {
        const apiError = error instanceof ApiError ? error : new ApiError('INTERNAL', 'Something went wrong.', 0);
        if (apiError.code === 'NETWORK' || apiError.code === 'DEPENDENCY_UNAVAILABLE') {
          outcome.current({ kind: 'waiting' });
        } else {
          forget(scan.scanId);
          outcome.current({ kind: 'refused', error: apiError });
        }
      } finally {
        sending.current.delete(scan.scanId);
      }
    },
    [forget],
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
    const retry = () => {
      for (const scan of load().filter((s) => s.sessionId === sessionId)) void send(scan);
    };
    window.addEventListener('online', retry);
    const timer = setInterval(retry, RETRY_EVERY_MS);
    return () => {
      window.removeEventListener('online', retry);
      clearInterval(timer);
    };
  }, [pending.length, send, sessionId]);

  return { submit, pending, busy };
}
