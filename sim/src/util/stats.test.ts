import { describe, expect, it } from 'vitest';
import { percentile, ratePerSecond, spread, tally, timeToFraction } from './stats';

describe('percentile and spread', () => {
  it('uses the nearest rank', () => {
    const values = [5, 1, 4, 2, 3, 6, 7, 8, 9, 10];
    expect(percentile(values, 50)).toBe(5);
    expect(percentile(values, 95)).toBe(10);
    expect(percentile(values, 0)).toBe(1);
    expect(percentile([], 50)).toBeNull();
  });

  it('summarises with rounding and an empty case', () => {
    expect(spread([1.234, 2.345, 100.06])).toEqual({ count: 3, p50: 2.3, p95: 100.1, p99: 100.1, max: 100.1 });
    expect(spread([])).toEqual({ count: 0, p50: null, p95: null, p99: null, max: null });
  });
});

describe('timeToFraction', () => {
  const start = 1_000;
  const moments = [1_500, 1_100, 3_000, 2_000];

  it('is the moment the share was reached, from the start', () => {
    expect(timeToFraction(moments, 4, 0.5, start)).toBe(500); // 2 of 4: the second moment
    expect(timeToFraction(moments, 4, 0.9, start)).toBe(2_000); // ceil(3.6) = 4 of 4
    expect(timeToFraction(moments, 4, 1, start)).toBe(2_000);
    expect(timeToFraction(moments, 10, 0.1, start)).toBe(100);
  });

  it('is null when the share was never reached or nobody was expected', () => {
    expect(timeToFraction(moments, 5, 1, start)).toBeNull();
    expect(timeToFraction([], 0, 0.5, start)).toBeNull();
  });

  it('counts 100 % of 3 as all three, not a rounding short', () => {
    expect(timeToFraction([10, 20], 3, 1, 0)).toBeNull();
    expect(timeToFraction([10, 20, 30], 3, 1, 0)).toBe(30);
  });
});

describe('ratePerSecond', () => {
  it('finds the busiest second and the mean over the span', () => {
    const moments = [0, 100, 200, 1_500, 2_100, 2_200, 2_300, 9_000];
    expect(ratePerSecond(moments, 0, 4_000)).toEqual({ peak: 3, mean: 1.8 });
    expect(ratePerSecond([], 0, 1_000)).toEqual({ peak: 0, mean: 0 });
  });
});

describe('tally', () => {
  it('adds to a key', () => {
    const counts: Record<string, number> = {};
    tally(counts, 'BATON_TAKEN');
    tally(counts, 'BATON_TAKEN', 2);
    expect(counts).toEqual({ BATON_TAKEN: 3 });
  });
});
