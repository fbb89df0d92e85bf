/** The server's time, ticking: for ages ("12 s ago") and controls that open or close at a moment. */
import { useEffect, useState } from 'react';
import { serverNow } from '../../../lib/server-clock';

/** Now (server clock), updated every `everyMs`. */
export function useNow(everyMs = 1_000): number {
  const [now, setNow] = useState(serverNow);
  useEffect(() => {
    const timer = setInterval(() => setNow(serverNow()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}
