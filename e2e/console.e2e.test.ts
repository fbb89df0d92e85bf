// The teacher's console in real Chromium, driven as a teacher drives it: the sessions list, a session created
// through the form with a CSV roster, its projector in a second window, a live dashboard while students (over
// the API) join and pass a chain — each verification shown within a second, without a reload — a stall handed
// to a named student, on-time entry closed, a late scan, an override with its reason, the end, and the CSV
// export checked against what the dashboard shows. A second class of 300 with flags is screenshotted. Every
// console screen goes through `checkConsoleScreen` (axe, no sideways scroll, 1280×800 and 768×1024).
import {
  ProjectorCodeSchema,
  SessionSchema,
  type AttendanceRow,
  type CreateSessionRequest,
  type Session,
} from '@qrca/contract';
import { parse } from 'csv-parse/sync';
import { readFileSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  buildSession,
  chains,
  createSession,
  holderQr,
  me,
  scan,
  signInPerson,
  type Person,
} from '../backend/src/test-support/classroom';
import type { TestHost } from '../backend/src/test-support/test-host';
import { expectNoSeriousA11yViolations } from './support/a11y';
import { dashboardCount, heading, readRosterTable, SHOWN_WITHIN_MS } from './support/app';
import { launchBrowser, newPerson } from './support/browser';
import { signInContext, startE2eHost } from './support/host';
import { checkConsoleScreen, percentile } from './support/screens';
import { snap } from './support/screenshots';

const TEACHER = 'ada@staff.example.edu';
/** A verification must be on the dashboard this soon after the scan's answer. */
const LIVE_WITHIN_MS = 1_000;
/** The host's stall time (its minimum): a chain nobody scans for this long is stalled at the next sweep. */
const STALL_SECONDS = 10;

interface Student {
  readonly name: string;
  readonly email: string;
  person?: Person;
}

const CLASS: readonly Student[] = [
  ['Ana Alvarez', 'ana.alvarez'],
  ['Ben Brooks', 'ben.brooks'],
  ['Cleo Chen', 'cleo.chen'],
  ['Dev Desai', 'dev.desai'],
  ['Eve Evans', 'eve.evans'],
  ['Finn Foster', 'finn.foster'],
  ['Gia Garcia', 'gia.garcia'],
  ['Zoë Núñez', 'zoe.nunez'],
].map(([name, local]) => ({ name: name as string, email: `${local}@students.example.edu` }));

/** The roster file a teacher exports from the school's system: a heading row, then name and email. */
const ROSTER_CSV = `Name,Email\r\n${CLASS.map((s) => `"${s.name}",${s.email}`).join('\r\n')}\r\n`;

/** What the dashboard's status badge says for each final status. */
const STATUS_LABEL: Record<string, string> = {
  present: 'Present',
  late: 'Late',
  early_leave: 'Early leave',
  left_early: 'Left early',
  absent: 'Absent',
};

/** Marks the document, so that a later check can tell the page was never reloaded. */
const markDocument = (page: Page) => page.evaluate(() => Object.assign(window, { __sameDocument: true }));
const sameDocument = (page: Page) => page.evaluate(() => (window as { __sameDocument?: boolean }).__sameDocument);

/** @throws Error with `message`. */
const fail = (message: string): never => {
  throw new Error(message);
};
const personOf = (student: Student): Person => student.person ?? fail(`${student.name} is not signed in`);

interface Shown {
  readonly name: string;
  readonly status: string;
  readonly count: string;
  readonly value: number;
}

/**
 * In the page: whether the roster row of `name` shows `status` and the counts show `value` under `count`.
 * Reads the ARIA table and the "Counts" section as `readRosterTable` and `dashboardCount` do.
 */
