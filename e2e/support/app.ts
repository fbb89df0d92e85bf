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

/** One line of the teacher dashboard's roster table, as its cells read. */
export interface RosterLine {
  /** The student's name (or email when the roster gave no name). */
  readonly name: string;
  /** The first cell's whole text: name, email, "Not joined". */
  readonly student: string;
  /** The status badge: "Waiting", "Present", "Late", "Absent", … */
  readonly status: string;
  /** Every cell's text, in column order. */
  readonly cells: readonly string[];
}

/**
 * The roster table's rows the dashboard has rendered now (it is virtualised: a long list renders those in view
 * and a few around them), read from the ARIA table (`role="row"`/`"cell"`), header left out.
 */
export function readRosterTable(page: Page): Promise<RosterLine[]> {
  return page.getByRole('table', { name: 'Roster', exact: true }).evaluate((table) =>
    [...table.querySelectorAll('[role="row"]')]
      .map((row) => [...row.querySelectorAll('[role="cell"]')])
      .filter((cells) => cells.length > 1)
      .map((cells) => ({
        name: cells[0]?.firstElementChild?.textContent?.trim() ?? '',
        student: cells[0]?.textContent?.trim() ?? '',
        status: cells[1]?.textContent?.trim() ?? '',
        cells: cells.map((cell) => cell.textContent?.trim() ?? ''),
      })),
  );
}

/** The number the dashboard's counts show under `label` ("Present", "Late", "Waiting", …), or null. */
export function dashboardCount(page: Page, label: string): Promise<number | null> {
  return page
    .getByRole('region', { name: 'Counts', exact: true })
    .getByRole('listitem')
    .filter({ has: page.getByText(label, { exact: true }) })
    .evaluate((item) => {
      const value = Number(item.querySelector('strong')?.textContent);
      return Number.isFinite(value) ? value : null;
    });
}
