/**
 * The e2e tier (`npm run test:e2e`): headless Debian Chromium (playwright-core) driving the built web app on an
 * in-process local host with embedded defaults. One file at a time: each launches its own browser and host.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const at = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const alias = {
  '@qrca/contract': at('../contract/src/index.ts'),
  '@qrca/signalr-emulator': at('../signalr-emulator/src/index.ts'),
};

export default defineConfig({
  root: at('..'),
  resolve: { alias },
  test: {
    name: 'e2e',
    include: ['e2e/**/*.e2e.test.ts'],
    environment: 'node',
    // Checks Chromium and builds the web app (when stale) once, before any file starts its host.
    globalSetup: ['e2e/support/global-setup.ts'],
    // A browser with several contexts and a host per file is all two cores can take.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    teardownTimeout: 30_000,
  },
});
