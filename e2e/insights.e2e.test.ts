// The Insights panel in real Chromium: a class of six checks in over the API — five pass an entry chain (its last
// holder checked in when the teacher closes it), one outsider (flagged) types the projector's code — and two are
// spot-checked. The teacher opens the dashboard: every tile says what `GET …/insights` says, the check-in curve is
// drawn on a canvas named by its sentence, its table opens, the AI summary is off (no Azure OpenAI here). The
// session ends; after Refresh the panel says its figures are final. Then, on a host whose Azure OpenAI is a local
// chat-completions server: the figures come at once and the summary follows in a request of its own.
import {
  ChainListResponseSchema,
  InsightsResponseSchema,
  ProjectorCodeSchema,
  SpotCheckResponseSchema,
  type InsightsResponse,
  type Session,
} from '@qrca/contract';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  api,
  buildSession,
  createSession,
  holderQr,
  me,
  scan,
  signInPerson,
  type Person,
} from '../backend/src/test-support/classroom';
import { startChatServer, type ChatServer } from '../backend/src/test-support/chat-completions-server';
import type { TestHost } from '../backend/src/test-support/test-host';
import {
  curveSentence,
  FINAL_NOTE,
  flagRows,
  formatDuration,
  methodRows,
  MAX_CURVE_ROWS,
  stallTotal,
  SUMMARY_OFF,
  SUMMARY_TITLE,
} from '../web/src/features/dashboard/lib/insights-view';
import { heading, SHOWN_WITHIN_MS } from './support/app';
import { launchBrowser, newPerson } from './support/browser';
import { signInContext, startE2eHost } from './support/host';
import { checkConsoleScreen, horizontalOverflow } from './support/screens';
import { snap } from './support/screenshots';

const TEACHER = 'ada@staff.example.edu';
const ON_ROSTER = [
  { name: 'Ana Alvarez', email: 'ana.alvarez@students.example.edu' },
  { name: 'Ben Brooks', email: 'ben.brooks@students.example.edu' },
  { name: 'Cleo Chen', email: 'cleo.chen@students.example.edu' },
  { name: 'Dev Desai', email: 'dev.desai@students.example.edu' },
  { name: 'Eve Evans', email: 'eve.evans@students.example.edu' },
];
/** Not on the roster: let in, flagged; checks in with the projector's code. */
const OUTSIDER = 'finn.outsider@students.example.edu';

/** @throws Error with `message`. */
const fail = (message: string): never => {
  throw new Error(message);
};

/**
 * Every tile of `panel` as it reads: its term, then the text of each of its values (a value that is a list: its
 * items joined with "; ").
 */
function readTiles(panel: Locator): Promise<Record<string, string[]>> {
  return panel.evaluate((section) => {
    const text = (node: Element) => node.textContent?.replace(/\s+/g, ' ').trim() ?? '';
    return Object.fromEntries(
      [...section.querySelectorAll('.dash-tile')].map((tile) => [
        text(tile.querySelector('dt') ?? tile),
        [...tile.querySelectorAll('dd')].map((dd) => {
          const items = [...dd.querySelectorAll('li')];
          return items.length > 0 ? items.map(text).join('; ') : text(dd);
        }),
      ]),
    );
  });
}