function dashboardShows(expected: Shown): boolean {
  const rows = [...document.querySelectorAll('[role="table"] [role="row"]')];
  const row = rows.find(
    (r) => r.querySelector('[role="cell"]')?.firstElementChild?.textContent?.trim() === expected.name,
  );
  const status = row?.querySelectorAll('[role="cell"]')[1]?.textContent?.trim();
  const counts = [...document.querySelectorAll('section')].find(
    (section) => section.querySelector('h2')?.textContent?.trim() === 'Counts',
  );
  const item = [...(counts?.querySelectorAll('li') ?? [])].find(
    (li) => li.querySelector('span')?.textContent?.trim() === expected.count,
  );
  return status === expected.status && Number(item?.querySelector('strong')?.textContent) === expected.value;
}

describe('the teacher console', () => {
  let host: TestHost;
  let browser: Browser;
  let laptop: BrowserContext;
  let teacher: Person;
  const latencies: number[] = [];

  beforeAll(async () => {
    // No auto-reseed: a stalled chain waits for the teacher, who hands it on.
    host = await startE2eHost({ CHAIN_STALL_SECONDS: String(STALL_SECONDS), CHAIN_AUTO_RESEED: 'false' });
    browser = await launchBrowser();
    laptop = await newPerson(browser, host.url, 'laptop');
    teacher = await signInContext(laptop, host, TEACHER);
    // The list has more than today's class: one tomorrow, one from last week (ended).
    const day = 24 * 60 * 60_000;
    await createSession(
      host,
      teacher,
      buildSession(Date.now() + day, { title: 'Chemistry lab — group B', lateCutoffMinutes: 5 }),
      false,
    );
    const ended = await createSession(
      host,
      teacher,
      buildSession(Date.now() - 7 * day, { title: 'Biology 101 — week 3' }),
    );
    expect((await api(host, teacher, 'POST', `sessions/${ended.id}/end`)).status).toBe(200);
  });

  afterAll(async () => {
    if (latencies.length > 0) {
      console.log(
        `[e2e] scan answered → dashboard shows it: p50 ${percentile(latencies, 50)} ms, ` +
          `max ${Math.max(...latencies)} ms (n=${latencies.length})`,
      );
    }
    await browser?.close();
    await host?.close();
  });

  it('shows a class of 300 with flags at a glance', async () => {
    // A lecture: 300 on the roster, outsiders let in flagged, the school network 10.44.0.0/16 (this machine's
    // 127.0.0.1 is outside it, so every scan is flagged off-network), entry by chains or the projector code.
    const roster = Array.from({ length: 300 }, (_, i) => bigClassStudent(i));
    const session = await createSession(
      host,
      teacher,
      buildSession(Date.now() - 5 * 60_000, {
        title: 'Introduction to Psychology — lecture 4',
        entryMethod: 'both',
        roster,
        rosterMode: 'flag',
        constraints: { networks: { cidrs: ['10.44.0.0/16'], mode: 'warn' } },
      } satisfies Partial<CreateSessionRequest>),
    );
    const outsiders = ['abdul.rahman', 'alex.kim', 'beatriz.souza', 'chloe.martin'].map(
      (local) => `${local}@students.example.edu`,
    );
    // 180 of the roster and the 4 outsiders sign in and join; 150 of the roster and 2 outsiders check in with
    // the projector's entry code (as the API answers, not through cameras: this is about the dashboard).
    const joiners = await inBatches([...roster.slice(0, 180).map((s) => s.email), ...outsiders], (email) =>
      signInPerson(host, email),
    );
    await inBatches(joiners, async (student) => {
      const joined = await api(host, student, 'POST', `sessions/${session.id}/join`, { joinCode: session.joinCode });
      expect(joined.status, student.email).toBe(200);
    });
    const scanners = [...joiners.slice(0, 150), ...joiners.slice(180, 182)];
    let code = await projectorCode(session.id, 'entry');
    await inBatches(scanners, async (student) => {
      let answer = await scan(host, session, student, code.payload);
      if (answer.code === 'CODE_EXPIRED') {
        code = await projectorCode(session.id, 'entry');
        answer = await scan(host, session, student, code.payload);
      }
      expect(answer.status, `${student.email}: ${JSON.stringify(answer.json)}`).toBe(200);
    });
    const listed = (await api(host, teacher, 'GET', `sessions/${session.id}/attendance`)).json as {
      rows: AttendanceRow[];
    };
    expect(listed.rows).toHaveLength(304);
    expect(listed.rows.filter((row) => row.flags.includes('off_network'))).toHaveLength(152);
    expect(listed.rows.filter((row) => row.flags.includes('not_on_roster'))).toHaveLength(4);

    // The teacher looks once the burst has gone out: the host still had hundreds of pushes queued for the
    // teachers' group, and a dashboard opened meanwhile shows rows going back to older states until the queue
    // drains (see the report of this suite).
    await host.services.delivery.flush();
    const page = await laptop.newPage();
    await page.goto(`/sessions/${session.id}`);
    await heading(page, session.title).waitFor({ timeout: SHOWN_WITHIN_MS });
    await page.getByRole('table', { name: 'Roster', exact: true }).waitFor();
    // The counts as the API gives them: 152 present; 32 joined and waiting (absent until verified) and 120 who
    // never came: 152 absent.
    const counts = (await api(host, teacher, 'GET', `sessions/${session.id}/attendance`)).json as {
      counts: Record<string, number>;
    };
    expect(counts.counts).toMatchObject({ present: 152, unverified: 32, absent: 152 });
    await expect.poll(() => dashboardCount(page, 'Present'), { timeout: SHOWN_WITHIN_MS }).toBe(152);
    expect(await dashboardCount(page, 'Waiting')).toBe(32);
    expect(await dashboardCount(page, 'Absent')).toBe(152);
    await page.getByText('304 students', { exact: true }).waitFor();
    await page.getByText(/students check in through chains or with the projector’s code\.$/).waitFor();
    // Every row in view says what the API says.
    const statusOf = (row: AttendanceRow) => (row.entry ? 'Present' : row.joined ? 'Waiting' : 'Absent');
    const byName = new Map(listed.rows.map((row) => [row.name ?? row.email, row]));
    const shown = await readRosterTable(page);
    expect(shown.length).toBeGreaterThan(5);
    for (const line of shown) {
      const row = byName.get(line.name) ?? fail(`${line.name} is not in the API's list`);
      expect(line.status, line.name).toBe(statusOf(row));
    }
    // Flags are on the rows in view: the outsiders sort near the top.
    const outsider = shown.find((line) => line.name === 'abdul.rahman@students.example.edu');
    expect(outsider?.cells.join(' ')).toContain('Not on the roster');
    expect(outsider?.cells.join(' ')).toContain('Off the school network');
    await checkConsoleScreen(page, 'console-dashboard-300');
    // A flag's badge opens its evidence: what it means and what was seen; Escape closes it.
    const outsiderRow = page.getByRole('row').filter({ hasText: 'abdul.rahman@students.example.edu' });
    await outsiderRow.getByRole('button', { name: 'Off the school network', exact: true }).click();
    const evidence = page.getByRole('dialog', { name: 'Off the school network · abdul.rahman@students.example.edu' });
    await evidence.waitFor({ timeout: SHOWN_WITHIN_MS });
    await evidence.getByText('Scanned from an address outside the session’s allowed networks.').waitFor();
    await evidence.getByText(/Scanned from \S+, outside the session’s networks\.$/).waitFor();
    await expectNoSeriousA11yViolations(page, 'flag evidence');
    await snap(page, 'console-flag-evidence');
    // Another badge, while it is open, moves it there.
    await outsiderRow.getByRole('button', { name: 'Not on the roster', exact: true }).click();
    const moved = page.getByRole('dialog', { name: 'Not on the roster · abdul.rahman@students.example.edu' });
    await moved.getByText('Joined although the class list does not name them.').waitFor();
    await page.keyboard.press('Escape');
    await moved.waitFor({ state: 'hidden' });
    await page.close();
  }, 120_000);

  /** The projector code of `kind` as the teacher's API gives it (what the projector shows now). */
  async function projectorCode(sessionId: string, kind: 'entry' | 'late') {
    const answer = await api(host, teacher, 'GET', `sessions/${sessionId}/codes/${kind}`);
    expect(answer.status).toBe(200);
    return ProjectorCodeSchema.parse(answer.json);
  }

  it('runs a class: CSV roster, projector window, live chain, a stall handed on, late entry, an override, the CSV', async () => {
    const page = await laptop.newPage();

    // The sessions list.
    await page.goto('/sessions');
    await heading(page, 'Your sessions').waitFor();
    await page.getByRole('heading', { name: 'Chemistry lab — group B' }).waitFor({ timeout: SHOWN_WITHIN_MS });
    await checkConsoleScreen(page, 'console-list');

    // A new session with the roster from a CSV file.
    await page.getByRole('link', { name: 'New session', exact: true }).click();
    await heading(page, 'New session').waitFor();
    const title = 'Physics 2B — Waves';
    await page.getByRole('textbox', { name: 'Title', exact: true }).fill(title);
    await page.getByLabel('Or load a CSV file').setInputFiles({
      name: 'physics-2b.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(ROSTER_CSV, 'utf8'),
    });
    await page.getByText('Loaded “physics-2b.csv” into the box above. Check the preview below.').waitFor();
    await page.getByText(`${CLASS.length} students understood.`).waitFor();
    await page.getByText('Heading row left out: Name,Email').waitFor();
    const preview = page.getByRole('region', { name: `Students on the roster (${CLASS.length})` });
    for (const student of CLASS) {
      await preview.getByRole('row').filter({ hasText: student.email }).getByText(student.name).waitFor();
    }
    const phoneCheck = page.getByRole('group', { name: 'Shared or unproven phones', exact: true });
    expect(
      await phoneCheck.getByRole('radio', { name: 'Accept and flag (recommended)', exact: true }).isChecked(),
    ).toBe(true);
    await checkConsoleScreen(page, 'console-create');
    await page.getByRole('button', { name: 'Create session', exact: true }).click();
    const isDashboard = (url: URL) =>
      /^\/sessions\/[A-Za-z0-9_-]+$/.test(url.pathname) && !url.pathname.endsWith('/new');
    await page.waitForURL(isDashboard, { timeout: SHOWN_WITHIN_MS });
    const sessionId = new URL(page.url()).pathname.split('/').at(-1) ?? fail('no session id');
    await heading(page, title).waitFor({ timeout: SHOWN_WITHIN_MS });
    await page.getByText(`${CLASS.length} students`, { exact: true }).waitFor();

    // It starts now, not at the quarter hour the form proposed.
    await page.getByRole('button', { name: 'Start now', exact: true }).click();
    await page.getByText(/^On-time entry is open until/).waitFor({ timeout: SHOWN_WITHIN_MS });
    const session: Session = SessionSchema.parse((await api(host, teacher, 'GET', `sessions/${sessionId}`)).json);
    expect(session.status).toBe('active');
    expect(session.rosterCount).toBe(CLASS.length);
    expect(session.devicePolicy).toBe('warn'); // the form's phone check, left as it was
    await markDocument(page);
    const attendanceFetches: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'GET' && new URL(request.url()).pathname.endsWith('/attendance')) {
        attendanceFetches.push(request.url());
      }
    });

    // The projector in a second window (shift-click on the dashboard's link).
    const [projector] = await Promise.all([
      laptop.waitForEvent('page'),
      page.getByRole('link', { name: /^Projector view/ }).click({ modifiers: ['Shift'] }),
    ]);
    await heading(projector, 'Join the class').waitFor({ timeout: SHOWN_WITHIN_MS });
    await projector.getByRole('img', { name: 'Join QR code' }).waitFor();
    expect(await page.evaluate(() => document.visibilityState)).toBe('visible');

    // Five students join (through the API): their rows say "Waiting", live.
    const [ana, ben, cleo, dev, eve, finn, gia, zoe] = CLASS as [
      Student,
      Student,
      Student,
      Student,
      Student,
      Student,
      Student,
      Student,
    ];
    const joinNow = async (students: readonly Student[]) => {
      await Promise.all(
        students.map(async (student) => {
          student.person = await signInPerson(host, student.email);
          const joined = await api(host, student.person, 'POST', `sessions/${session.id}/join`, {
            joinCode: session.joinCode,
          });
          expect(joined.status).toBe(200);
        }),
      );
    };
    await joinNow([ana, ben, cleo, dev, eve]);
    await expect.poll(() => dashboardCount(page, 'Waiting'), { timeout: SHOWN_WITHIN_MS }).toBe(5);

    // One entry chain, started from the chain panel.
    await page.getByRole('spinbutton', { name: 'Number of chains' }).fill('1');
    await page.getByRole('button', { name: 'Start chains', exact: true }).click();
    await page.getByText('Started 1 chain.', { exact: true }).waitFor({ timeout: SHOWN_WITHIN_MS });
    const chainCard = page.getByRole('listitem', { name: 'Entry chain 1', exact: true });
    await chainCard.waitFor();
    const [started] = await chains(host, session, teacher);
    const seed =
      [ana, ben, cleo, dev, eve].find((s) => s.person?.id === started?.holderId) ?? fail('the seed is none of the 5');
    const [first, second, third, fourth] = [ana, ben, cleo, dev, eve].filter((s) => s !== seed) as [
      Student,
      Student,
      Student,
      Student,
    ];

    /**
     * `scanner` scans `holder`'s baton (the code their phone shows now, over the API); then the dashboard must
     * show `expected` within LIVE_WITHIN_MS of the scan's answer.
     */
    const scanAndSee = async (scanner: Student, payload: string, expected: Shown, outcome: string) => {
      const answer = await scan(host, session, personOf(scanner), payload);
      const answeredAt = performance.now();
      expect(answer.status, JSON.stringify(answer.json)).toBe(200);
      expect((answer.json as { outcome: string }).outcome).toBe(outcome);
      await page.waitForFunction(dashboardShows, expected, { polling: 10, timeout: SHOWN_WITHIN_MS });
      const shownAfter = Math.round(performance.now() - answeredAt);
      latencies.push(shownAfter);
      expect(shownAfter, `${expected.name} shown as ${expected.status} after ${shownAfter} ms`).toBeLessThanOrEqual(
        LIVE_WITHIN_MS,
      );
    };
    const passBaton = async (holder: Student, scanner: Student, present: number) => {
      const { hold } = await me(host, session, personOf(holder));
      const payload = await holderQr(session, hold ?? fail(`${holder.name} holds nothing`), Date.now());
      await scanAndSee(
        scanner,
        payload,
        { name: holder.name, status: 'Present', count: 'Present', value: present },
        'verified_holder',
      );
      await chainCard.getByText(scanner.name, { exact: true }).waitFor({ timeout: SHOWN_WITHIN_MS });
    };

    await passBaton(seed, first, 1);
    await passBaton(first, second, 2);
    await passBaton(second, third, 3);
    await expect.poll(() => chainCard.getByRole('definition').first().textContent()).toBe(third.name);
    const lastHandoffAt = Date.parse((await chains(host, session, teacher))[0]?.lastHandoffAt ?? '');

    // Two more arrive while the chain sits with `third`, whom nobody scans: the chain stalls.
    await joinNow([finn, gia]);
    await expect.poll(() => dashboardCount(page, 'Waiting'), { timeout: SHOWN_WITHIN_MS }).toBe(4);
    await chainCard
      .getByText('Stalled: no hand-off for a while', { exact: true })
      .waitFor({ timeout: (STALL_SECONDS + 20) * 1000 });
    const stalledAfter = Date.now() - lastHandoffAt;
    console.log(`[e2e] the chain showed "Stalled" ${Math.round(stalledAfter)} ms after its last hand-off`);
    expect(stalledAfter).toBeGreaterThanOrEqual(STALL_SECONDS * 1000);
    await checkConsoleScreen(page, 'console-stall');

    // The teacher hands it to Finn, by name.
    await chainCard.getByRole('button', { name: 'Hand to… (Entry chain 1)' }).click();
    const handDialog = page.getByRole('dialog', { name: 'Hand Entry chain 1 to…' });
    await handDialog.waitFor();
    // Those who may take it: joined, not verified, holding nothing.
    await handDialog.getByText('Students who can take it (3)').waitFor();
    await handDialog.getByRole('searchbox', { name: 'Search students' }).fill('finn');
    await handDialog.getByRole('radio', { name: /^Finn Foster/ }).check();
    await handDialog.getByRole('button', { name: 'Hand over', exact: true }).click();
    await handDialog.waitFor({ state: 'detached', timeout: SHOWN_WITHIN_MS });
    await expect
      .poll(() => chainCard.getByRole('definition').first().textContent(), { timeout: SHOWN_WITHIN_MS })
      .toBe(finn.name);
    expect(await chainCard.getByText(/^Stalled/).count()).toBe(0);
    expect((await chains(host, session, teacher))[0]?.holderId).toBe(personOf(finn).id);

    // The chain runs again: Gia scans Finn.
    await passBaton(finn, gia, 4);
    // Every change so far came pushed: the list was never fetched again (closing entry refetches it, by design).
    expect(attendanceFetches).toEqual([]);

    // On-time entry closes; the projector shows the late code (pushed to its window).
    await page.getByRole('button', { name: 'Close on-time entry now', exact: true }).click();
    const closeDialog = page.getByRole('dialog', { name: 'Close on-time entry now?' });
    await closeDialog.getByRole('button', { name: 'Close entry now', exact: true }).click();
    await closeDialog.waitFor({ state: 'detached', timeout: SHOWN_WITHIN_MS });
    await page.getByText(/^On-time entry closed at/).waitFor({ timeout: SHOWN_WITHIN_MS });
    await projector
      .getByRole('img', { name: 'Arriving late? Scan this: QR code' })
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    await page.getByText('No chain is running.').waitFor({ timeout: SHOWN_WITHIN_MS });

    // Gia, whose baton closed with entry, scans the projector's late code.
    const late = await projectorCode(session.id, 'late');
    await scanAndSee(gia, late.payload, { name: gia.name, status: 'Late', count: 'Late', value: 1 }, 'late_entry');

    // `third` held the stalled baton in the room: the teacher marks them present, with a reason.
    const reason = 'Held the stalled baton in class; seen by me.';
    await page.getByRole('button', { name: `Override ${third.name}`, exact: true }).click();
    const overrideDialog = page.getByRole('dialog', { name: `Override ${third.name}` });
    await overrideDialog.waitFor();
    await overrideDialog.getByRole('combobox', { name: 'Status' }).selectOption({ label: 'Present' });
    await overrideDialog.getByRole('textbox', { name: 'Reason' }).fill(reason);
    await checkConsoleScreen(page, 'console-override');
    await overrideDialog.getByRole('button', { name: 'Save override', exact: true }).click();
    await overrideDialog.waitFor({ state: 'detached', timeout: SHOWN_WITHIN_MS });
    await page
      .getByRole('row')
      .filter({ hasText: third.email })
      .getByText(`Present: “${reason}”`)
      .waitFor({ timeout: SHOWN_WITHIN_MS });
    // The counts follow the override (pushed, like every other change).
    await expect.poll(() => dashboardCount(page, 'Present'), { timeout: SHOWN_WITHIN_MS }).toBe(5);

    // The end: statuses freeze.
    await page.getByRole('button', { name: 'End the session', exact: true }).click();
    const endDialog = page.getByRole('dialog', { name: 'End the session?' });
    await endDialog.getByRole('button', { name: 'End session', exact: true }).click();
    await endDialog.waitFor({ state: 'detached', timeout: SHOWN_WITHIN_MS });
    await page.getByText(/^Ended at/).waitFor({ timeout: SHOWN_WITHIN_MS });
    const expected: Record<string, string> = {
      [seed.name]: 'Present',
      [first.name]: 'Present',
      [second.name]: 'Present',
      [third.name]: 'Present',
      [fourth.name]: 'Absent',
      [finn.name]: 'Present',
      [gia.name]: 'Late',
      [zoe.name]: 'Absent',
    };
    await expect
      .poll(async () => Object.fromEntries((await readRosterTable(page)).map((line) => [line.name, line.status])), {
        timeout: SHOWN_WITHIN_MS,
      })
      .toEqual(expected);

    // The CSV says what the dashboard says.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV', exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/\.csv$/);
    const records = parse(readFileSync(await download.path(), 'utf8'), {
      columns: true,
      bom: true,
      skip_empty_lines: true,
    }) as Record<string, string>[];
    const dashboard = await readRosterTable(page);
    expect(records.map((record) => record.name).sort()).toEqual(dashboard.map((line) => line.name).sort());
    for (const record of records) {
      const line = dashboard.find((l) => l.name === record.name) ?? fail(`${record.name} is not on the dashboard`);
      expect(STATUS_LABEL[record.final ?? ''], `${record.name}'s final status`).toBe(line.status);
      expect(line.student).toContain(record.email);
    }
    // The counts, frozen at the end, are the CSV's tallies.
    const tally = (final: string) => records.filter((record) => record.final === final).length;
    for (const [final, label] of Object.entries(STATUS_LABEL)) {
      expect(await dashboardCount(page, label), label).toBe(tally(final));
    }
    // Nobody is "waiting" once it has ended; two joined and were never verified (one of them overridden).
    const countsText = (await page.getByRole('region', { name: 'Counts', exact: true }).textContent()) ?? '';
    expect(countsText).not.toMatch(/Waiting/);
    expect(await dashboardCount(page, 'Never verified')).toBe(2);
    await checkConsoleScreen(page, 'console-ended');
    const overridden = records.find((record) => record.name === third.name);
    expect(overridden).toMatchObject({ override: 'present', override_reason: reason });
    expect(records.find((record) => record.name === gia.name)).toMatchObject({
      entry: 'late',
      entry_method: 'projector',
    });

    // All of it live: the dashboard was never reloaded.
    expect(await sameDocument(page)).toBe(true);
    await projector.close();
    await page.close();
  }, 150_000);
});

