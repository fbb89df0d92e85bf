// `npm run package:web`: the web app as Azure Static Web Apps serves it: web/dist (vite build) plus a
// staticwebapp.config.json that gives the single-page app its fallback to index.html (deep links such as
// /sessions/<id> and join links), the caching the local host uses (fingerprinted assets for a year, the shell and
// the service worker revalidated) and its security headers. /api/* goes to the linked Functions app. `azd deploy`
// runs this with --skip-build after building the web app (azure.yaml, web service postpackage hook).
// Options: --skip-build. Node built-ins only.
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const webDist = join(root, 'web', 'dist');

/** The Static Web Apps configuration (https://learn.microsoft.com/azure/static-web-apps/configuration). */
export const STATIC_WEB_APP_CONFIG = {
  navigationFallback: {
    rewrite: '/index.html',
    // Files that do not exist answer 404 instead of the app shell; the API is the linked backend's.
    exclude: ['/api/*', '/assets/*', '/api-reference/*', '/*.{js,css,json,webmanifest,png,svg,ico,txt,map}'],
  },
  routes: [
    { route: '/assets/*', headers: { 'cache-control': 'public, max-age=31536000, immutable' } },
    { route: '/sw.js', headers: { 'cache-control': 'no-cache' } },
    { route: '/index.html', headers: { 'cache-control': 'no-cache' } },
  ],
  globalHeaders: {
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
  },
  mimeTypes: { '.webmanifest': 'application/manifest+json' },
};

/** Builds the web app (unless `build` is false) and writes its Static Web Apps configuration into web/dist. */
export function packageWeb({ build = true, log = console.log } = {}) {
  if (build) {
    const result = spawnSync(
      process.execPath,
      [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'],
      { cwd: join(root, 'web'), stdio: 'inherit' },
    );
    if (result.status !== 0) throw new Error(`web build failed (exit ${result.status ?? result.signal})`);
  }
  if (!existsSync(join(webDist, 'index.html'))) throw new Error('web/dist/index.html is missing: build the web app');
  writeFileSync(join(webDist, 'staticwebapp.config.json'), `${JSON.stringify(STATIC_WEB_APP_CONFIG, null, 2)}\n`);
  log('[package:web] web/dist with staticwebapp.config.json');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { 'skip-build': { type: 'boolean' } } });
  try {
    packageWeb({ build: !values['skip-build'] });
  } catch (error) {
    console.error(`[package:web] ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
