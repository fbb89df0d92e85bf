/**
 * The fuzz tier (`npm run test:fuzz`): the zod → fast-check generator's own tests, then the HTTP fuzz suite
 * against an in-process local host. FUZZ_SEED and FUZZ_REQUESTS choose the seed and the request count.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const alias = { '@qrca/contract': fileURLToPath(new URL('../../../contract/src/index.ts', import.meta.url)) };

export default defineConfig({
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  resolve: { alias },
  test: {
    name: 'fuzz',
    include: ['backend/test/fuzz/**/*.test.ts'],
    environment: 'node',
    // The generator's tests and the HTTP suite must not compete for the two cores.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
