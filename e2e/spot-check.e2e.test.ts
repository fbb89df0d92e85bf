// A spot check in real Chromium, driven as a teacher drives it: four students (one not on the roster, so
// flagged) check in over the API; on the dashboard the teacher asks for four names, sees one at a time with why
// it was picked, marks one "Here" and one "Not here" with a reason, skips the rest; the roster shows the answers
// and the override, and the downloaded CSV has them in its spot_check column.
import { ProjectorCodeSchema, type Session } from '@qrca/contract';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  buildSession,
  createSession,
  scan,
  signInPerson,
  type Person,
} from '../backend/src/test-support/classroom';
import type { TestHost } from '../backend/src/test-support/test-host';
import { heading, readRosterTable, SHOWN_WITHIN_MS } from './support/app';
import { launchBrowser, newPerson } from './support/browser';
import { signInContext, startE2eHost } from './support/host';
import { checkConsoleScreen } from './support/screens';

const TEACHER = 'ada@staff.example.edu';
const ON_ROSTER = [
  { name: 'Ana Alvarez', email: 'ana.alvarez@students.example.edu' },
  { name: 'Ben Brooks', email: 'ben.brooks@students.example.edu' },
  { name: 'Cleo Chen', email: 'cleo.chen@students.example.edu' },
];
/** Not on the roster: let in, flagged, and shown by email. */
const OUTSIDER = 'dana.outsider@students.example.edu';
const REASON = 'Empty seat by the window';

/** The text of what has the focus (the card moves it to each name, then to the summary). */
const focusedText = (page: Page) => page.evaluate(() => document.activeElement?.textContent?.trim() ?? '');

describe('a spot check', () => {
  let host: TestHost;
  let browser: Browser;
  let laptop: BrowserContext;
  let teacher: Person;
  let session: Session;

  beforeAll(async () => {
    host = await startE2eHost();
    browser = await launchBrowser();
    laptop = await newPerson(browser, host.url, 'laptop');
    teacher = await signInContext(laptop, host, TEACHER);
    session = await createSession(
      host,
      teacher,
      buildSession(Date.now() - 60_000, {
        title: 'Statistics — spot check',
        entryMethod: 'both',
        devicePolicy: 'off',
        rosterMode: 'flag',
        roster: ON_ROSTER,
      }),
    );
    for (const email of [...ON_ROSTER.map((s) => s.email), OUTSIDER]) {
      const student = await signInPerson(host, email);
      const joined = await api(host, student, 'POST', `sessions/${session.id}/join`, { joinCode: session.joinCode });
      expect(joined.status, email).toBe(200);
      const code = ProjectorCodeSchema.parse(
        (await api(host, teacher, 'GET', `sessions/${session.id}/codes/entry`)).json,
      );
      const scanned = await scan(host, session, student, code.payload);
      expect(scanned.status, `${email}: ${JSON.stringify(scanned.json)}`).toBe(200);
    }
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
  });

  it('asks for names one at a time; here, not here (an override), skipped; all in the roster and the CSV', async () => {
    const page = await laptop.newPage();
    await page.goto(`/sessions/${session.id}`);
    await heading(page, session.title).waitFor({ timeout: SHOWN_WITHIN_MS });
    const card = page.getByRole('region', { name: 'Spot check', exact: true });
    await card.getByRole('spinbutton', { name: 'How many students', exact: true }).fill('4');
    await card.getByRole('button', { name: 'Spot-check 4 students', exact: true }).click();

    const shown: string[] = [];
    const everyone = [...ON_ROSTER.map((s) => s.name), OUTSIDER];
    for (let step = 1; step <= 4; step++) {
      await card.getByText(`Student ${step} of 4`, { exact: true }).waitFor({ timeout: SHOWN_WITHIN_MS });
      // The name shown takes the focus (a screen reader reads it out), one not shown before.
      await expect
        .poll(async () => {
          const text = await focusedText(page);
          return everyone.includes(text) && !shown.includes(text);
        })
        .toBe(true);
      const name = await focusedText(page);
      shown.push(name);
      // Why this one: the outsider's flag in the console's words, the others at random.
      await card
        .getByText(name === OUTSIDER ? /^Flagged — Not on the roster/ : 'Picked at random: no flags.')
        .waitFor();
      if (step === 1) {
        await checkConsoleScreen(page, 'console-spot-check');
        await card.getByRole('button', { name: 'Here', exact: true }).click();
      } else if (step === 2) {
        await card.getByRole('button', { name: 'Not here', exact: true }).click();
        const reason = card.getByRole('textbox', { name: 'Reason (kept with the override)', exact: true });
        expect(await reason.inputValue()).toBe('Not in the room at a spot check');
        await reason.fill(REASON);
        await card.getByRole('button', { name: `Mark ${name} absent`, exact: true }).click();
      } else {
        await card.getByRole('button', { name: 'Skip', exact: true }).click();
      }
    }
    await card
      .getByText('Spot check done: 1 here, 1 not here (marked absent), 2 skipped.', { exact: true })
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    expect(new Set(shown).size).toBe(4);
    const [here, gone] = shown as [string, string];

    // The roster shows the answers, and the override with its reason, without a reload.
    const lineOf = async (name: string) => (await readRosterTable(page)).find((line) => line.name === name);
    await expect.poll(async () => (await lineOf(gone))?.status, { timeout: SHOWN_WITHIN_MS }).toBe('Absent');
    expect((await lineOf(gone))?.cells.join(' ')).toContain(`Spot check: not here`);
    expect((await lineOf(gone))?.cells.join(' ')).toContain(`Absent: “${REASON}”`);
    expect((await lineOf(here))?.cells.join(' ')).toContain('Spot check: here');
    expect((await lineOf(here))?.status).toBe('Present');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV', exact: true }).click(),
    ]);
    const csv = readFileSync(await download.path(), 'utf8');
    const header = (parse(csv, { bom: true, to_line: 1 }) as string[][])[0];
    expect(header?.at(-1)).toBe('spot_check');
    const records = parse(csv, { columns: true, bom: true, skip_empty_lines: true }) as Record<string, string>[];
    const record = (name: string) => records.find((r) => (r.name || r.email) === name);
    expect(record(here)).toMatchObject({ spot_check: 'here', final: 'present', override: '' });
    expect(record(gone)).toMatchObject({
      spot_check: 'not_here',
      final: 'absent',
      override: 'absent',
      override_reason: REASON,
    });
    for (const skipped of shown.slice(2)) expect(record(skipped)?.spot_check).toBe('unanswered');
    await page.close();
  }, 120_000);
});
