// Vite build of the web app; the contract package is compiled from source. `npm run dev -w web` proxies /api to the local host.
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [react()],
  resolve: {
    alias: { '@qrca/contract': fileURLToPath(new URL('../contract/src/index.ts', import.meta.url)) },
  },
  server: { proxy: { '/api': 'http://127.0.0.1:7071' } },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true },
});