const FIRST = ['Amara', 'Bao', 'Carmen', 'Dmitri', 'Elif', 'Farah', 'Goran', 'Hana', 'Ines', 'Jonas', 'Kofi', 'Leila'];
const LAST = [
  'Okafor',
  'Nguyen',
  'Ruiz',
  'Petrov',
  'Yilmaz',
  'Haddad',
  'Novak',
  'Sato',
  'Costa',
  'Berg',
  'Mensah',
  'Rahimi',
  'Walsh',
  'Kowalski',
  'Lindqvist',
  'Abara',
  'Moreau',
  'Tanaka',
  'Olsen',
  'Farouk',
  'Silva',
  'Quinn',
  'Dubois',
  'Ivanova',
  'Ortega',
];

/** The `i`-th student of the big class (i < 300): a plausible name and an email made from it, all distinct. */
function bigClassStudent(i: number): { name: string; email: string } {
  const first = FIRST[i % FIRST.length] as string;
  const last = LAST[Math.floor(i / FIRST.length) % LAST.length] as string;
  return { name: `${first} ${last}`, email: `${first}.${last}@students.example.edu`.toLowerCase() };
}

/** Maps `items` through `work`, 20 at a time (the host and the machine stay responsive). */
async function inBatches<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += 20) results.push(...(await Promise.all(items.slice(i, i + 20).map(work))));
  return results;
}
