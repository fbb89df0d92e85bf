/** Seeded randomness for reproducible runs: a small PRNG (sfc32), named sub-streams, normal and log-normal draws. */

/** A source of uniform numbers in [0, 1), like Math.random. */
export type Uniform = () => number;

/** 32-bit string hash (FNV-1a), to derive seeds from names. Throws nothing. */
export function hashSeed(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * sfc32 seeded from `seed` (any integer) and `stream` (a name: each part of the simulation draws from its own
 * stream, so adding draws in one part does not shift another). Throws nothing.
 */
export function seededRandom(seed: number, stream = ''): Uniform {
  let a = hashSeed(`${seed}:a:${stream}`);
  let b = hashSeed(`${seed}:b:${stream}`);
  let c = hashSeed(`${seed}:c:${stream}`);
  let d = 1;
  const next = () => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 12; i++) next(); // mix the state away from the hashes
  return next;
}

/** A standard normal draw (Box–Muller). Throws nothing. */
export function normal(random: Uniform): number {
  const u = 1 - random(); // (0, 1]: log(0) never happens
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/**
 * A log-normal draw with the given median and shape `sigma` (the standard deviation of its logarithm): half the
 * draws fall below the median; sigma 0.5 puts 90 % of them between 0.44× and 2.3× the median. Throws nothing.
 */
export function logNormal(random: Uniform, median: number, sigma: number): number {
  return median * Math.exp(sigma * normal(random));
}

/** A uniform pick from `items`; undefined when empty. Throws nothing. */
export function pick<T>(random: Uniform, items: readonly T[]): T | undefined {
  if (items.length === 0) return undefined;
  return items[Math.min(items.length - 1, Math.floor(random() * items.length))];
}

/** A shuffled copy of `items` (Fisher–Yates). Throws nothing. */
export function shuffled<T>(random: Uniform, items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.min(i, Math.floor(random() * (i + 1)));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}
