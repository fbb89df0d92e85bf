/**
 * One check for a screen as people meet it: no serious accessibility violations, no horizontal scroll on a
 * 320 px phone, and screenshots at a phone's (390×844) and a projector's (1920×1080) size. Teachers' console
 * screens (`checkConsoleScreen`) are checked at a laptop's (1280×800) and a tablet's (768×1024) size instead.
 */
import type { Page } from 'playwright-core';
import { expectNoSeriousA11yViolations } from './a11y';
import { snap } from './screenshots';

export const SCREEN_SIZES = [
  { width: 390, height: 844 },
  { width: 1920, height: 1080 },
] as const;

/** The page's content width beyond its viewport, in CSS pixels (0 when nothing scrolls sideways). */
export function horizontalOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/**
 * Checks the screen `page` shows now (see the module comment) and puts its viewport back as it was.
 * @throws Error naming the screen and what failed.
 */
export async function checkScreen(page: Page, name: string): Promise<void> {
  const original = page.viewportSize();
  await expectNoSeriousA11yViolations(page, name);
  try {
    await page.setViewportSize({ width: 320, height: 640 });
    const overflow = await horizontalOverflow(page);
    if (overflow > 0) throw new Error(`${name}: ${overflow} px of horizontal scroll at 320 px wide`);
    for (const size of SCREEN_SIZES) {
      await page.setViewportSize(size);
      await snap(page, name);
    }
  } finally {
    if (original) await page.setViewportSize(original);
  }
}

/**
 * Resolves after two animation frames: the page has drawn its answer to a resize (observers fired, React
 * rendered, the browser painted), so what is measured and captured is what a person would see.
 */
function settled(page: Page): Promise<void> {
  return page.evaluate(
    () => new Promise<void>((done) => requestAnimationFrame(() => requestAnimationFrame(() => done()))),
  );
}

/** The sizes teachers run the console at: a laptop and a tablet held upright. */
export const CONSOLE_SIZES = [
  { width: 1280, height: 800 },
  { width: 768, height: 1024 },
] as const;

/**
 * Checks a teacher's console screen as `page` shows it now at each of {@link CONSOLE_SIZES}: no serious
 * accessibility violations, no horizontal scroll, and a (full-page) screenshot. Puts the viewport back as it was.
 * @throws Error naming the screen and what failed.
 */
export async function checkConsoleScreen(page: Page, name: string): Promise<void> {
  const original = page.viewportSize();
  try {
    for (const size of CONSOLE_SIZES) {
      await page.setViewportSize(size);
      await settled(page);
      await expectNoSeriousA11yViolations(page, `${name} at ${size.width}×${size.height}`);
      const overflow = await horizontalOverflow(page);
      if (overflow > 0) throw new Error(`${name}: ${overflow} px of horizontal scroll at ${size.width} px wide`);
      await snap(page, name);
    }
  } finally {
    if (original) await page.setViewportSize(original);
  }
}

/** The `p`-th percentile (0–100, nearest rank) of `values`. @throws Error when there are none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentile of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] as number;
}
