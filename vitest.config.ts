/** Test tiers: `unit` (pure logic, fakes allowed) and `medium` (real adapters: SQLite, Azurite, Redis, HTTP). */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const alias = {
  '@qrca/contract': fileURLToPath(new URL('./contract/src/index.ts', import.meta.url)),
  '@qrca/signalr-emulator': fileURLToPath(new URL('./signalr-emulator/src/index.ts', import.meta.url)),
};
const medium = ['**/*.medium.test.ts'];

export default defineConfig({
  resolve: { alias },
  test: {
    projects: [
      {
        resolve: { alias },
        test: {
          name: 'unit',
          include: ['{contract,backend,web,signalr-emulator,sim}/src/**/*.test.{ts,tsx}'],
          exclude: ['**/node_modules/**', ...medium],
          environment: 'node',
        },
      },
      {
        resolve: { alias },
        test: {
          name: 'medium',
          include: ['{contract,backend,signalr-emulator,sim}/src/**/*.medium.test.ts'],
          environment: 'node',
          globalSetup: ['backend/src/test-support/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
