// Vite build of the web app; the contract package is compiled from source. `npm run dev -w web` proxies /api to the
// local host. The build also writes `sw.js`: a service worker that keeps the app shell (this build's files) for
// offline starts and never touches API or real-time traffic. The API reference page (`public/api-reference.html`)
// gets its renderer, Swagger UI, copied from node_modules into `api-reference/`: loaded on that page only, never
// precached.
import react from '@vitejs/plugin-react';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

/** Files of `public/` that belong to the shell. */
const PUBLIC_SHELL = ['/manifest.webmanifest', '/favicon.svg', '/icon.svg', '/icon-192.png', '/icon-512.png'];

/** The service worker's source: precache `shell` under a versioned cache; navigations fall back to the shell. */
function serviceWorker(version: string, shell: readonly string[]): string {
  return `// Generated at build time by web/vite.config.ts: the app shell only, never API answers.
const CACHE = 'qrca-shell-${version}';
const SHELL = ${JSON.stringify(shell)};
self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});
self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((keys) => Promise.all(keys.filter((key) => key.startsWith('qrca-shell-') && key !== CACHE).map((key) => caches.delete(key))))
      .then(() => self.clients.claim()),
  );
});
self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/') || url.pathname === '/api' || url.pathname.startsWith('/client')) return;
  if (event.request.mode === 'navigate') {
    event.respondWith(fetch(event.request).catch(() => caches.match('/index.html')));
    return;
  }
  if (SHELL.includes(url.pathname)) {
    event.respondWith(caches.match(url.pathname).then((hit) => hit ?? fetch(event.request)));
  }
});
`;
}

function appShellServiceWorker(): Plugin {
  return {
    name: 'qrca-app-shell-service-worker',
    apply: 'build',
    generateBundle(_options, bundle) {
      const built = Object.keys(bundle)
        .filter((file) => !file.endsWith('.map') && !file.startsWith(`${API_REFERENCE_DIR}/`))
        .map((file) => `/${file}`);
      const shell = [...new Set(['/index.html', ...PUBLIC_SHELL, ...built])].sort();
      const version = createHash('sha256').update(shell.join('\n')).digest('hex').slice(0, 12);
      this.emitFile({ type: 'asset', fileName: 'sw.js', source: serviceWorker(version, shell) });
    },
  };
}

/** Where the API reference page finds its renderer, and the renderer's files (with its licence). */
const API_REFERENCE_DIR = 'api-reference';
const API_REFERENCE_FILES: Record<string, string> = {
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui.css': 'text/css; charset=utf-8',
  LICENSE: 'text/plain; charset=utf-8',
  NOTICE: 'text/plain; charset=utf-8',
};

/** Swagger UI for the API reference page: served from node_modules in dev, copied next to the build after it. */
function apiReferenceRenderer(): Plugin {
  const source = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  return {
    name: 'qrca-api-reference-renderer',
    configureServer(server) {
      server.middlewares.use(`/${API_REFERENCE_DIR}`, (req, res, next) => {
        const file = (req.url ?? '').split('?')[0]?.replace(/^\//, '') ?? '';
        const type = API_REFERENCE_FILES[file];
        if (!type) return next();
        res.setHeader('Content-Type', type);
        res.end(readFileSync(join(source, file)));
      });
    },
    // After the bundle is written (and the service worker's list made): these files are not part of the shell.
    writeBundle(options) {
      const target = join(options.dir ?? fileURLToPath(new URL('dist', import.meta.url)), API_REFERENCE_DIR);
      mkdirSync(target, { recursive: true });
      for (const file of Object.keys(API_REFERENCE_FILES)) copyFileSync(join(source, file), join(target, file));
    },
  };
}

export default defineConfig({
  plugins: [react(), appShellServiceWorker(), apiReferenceRenderer()],
  resolve: {
    alias: { '@qrca/contract': fileURLToPath(new URL('../contract/src/index.ts', import.meta.url)) },
  },
  // `/api` and below only: a plain '/api' prefix would also send the page /api-reference.html to the host.
  server: {
    proxy: { '^/api(/|$)': 'http://127.0.0.1:7071', '/client': { target: 'http://127.0.0.1:7071', ws: true } },
  },
  // The manifest (dist/.vite/, never served: a dot directory) lets `npm run bench:bundle` weigh each screen.
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, manifest: true },
});
