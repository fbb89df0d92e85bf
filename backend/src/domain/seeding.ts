/** Chain seeding: how many chains to start and a uniform random pick of seed holders. */

/**
 * The `auto` chain count: ceil(joined / studentsPerChain), at least 1 (`CHAIN_STUDENTS_PER_CHAIN`, default 8: at a
 * 5 s median scan a class then finishes in about 90 s whatever its size — BENCHMARKS.md, bench:class). Throws
 * nothing.
 */
export function autoChainCount(joined: number, studentsPerChain: number): number {
  return Math.max(1, Math.ceil(joined / studentsPerChain));
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
