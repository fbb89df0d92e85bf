/** Global setup of the e2e tier: fail early without Chromium; build the web app once if it is stale. */
import { assertChromium } from './browser';
import { ensureWebBuild } from './web-build';

export default function setup(): void {
  assertChromium();
  ensureWebBuild();
}
