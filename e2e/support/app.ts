/** What flows do on the app's screens, by their visible names (roles and text, as people find them). */
import type { Page } from 'playwright-core';
import { showNothing } from './camera';

/** Bound on anything the app should show after an action (a scan answered, a push received). */
export const SHOWN_WITHIN_MS = 10_000;

export const heading = (page: Page, name: string) => page.getByRole('heading', { name, exact: true });

/**
 * Opens the student's camera (pointed at nothing yet, so an earlier picture is not read again) and waits until
 * it runs with its decoder loaded.
 */
export async function openCamera(page: Page): Promise<void> {
  await showNothing(page);
  await page.getByRole('button', { name: 'Scan', exact: true }).click();
  await page.getByText('Point the camera at the QR code.').waitFor({ timeout: SHOWN_WITHIN_MS });
}
