/** Chain seeding: how many chains to start and a uniform random pick of seed holders. */

/** Students one chain serves in about 2 minutes at 5 s per hand-off. */
const STUDENTS_PER_CHAIN = 24;

/** The `auto` chain count: ceil(joined / 24), at least 1. Throws nothing. */
export function autoChainCount(joined: number): number {
  return Math.max(1, Math.ceil(joined / STUDENTS_PER_CHAIN));
}

/**
 * A uniform sample of min(count, items.length) distinct items without replacement (partial Fisher–Yates on
 * a copy; `items` is never mutated). `random` returns values in [0, 1), like Math.random. Throws nothing.
 */
export function pickRandom<T>(items: readonly T[], count: number, random: () => number): T[] {
  const pool = [...items];
  const size = Math.max(0, Math.min(Math.floor(count), pool.length));
  for (let i = 0; i < size; i++) {
    // The clamp keeps a generator that returns exactly 1 in range.
    const j = Math.min(pool.length - 1, i + Math.floor(random() * (pool.length - i)));
    [pool[i], pool[j]] = [pool[j] as T, pool[i] as T];
  }
  return pool.slice(0, size);
}
