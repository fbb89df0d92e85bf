/** Presence: a heartbeat every 15 s while the page is visible (a student counts as online for 30 s). */
import { useEffect } from 'react';
import { heartbeat } from '../api/session';

const EVERY_MS = 15_000;

export function useHeartbeat(sessionId: string, active: boolean): void {
  useEffect(() => {
    if (!active) return;
    const beat = () => {
      if (document.visibilityState === 'visible') void heartbeat(sessionId).catch(() => undefined);
    };
    beat();
    const timer = setInterval(beat, EVERY_MS);
    document.addEventListener('visibilitychange', beat);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', beat);
    };
  }, [sessionId, active]);
}
