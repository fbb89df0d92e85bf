/**
 * The server's time as the phone best knows it: rotating codes are derived from the time step, and the server
 * accepts only the current and previous step, so a phone whose clock runs ahead would show codes from the
 * future. Every API answer's `Date` header refines the offset (it has one-second resolution, so the offset is
 * only corrected when it is off by more than that).
 */
let offsetMs = 0;

/** Learns from one answer: `dateHeader` as sent, `sentAt`/`receivedAt` by this device's clock. */
export function observeServerDate(dateHeader: string | null, sentAt: number, receivedAt: number): void {
  if (!dateHeader) return;
  const server = Date.parse(dateHeader);
  if (Number.isNaN(server)) return;
  const local = (sentAt + receivedAt) / 2;
  // The header truncates to the second: the server's true time lies in [server, server + 1000).
  const estimate = server + 500 - local;
  if (Math.abs(estimate - offsetMs) > 1_000) offsetMs = estimate;
}

/** Now, by the server's clock (as far as this device can tell). */
export function serverNow(): number {
  return Date.now() + offsetMs;
}