describe('the insights panel', () => {
  let host: TestHost;
  let browser: Browser;
  let laptop: BrowserContext;
  let teacher: Person;
  let session: Session;

  const insights = async (): Promise<InsightsResponse> => {
    const answer = await api(host, teacher, 'GET', `sessions/${session.id}/insights`);
    expect(answer.status, JSON.stringify(answer.json)).toBe(200);
    return InsightsResponseSchema.parse(answer.json);
  };

  beforeAll(async () => {
    host = await startE2eHost();
    browser = await launchBrowser();
    laptop = await newPerson(browser, host.url, 'laptop');
    teacher = await signInContext(laptop, host, TEACHER);
    session = await createSession(
      host,
      teacher,
      buildSession(Date.now() - 60_000, {
        title: 'Geography 7C — insights',
        entryMethod: 'both',
        devicePolicy: 'off',
        rosterMode: 'flag',
        roster: ON_ROSTER,
      }),
    );
    const join = async (email: string): Promise<Person> => {
      const student = await signInPerson(host, email);
      const joined = await api(host, student, 'POST', `sessions/${session.id}/join`, { joinCode: session.joinCode });
      expect(joined.status, email).toBe(200);
      return student;
    };
    const classmates: Person[] = [];
    for (const { email } of ON_ROSTER) classmates.push(await join(email));

    // One entry chain through the five on the roster: each scans the holder's baton (checking the holder in). The
    // outsider joins after it started, so the chain cannot be seeded with them.
    const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
    expect(started.status, JSON.stringify(started.json)).toBe(201);
    const [chain] = ChainListResponseSchema.parse(started.json).chains;
    const outsider = await join(OUTSIDER);
    let holder = classmates.find((s) => s.id === chain?.holderId) ?? fail('the seed is none of the class');
    for (const scanner of classmates.filter((s) => s !== holder)) {
      const { hold } = await me(host, session, holder);
      const payload = await holderQr(session, hold ?? fail(`${holder.email} holds nothing`), Date.now());
      const answer = await scan(host, session, scanner, payload);
      expect(answer.status, `${scanner.email}: ${JSON.stringify(answer.json)}`).toBe(200);
      holder = scanner;
    }
    // The last holder is checked in when the teacher closes the chain (unless the chain ended on its own).
    const listed = ChainListResponseSchema.parse(
      (await api(host, teacher, 'GET', `sessions/${session.id}/chains`)).json,
    ).chains;
    for (const open of listed.filter((c) => c.state !== 'closed')) {
      const closed = await api(host, teacher, 'POST', `sessions/${session.id}/chains/${open.chainId}/close`);
      expect(closed.status, JSON.stringify(closed.json)).toBe(200);
    }
    // The outsider types the projector's code.
    const code = ProjectorCodeSchema.parse(
      (await api(host, teacher, 'GET', `sessions/${session.id}/codes/entry`)).json,
    );
    const typed = await scan(host, session, outsider, code.payload);
    expect(typed.status, JSON.stringify(typed.json)).toBe(200);

    // A spot check of two: one answered "here", one left unanswered.
    const picked = await api(host, teacher, 'POST', `sessions/${session.id}/spot-checks`, { count: 2 });
    expect(picked.status, JSON.stringify(picked.json)).toBe(201);
    const spot = SpotCheckResponseSchema.parse(picked.json);
    const first = spot.students[0] ?? fail('nobody picked');
    const answered = await api(
      host,
      teacher,
      'POST',
      `sessions/${session.id}/spot-checks/${spot.spotCheckId}/answers`,
      { studentId: first.studentId, answer: 'here' },
    );
    expect(answered.status, JSON.stringify(answered.json)).toBe(200);
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
  });

  it('shows the figures of GET …/insights, the curve as a chart and a table, and the final figures after the end', async () => {
    const page: Page = await laptop.newPage();
    await page.goto(`/sessions/${session.id}`);
    await heading(page, session.title).waitFor({ timeout: SHOWN_WITHIN_MS });
    const panel = page.getByRole('region', { name: 'Insights', exact: true });
    await panel.getByText(/^Computed at /).waitFor({ timeout: SHOWN_WITHIN_MS });
    const json = await insights();
    const { figures } = json;
    expect(json.frozen).toBe(false);
    expect(figures.students).toMatchObject({ joined: 6, verified: 6 });
    expect(figures.entry.byMethod.projector).toBe(1);
    expect(figures.entry.byMethod.chain + figures.entry.byMethod.teacherClose).toBe(5);
    expect(figures.spotChecks).toMatchObject({ picked: 2, here: 1, unanswered: 1 });
    expect(figures.flags.flaggedStudents).toBeGreaterThanOrEqual(1);

    // The tiles say what the JSON says, in words.
    const tiles = await readTiles(panel);
    const { entry, students, handOffs, chains, spotChecks } = figures;
    expect(tiles['50 % checked in']).toEqual([formatDuration(entry.timeTo50Ms)]);
    expect(tiles['90 % checked in']).toEqual([formatDuration(entry.timeTo90Ms)]);
    expect(tiles['100 % checked in']).toEqual([formatDuration(entry.timeTo100Ms)]);
    expect(tiles['Checked in']).toEqual([
      `${students.verified} of ${students.joined}`,
      `${students.onTime} on time, ${students.late} late`,
    ]);
    expect(tiles['Median hand-off']).toEqual([
      formatDuration(handOffs.medianMs),
      `${handOffs.count} ${handOffs.count === 1 ? 'hand-off' : 'hand-offs'}`,
    ]);
    expect(tiles['Chains started']).toEqual([String(chains.started), `${chains.entry} entry, ${chains.exit} exit`]);
    expect(tiles['Stalls']?.[0]).toBe(String(stallTotal(chains.stalls)));
    expect(tiles['Reseeds']?.[0]).toBe(String(chains.reseeds));
    expect(tiles['Chains ended']).toEqual([
      String(chains.endedByClassmate + chains.closedByTeacher),
      `${chains.endedByClassmate} by a classmate, ${chains.closedByTeacher} closed by a teacher`,
    ]);
    const methods = methodRows(entry.byMethod);
    expect(tiles['Check-ins by method']).toEqual([
      String(methods.reduce((sum, row) => sum + row.count, 0)),
      methods.map((row) => `${row.count} ${row.label}`).join('; '),
    ]);
    expect(tiles['Picked']).toEqual([String(spotChecks.picked)]);
    expect(tiles['Here']).toEqual([String(spotChecks.here)]);
    expect(tiles['Not here']).toEqual([String(spotChecks.notHere)]);
    expect(tiles['Unanswered']).toEqual([String(spotChecks.unanswered)]);

    // Flags: how many students, then each kind by its badge label.
    const flagged = figures.flags.flaggedStudents;
    await panel.getByText(`${flagged} ${flagged === 1 ? 'student' : 'students'} flagged`, { exact: true }).waitFor();
    const flagRowsShown = await panel
      .getByRole('heading', { name: 'Flags', exact: true })
      .locator('xpath=..')
      .getByRole('listitem')
      .allTextContents();
    expect(flagRowsShown).toEqual(
      flagRows(figures.flags.byKind).map(
        (row) => `${row.label}: ${row.count} ${row.count === 1 ? 'student' : 'students'}`,
      ),
    );
    expect(flagRowsShown).toContain('Not on the roster: 1 student');

    // The chart: a canvas named by the curve's sentence, drawn at a real size, with something on it.
    const chart = panel.getByRole('img', { name: curveSentence(figures), exact: true });
    await chart.waitFor();
    expect(curveSentence(figures)).toMatch(/^Check-ins over time: 50 % after .+, all \d+ .*after .+\.$/);
    const box = (await chart.boundingBox()) ?? fail('the chart has no box');
    expect(box.width).toBeGreaterThan(200);
    expect(box.height).toBeGreaterThan(100);
    const inked = await chart.evaluate((canvas) => {
      const element = canvas as HTMLCanvasElement;
      const pixels = element.getContext('2d')?.getImageData(0, 0, element.width, element.height).data ?? [];
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) painted++;
      return { width: element.width, height: element.height, painted };
    });
    expect(inked.width).toBeGreaterThan(0);
    expect(inked.height).toBeGreaterThan(0);
    expect(inked.painted).toBeGreaterThan(500);

    // Its numbers as a table, behind a disclosure: the first and last points, at most 20 rows.
    const table = panel.getByRole('table');
    expect(await table.isVisible()).toBe(false);
    await panel.getByText('The chart as a table', { exact: true }).click();
    await table.waitFor();
    const rows = await table
      .locator('tbody tr')
      .evaluateAll((trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent?.trim() ?? '')));
    const curve = entry.curve;
    expect(rows.length).toBe(Math.min(MAX_CURVE_ROWS, curve.length));
    expect(rows[0]).toEqual([formatDuration(curve[0]?.atMs ?? null), String(curve[0]?.verified)]);
    expect(rows.at(-1)).toEqual([formatDuration(curve.at(-1)?.atMs ?? null), String(curve.at(-1)?.verified)]);

    // No Azure OpenAI on this host: the summary says it is off.
    expect(json.summary.state).toBe('off');
    await panel.getByText(SUMMARY_OFF, { exact: true }).waitFor();
    await checkConsoleScreen(page, 'insights');

    // On a 320 px phone the chart follows its box and nothing scrolls sideways.
    const original = page.viewportSize();
    await page.setViewportSize({ width: 320, height: 640 });
    await expect.poll(async () => ((await chart.boundingBox())?.width ?? 0) <= 320 - 16).toBe(true);
    expect(await horizontalOverflow(page)).toBe(0);
    await panel.scrollIntoViewIfNeeded();
    await snap(page, 'insights-phone');
    if (original) await page.setViewportSize(original);

    // The session ends; Refresh (when the panel has not fetched the final figures by itself) says they are final.
    expect((await api(host, teacher, 'POST', `sessions/${session.id}/end`)).status).toBe(200);
    const final = panel.getByText(FINAL_NOTE, { exact: true });
    const refresh = panel.getByRole('button', { name: 'Refresh', exact: true });
    await expect
      .poll(
        async () => {
          if (await final.isVisible()) return true;
          await refresh.click({ timeout: 1_000 }).catch(() => undefined);
          return final.isVisible();
        },
        { timeout: SHOWN_WITHIN_MS },
      )
      .toBe(true);
    expect(await refresh.count()).toBe(0);
    const frozen = await insights();
    expect(frozen.frozen).toBe(true);
    expect(frozen.figures.students).toEqual(figures.students);
    await checkConsoleScreen(page, 'insights-final');
    await page.close();
  }, 120_000);
});

