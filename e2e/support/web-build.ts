/** The built web app the e2e host serves: `web/dist`, rebuilt when older than its sources (as the simulator does). */
import { buildWebIfStale, WEB_DIST } from '../../sim/src/host/build';

export const webRoot = WEB_DIST;

/**
 * Builds the web app into `web/dist` when it is missing or older than its sources.
 * @throws Error when the build fails.
 */
export function ensureWebBuild(): void {
  const started = Date.now();
  if (buildWebIfStale(() => undefined)) console.warn(`[e2e] built the web app in ${Date.now() - started} ms`);
}
