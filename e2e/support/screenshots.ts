/** Screenshots of screens as the run saw them: `e2e/artifacts/<name>-<width>x<height>.png` (not committed). */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

export const artifactsDir = fileURLToPath(new URL('../artifacts/', import.meta.url));

/**
 * Saves a full-page screenshot named after `name` and the viewport (CSS pixels); resolves with its path.
 * @throws Error when the page has no fixed viewport.
 */
export async function snap(page: Page, name: string): Promise<string> {
  const viewport = page.viewportSize();
  if (!viewport) throw new Error(`snap ${name}: the page has no viewport size`);
  mkdirSync(artifactsDir, { recursive: true });
  const path = join(artifactsDir, `${name}-${viewport.width}x${viewport.height}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
