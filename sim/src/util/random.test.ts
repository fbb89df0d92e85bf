import { describe, expect, it } from 'vitest';
import { logNormal, normal, pick, seededRandom, shuffled } from './random';

describe('seededRandom', () => {
  it('repeats its sequence for the same seed and stream, and differs across seeds and streams', () => {
    const draw = (seed: number, stream: string) => {
      const random = seededRandom(seed, stream);
      return Array.from({ length: 5 }, () => random());
    };
    expect(draw(7, 'scan')).toEqual(draw(7, 'scan'));
    expect(draw(7, 'scan')).not.toEqual(draw(8, 'scan'));
    expect(draw(7, 'scan')).not.toEqual(draw(7, 'arrival'));
  });

  it('draws uniformly in [0, 1)', () => {
    const random = seededRandom(1);
    const values = Array.from({ length: 20_000 }, () => random());
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    expect(mean).toBeGreaterThan(0.49);
    expect(mean).toBeLessThan(0.51);
    const lowTenth = values.filter((v) => v < 0.1).length / values.length;
    expect(lowTenth).toBeGreaterThan(0.09);
    expect(lowTenth).toBeLessThan(0.11);
  });
});

describe('normal and logNormal', () => {
  it('normal draws have mean 0 and standard deviation 1', () => {
    const random = seededRandom(2);
    const values = Array.from({ length: 20_000 }, () => normal(random));
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(sd).toBeGreaterThan(0.97);
    expect(sd).toBeLessThan(1.03);
  });

  it('logNormal has the given median, positive values and the spread sigma gives', () => {
    const random = seededRandom(3);
    const values = Array.from({ length: 20_000 }, () => logNormal(random, 5_000, 0.5)).sort((a, b) => a - b);
    const median = values[values.length / 2] as number;
    expect(median).toBeGreaterThan(4_850);
    expect(median).toBeLessThan(5_150);
    expect(values[0]).toBeGreaterThan(0);
    // 5th and 95th percentiles: median · exp(∓1.645 · 0.5) ≈ 2,200 ms and 11,400 ms.
    expect(values[Math.floor(values.length * 0.05)]).toBeGreaterThan(2_050);
    expect(values[Math.floor(values.length * 0.05)]).toBeLessThan(2_350);
    expect(values[Math.floor(values.length * 0.95)]).toBeGreaterThan(10_700);
    expect(values[Math.floor(values.length * 0.95)]).toBeLessThan(12_100);
  });

  it('sigma 0 gives the median itself', () => {
    expect(logNormal(seededRandom(4), 300, 0)).toBe(300);
  });
});

describe('pick and shuffled', () => {
  it('pick returns undefined for nothing and every item eventually', () => {
    const random = seededRandom(5);
    expect(pick(random, [])).toBeUndefined();
    const seen = new Set(Array.from({ length: 200 }, () => pick(random, ['a', 'b', 'c'])));
    expect(seen).toEqual(new Set(['a', 'b', 'c']));
  });

  it('shuffled is a permutation and leaves its input alone', () => {
    const input = Array.from({ length: 50 }, (_, i) => i);
    const out = shuffled(seededRandom(6), input);
    expect(out).not.toEqual(input);
    expect([...out].sort((a, b) => a - b)).toEqual(input);
    expect(input[0]).toBe(0);
  });
});
