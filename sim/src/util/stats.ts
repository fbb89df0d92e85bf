/** Figures from raw observations: percentiles, when a share of a class was reached, rates per second. */

/** The value at percentile `p` (0–100) of `values` by the nearest-rank method; null when empty. Throws nothing. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}

export interface Spread {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Count, p50, p95, p99 and max of `values`, rounded to 0.1. Throws nothing. */
export function spread(values: readonly number[]): Spread {
  const round = (v: number | null) => (v === null ? null : Math.round(v * 10) / 10);
  return {
    count: values.length,
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    p99: round(percentile(values, 99)),
    max: round(values.length === 0 ? null : Math.max(...values)),
  };
}

/**
 * Milliseconds from `start` until `fraction` of `total` had happened, given the moments things happened (in any
 * order); null when that share was never reached (or `total` is 0). 100 % needs every one of `total`.
 * Throws nothing.
 */
export function timeToFraction(
  moments: readonly number[],
  total: number,
  fraction: number,
  start: number,
): number | null {
  if (total <= 0) return null;
  const needed = Math.max(1, Math.ceil(total * fraction - 1e-9));
  if (moments.length < needed) return null;
  const sorted = [...moments].sort((a, b) => a - b);
  return Math.max(0, (sorted[needed - 1] as number) - start);
}

/**
 * Peak and mean events per second over [start, end]: events are bucketed by whole seconds from `start`; the mean
 * is the count over the span (at least one second). Throws nothing.
 */
export function ratePerSecond(
  moments: readonly number[],
  start: number,
  end: number,
): { readonly peak: number; readonly mean: number } {
  const inside = moments.filter((m) => m >= start && m <= end);
  if (inside.length === 0) return { peak: 0, mean: 0 };
  const buckets = new Map<number, number>();
  for (const m of inside) {
    const second = Math.floor((m - start) / 1000);
    buckets.set(second, (buckets.get(second) ?? 0) + 1);
  }
  const seconds = Math.max(1, (end - start) / 1000);
  return { peak: Math.max(...buckets.values()), mean: Math.round((inside.length / seconds) * 10) / 10 };
}

/** Adds one to `key` in a tally. Throws nothing. */
export function tally(counts: Record<string, number>, key: string, by = 1): void {
  counts[key] = (counts[key] ?? 0) + by;
}
