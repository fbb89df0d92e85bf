// The confirmation dialogs outside the dashboard, in real Chromium: deleting a session from its edit page and
// removing a teacher from the admin allow-list. Focus starts on Cancel, Escape closes the dialog and gives focus
// back to the button that opened it, and confirming does the thing and says so.
import type { Session } from '@qrca/contract';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, buildSession, createSession, type Person } from '../backend/src/test-support/classroom';
import type { TestHost } from '../backend/src/test-support/test-host';
import { heading, SHOWN_WITHIN_MS } from './support/app';
import { launchBrowser, newPerson } from './support/browser';
import { signInContext, startE2eHost } from './support/host';
import { checkConsoleScreen } from './support/screens';

const ADMIN = 'it@staff.example.edu';
const TEACHER = 'ada@staff.example.edu';
const GUEST_TEACHER = 'guest.lecturer@elsewhere.example.org';

/** What has the focus: its accessible text. */
const focused = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');

/** Opens the dialog with `opener`, checks focus and Escape, opens it again; returns the dialog. */
async function escapeThenReopen(page: Page, opener: ReturnType<Page['getByRole']>, title: string) {
  await opener.click();
  const dialog = page.getByRole('dialog', { name: title });
  await dialog.waitFor({ timeout: SHOWN_WITHIN_MS });
  expect(await focused(page)).toBe('Cancel');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  expect(await opener.evaluate((element) => element === document.activeElement)).toBe(true);
  await opener.click();
  await dialog.waitFor();
  return dialog;
}

describe('confirmation dialogs', () => {
  let host: TestHost;
  let browser: Browser;
  let laptop: BrowserContext;
  let teacher: Person;

  beforeAll(async () => {
    host = await startE2eHost();
    browser = await launchBrowser();
    laptop = await newPerson(browser, host.url, 'laptop');
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
  });

  it('deletes a session from its edit page after a confirmation', async () => {
    teacher = await signInContext(laptop, host, TEACHER);
    const session: Session = await createSession(
      host,
      teacher,
      buildSession(Date.now() + 60 * 60_000, { title: 'Chemistry — to delete' }),
      false,
    );
    const page = await laptop.newPage();
    await page.goto(`/sessions/${session.id}/edit`);
    const opener = page.getByRole('button', { name: 'Delete session' });
    await opener.waitFor({ timeout: SHOWN_WITHIN_MS });
    const dialog = await escapeThenReopen(page, opener, 'Delete “Chemistry — to delete”?');
    await checkConsoleScreen(page, 'delete-session-dialog');
    await dialog.getByRole('button', { name: 'Delete for good' }).click();
    await heading(page, 'Your sessions').waitFor({ timeout: SHOWN_WITHIN_MS });
    await page.getByText('“Chemistry — to delete” was deleted.').waitFor();
    expect((await api(host, teacher, 'GET', `sessions/${session.id}`)).status).toBe(404);
    await page.close();
  });

  it('removes a teacher from the allow-list after a confirmation', async () => {
    const admin = await signInContext(laptop, host, ADMIN);
    expect((await api(host, admin, 'POST', 'admin/teachers', { email: GUEST_TEACHER })).status).toBe(201);
    const page = await laptop.newPage();
    await page.goto('/admin');
    const opener = page.getByRole('button', { name: `Remove ${GUEST_TEACHER}` });
    await opener.waitFor({ timeout: SHOWN_WITHIN_MS });
    const dialog = await escapeThenReopen(page, opener, `Remove ${GUEST_TEACHER} from the teachers?`);
    await dialog.getByRole('button', { name: 'Remove', exact: true }).click();
    await page.getByText(`${GUEST_TEACHER} was removed from the teacher list.`).waitFor({ timeout: SHOWN_WITHIN_MS });
    expect(await focused(page)).toBe(`${GUEST_TEACHER} was removed from the teacher list.`);
    const list = (await api(host, admin, 'GET', 'admin/teachers')).json as { teachers: { email: string }[] };
    expect(list.teachers.map((t) => t.email)).not.toContain(GUEST_TEACHER);
    await page.close();
  });
});
