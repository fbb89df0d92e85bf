/** The TTL rule both cache adapters share: a positive, finite TTL, rounded up to whole milliseconds. */

/** @throws RangeError when `ttlMs` is not a positive, finite number. */
export function wholeTtl(ttlMs: number): number {
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new RangeError(`cache TTL must be a positive number of ms, got ${ttlMs}`);
  return Math.ceil(ttlMs);
}