describe('the insights panel with Azure OpenAI', () => {
  let host: TestHost;
  let browser: Browser;
  let chat: ChatServer;
  const SUMMARY = 'Three students checked in within seconds; nothing needs a look.';

  beforeAll(async () => {
    chat = await startChatServer({ fallback: { content: SUMMARY }, apiKey: 'e2e-key' });
    host = await startE2eHost({
      AZURE_OPENAI_ENDPOINT: chat.endpoint,
      AZURE_OPENAI_API_KEY: 'e2e-key',
      AZURE_OPENAI_DEPLOYMENT: 'summaries',
    });
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await chat?.close();
  });

  it('shows the figures at once, then the summary written from them', async () => {
    const laptop = await newPerson(browser, host.url, 'laptop');
    const teacher = await signInContext(laptop, host, TEACHER);
    const session = await createSession(
      host,
      teacher,
      buildSession(Date.now() - 60_000, { title: 'Geography 7D — summary', devicePolicy: 'off' }),
    );
    const students = await Promise.all(ON_ROSTER.slice(0, 3).map((s) => signInPerson(host, s.email)));
    for (const student of students) {
      const joined = await api(host, student, 'POST', `sessions/${session.id}/join`, { joinCode: session.joinCode });
      expect(joined.status).toBe(200);
    }
    const started = await api(host, teacher, 'POST', `sessions/${session.id}/chains`, { phase: 'entry', count: 1 });
    const [chain] = ChainListResponseSchema.parse(started.json).chains;
    const seed = students.find((s) => s.id === chain?.holderId) ?? fail('the seed is none of the class');
    const { hold } = await me(host, session, seed);
    const scanner = students.find((s) => s !== seed) ?? fail('nobody to scan');
    const payload = await holderQr(session, hold ?? fail('no hold'), Date.now());
    expect((await scan(host, session, scanner, payload)).status).toBe(200);

    const page = await laptop.newPage();
    const asked: string[] = [];
    page.on('request', (request) => {
      const url = new URL(request.url());
      if (url.pathname.endsWith('/insights')) asked.push(url.search);
    });
    await page.goto(`/sessions/${session.id}`);
    const panel = page.getByRole('region', { name: 'Insights', exact: true });
    await panel.getByRole('heading', { name: SUMMARY_TITLE }).waitFor({
      timeout: SHOWN_WITHIN_MS,
    });
    await panel.getByText(SUMMARY, { exact: true }).waitFor();
    // The figures first, without waiting for the model; then the summary in a request of its own (the dashboard
    // may take its lists afresh once real time connects: the same pair again, and the model is not asked twice).
    expect(asked[0]).toBe('?summary=skip');
    expect(asked.filter((search, i) => search === '' && asked[i - 1] !== '?summary=skip')).toEqual([]);
    expect(asked.filter((search) => search === '').length).toBeGreaterThanOrEqual(1);
    expect(chat.requests).toHaveLength(1);
    expect(JSON.stringify(chat.requests[0]?.body)).not.toContain(session.title);
    await checkConsoleScreen(page, 'insights-summary');
    await page.close();
    await laptop.close();
  }, 60_000);
});
