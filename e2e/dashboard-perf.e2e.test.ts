/// <reference lib="dom" />
// A measurement, not a timed test: the teacher's dashboard with 1,000 students while real time delivers 50
// attendance deltas a second (and counts about four times a second), sent through the SignalR emulator to the
// page like the publish step's deltas. In the page: long tasks (PerformanceObserver 'longtask', > 50 ms), long
// animation frames, the time between animation frames, and the main thread's busy time (DevTools metrics); the
// sender reports the rate it kept. Figures print and go to e2e/artifacts/dashboard-perf.json; BENCHMARKS.md
// records them (`npm run bench:dashboard`). Only correctness fails the test, never timing: every delta reaches
// the page and the roster shows the last state each row was sent.
import { realtimeGroups, type AttendanceCounts, type AttendanceRow, type Session } from '@qrca/contract';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, buildSession, createSession, signInPerson } from '../backend/src/test-support/classroom';
import type { TestHost } from '../backend/src/test-support/test-host';
import { heading, SHOWN_WITHIN_MS } from './support/app';
import { launchBrowser, newPerson } from './support/browser';
import { signInContext, startE2eHost } from './support/host';
import { percentile } from './support/screens';
import { artifactsDir } from './support/screenshots';

const STUDENTS = Number(process.env.E2E_DASHBOARD_STUDENTS ?? 1_000);
const DELTAS_PER_SECOND = Number(process.env.E2E_DASHBOARD_RATE ?? 50);
const SECONDS = Number(process.env.E2E_DASHBOARD_SECONDS ?? 20);
/** Counts go with every 12th delta: about four a second at 50 deltas/s, as the publish step sends them. */
const COUNTS_EVERY = 12;
/** Chromium's CPU throttling (1 = none; 4 = a laptop about four times slower than this machine). */
const CPU_SLOWDOWN = Number(process.env.E2E_DASHBOARD_CPU_SLOWDOWN ?? 1);
/** The roster's sort during the run: a column header ("Student", "Status", "Entry", "Minutes late"); pressed once. */
const SORT = process.env.E2E_DASHBOARD_SORT ?? 'Student';
/** With E2E_DASHBOARD_PROFILE=1, the page's CPU profile of the run goes to e2e/artifacts/dashboard-perf.cpuprofile. */
const PROFILE = process.env.E2E_DASHBOARD_PROFILE === '1';

interface PageFigures {
  /** Durations of long tasks (> 50 ms), ms. */
  longTasks: number[];
  /** Durations of long animation frames (> 50 ms from the first task to the frame painted), ms. */
  longFrames: number[];
  /** Time between consecutive animation frames, ms. */
  frameGaps: number[];
}

/**
 * Starts recording long tasks, long animation frames and the gaps between frames in the page (until
 * `stopRecording`). Runs in the page. Only the page's own tasks count: code the test evaluates in the page
 * through DevTools is not a task the 'longtask' observer sees.
 */
function startRecording(): void {
  const figures: PageFigures = { longTasks: [], longFrames: [], frameGaps: [] };
  const record = (into: number[]) => (list: PerformanceObserverEntryList) => {
    for (const entry of list.getEntries()) into.push(Math.round(entry.duration));
  };
  const longTasks = new PerformanceObserver(record(figures.longTasks));
  longTasks.observe({ type: 'longtask', buffered: false });
  const longFrames = new PerformanceObserver(record(figures.longFrames));
  longFrames.observe({ type: 'long-animation-frame', buffered: false });
  Object.assign(window, { __perf: { figures, observers: [longTasks, longFrames] }, __recording: true });
  let last = performance.now();
  const frame = (now: number) => {
    figures.frameGaps.push(now - last);
    last = now;
    if ((window as { __recording?: boolean }).__recording) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/** Stops recording; answers what was recorded (entries still queued in the observers included). */
function stopRecording(): PageFigures {
  const { figures, observers } = (
    window as unknown as { __perf: { figures: PageFigures; observers: [PerformanceObserver, PerformanceObserver] } }
  ).__perf;
  const [longTasks, longFrames] = observers;
  for (const entry of longTasks.takeRecords()) figures.longTasks.push(Math.round(entry.duration));
  for (const entry of longFrames.takeRecords()) figures.longFrames.push(Math.round(entry.duration));
  for (const observer of observers) observer.disconnect();
  Object.assign(window, { __recording: false });
  return figures;
}

/** The renderer main thread's busy time so far, in ms, by kind (Chromium's `Performance.getMetrics`). */
async function mainThreadTime(
  cdp: CDPSession,
): Promise<{ task: number; script: number; layout: number; style: number }> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: { name: string; value: number }[] };
  const ms = (name: string) => (metrics.find((metric) => metric.name === name)?.value ?? 0) * 1000;
  return {
    task: ms('TaskDuration'),
    script: ms('ScriptDuration'),
    layout: ms('LayoutDuration'),
    style: ms('RecalcStyleDuration'),
  };
}

/**
 * Resolves once the page's real time is connected and the snapshot it fetches right after connecting has come
 * back: deltas sent from then on are neither lost (no connection yet) nor overwritten (by that snapshot). Call
 * before the page loads; rejects after `timeout` ms.
 */
async function realtimeReady(page: Page, sessionId: string, timeout: number): Promise<void> {
  let connected = false;
  page.on('websocket', (socket) =>
    socket.once('framereceived', () => {
      connected = true; // the hub's handshake answer
    }),
  );
  const snapshot = await page.waitForEvent('request', {
    predicate: (request) => connected && new URL(request.url()).pathname === `/api/sessions/${sessionId}/attendance`,
    timeout,
  });
  await snapshot.response();
}

/** Attendance deltas in the WebSocket frames the page received (the hub may put several in one frame). */
function countDeltasReceived(page: Page): { received: number } {
  const counter = { received: 0 };
  page.on('websocket', (socket) =>
    socket.on('framereceived', ({ payload }) => {
      if (typeof payload === 'string') counter.received += payload.split('"target":"attendanceChanged"').length - 1;
    }),
  );
  return counter;
}

/** The text that describes the roster table now ("1000 students", "334 of 1000 students"). */
async function rosterCountText(page: Page): Promise<string> {
  const described = await page.getByRole('table', { name: 'Roster' }).getAttribute('aria-describedby');
  return (await page.locator(`[id="${described}"]`).textContent()) ?? '';
}

const round1 = (value: number) => Math.round(value * 10) / 10;

describe('the dashboard under load, measured', () => {
  let host: TestHost;
  let browser: Browser;

  beforeAll(async () => {
    host = await startE2eHost();
    browser = await launchBrowser();
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
  });

  it(`${STUDENTS} students, ${DELTAS_PER_SECOND} deltas/s for ${SECONDS} s`, async () => {
    const teacher = await signInPerson(host, 'ada@staff.example.edu');
    const roster = Array.from({ length: STUDENTS }, (_, i) => ({
      email: `s${String(i).padStart(4, '0')}@students.example.edu`,
      name: `Student ${String(i).padStart(4, '0')}`,
    }));
    // Started (createSession starts it), so nothing about the session itself changes during the run.
    const session: Session = await createSession(
      host,
      teacher,
      buildSession(Date.now() - 60_000, { title: 'Lecture hall', roster, rosterMode: 'flag' }),
    );
    expect(session.status).toBe('active');
    const listed = await api(host, teacher, 'GET', `sessions/${session.id}/attendance`);
    const rows = (listed.json as { rows: AttendanceRow[] }).rows;
    expect(rows).toHaveLength(STUDENTS);

    const context = await newPerson(browser, host.url, 'laptop');
    await signInContext(context, host, teacher.email);
    const page: Page = await context.newPage();
    const ready = realtimeReady(page, session.id, 3 * SHOWN_WITHIN_MS);
    ready.catch(() => undefined); // awaited below, after the page shows
    const frames = countDeltasReceived(page);
    await page.goto(`/sessions/${session.id}`);
    await heading(page, session.title).waitFor({ timeout: SHOWN_WITHIN_MS });
    const table = page.getByRole('table', { name: 'Roster' });
    await table.waitFor({ timeout: SHOWN_WITHIN_MS });
    await ready;
    expect(await rosterCountText(page)).toBe(`${STUDENTS} students`);
    if (SORT !== 'Student') {
      await table.getByRole('button', { name: SORT, exact: true }).click();
      const header = table.getByRole('columnheader', { name: SORT, exact: true });
      await expect.poll(() => header.getAttribute('aria-sort'), { timeout: SHOWN_WITHIN_MS }).toBe('ascending');
    }

    // Deltas as the publish step sends them: one row each, to the session's teachers group, one at a time (its
    // delivery queue keeps one audience's messages in order). Every 7th row of the list in turn, so each student
    // changes once in 20 s at 50/s, all over the sorted table, the rows in view included.
    const group = { group: realtimeGroups.teachers(session.id) };
    const last = new Map<string, AttendanceRow>();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    if (CPU_SLOWDOWN !== 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
    if (PROFILE) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.start');
    }
    const busyBefore = await mainThreadTime(cdp);
    await page.evaluate(startRecording);
    const started = performance.now();
    let sent = 0;
    let maxLagMs = 0;
    const total = DELTAS_PER_SECOND * SECONDS;
    const entryAt = new Date().toISOString();
    let counts: AttendanceCounts = {
      present: 0,
      late: 0,
      early_leave: 0,
      left_early: 0,
      absent: STUDENTS,
      unverified: 0,
    };
    while (sent < total) {
      const due = started + (sent * 1000) / DELTAS_PER_SECOND;
      const wait = due - performance.now();
      // Pacing the sender, not waiting for the page.
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      maxLagMs = Math.max(maxLagMs, performance.now() - due);
      const base = rows[(sent * 7) % rows.length] as AttendanceRow;
      const late = sent % 3 === 0;
      const row: AttendanceRow = {
        ...base,
        joined: true,
        entry: late ? 'late' : 'on_time',
        entryAt,
        entryMethod: late ? 'projector' : 'chain',
        final: late ? 'late' : 'present',
        flags: sent % 10 === 0 ? ['off_network'] : [],
      };
      const before = last.get(row.studentId)?.final ?? 'absent';
      counts = { ...counts, [before]: counts[before] - 1, [row.final]: counts[row.final] + 1 };
      last.set(row.studentId, row);
      await host.services.realtime.send(group, 'attendanceChanged', { sessionId: session.id, row });
      if (sent % COUNTS_EVERY === 0 || sent === total - 1) {
        await host.services.realtime.send(group, 'countsChanged', { sessionId: session.id, counts });
      }
      sent++;
    }
    const elapsedS = (performance.now() - started) / 1000;
    const figures = await page.evaluate(stopRecording);
    const busyAfter = await mainThreadTime(cdp);
    mkdirSync(artifactsDir, { recursive: true });
    if (PROFILE) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(join(artifactsDir, 'dashboard-perf.cpuprofile'), JSON.stringify(profile));
    }
    if (CPU_SLOWDOWN !== 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
    const busyPerSecond = (kind: keyof typeof busyAfter) => Math.round((busyAfter[kind] - busyBefore[kind]) / elapsedS);

    // Correctness: the page got every delta, and the roster shows the last state each row was sent (whole-list
    // counts through the "Show" filter, one row found through the search box), the counts the last counts.
    await expect.poll(() => frames.received, { timeout: SHOWN_WITHIN_MS }).toBe(total);
    const expected = { late: 0, present: 0, flagged: 0 };
    for (const row of last.values()) {
      if (row.final === 'late') expected.late++;
      if (row.final === 'present') expected.present++;
      if (row.flags.length > 0) expected.flagged++;
    }
    const show = page.getByRole('combobox', { name: 'Show', exact: true });
    for (const [option, count] of [
      ['Late', expected.late],
      ['Present', expected.present],
      ['Flagged', expected.flagged],
    ] as const) {
      await show.selectOption({ label: option });
      await expect
        .poll(() => rosterCountText(page), { timeout: SHOWN_WITHIN_MS })
        .toBe(`${count} of ${STUDENTS} students`);
    }
    await show.selectOption({ label: 'All' });
    const probe = [...last.values()].at(-1) as AttendanceRow;
    await page.getByRole('searchbox', { name: 'Search by name or email' }).fill(probe.email);
    await expect.poll(() => rosterCountText(page), { timeout: SHOWN_WITHIN_MS }).toBe(`1 of ${STUDENTS} students`);
    const probeRow = table.getByRole('row').filter({ hasText: probe.email });
    await expect
      .poll(async () => ((await probeRow.getByRole('cell').nth(1).textContent()) ?? '').trim(), {
        timeout: SHOWN_WITHIN_MS,
      })
      .toBe(probe.final === 'late' ? 'Late' : 'Present');
    const countsShown = page.getByRole('region', { name: 'Counts' }).getByRole('listitem');
    await expect
      .poll(async () => (await countsShown.allTextContents()).join(' '), { timeout: SHOWN_WITHIN_MS })
      .toContain(`${counts.present}Present ${counts.late}Late`);

    const gaps = figures.frameGaps.slice(1);
    const result = {
      students: STUDENTS,
      cpuSlowdown: CPU_SLOWDOWN,
      sort: SORT,
      seconds: round1(elapsedS),
      deltasSent: total,
      deltasPerSecond: round1(total / elapsedS),
      senderMaxLagMs: Math.round(maxLagMs),
      deltasReceived: frames.received,
      longTasksOver50ms: figures.longTasks.length,
      longestTaskMs: Math.max(0, ...figures.longTasks),
      longTasks: figures.longTasks,
      longAnimationFrames: figures.longFrames.length,
      longestAnimationFrameMs: Math.max(0, ...figures.longFrames),
      mainThreadBusyMsPerS: busyPerSecond('task'),
      scriptMsPerS: busyPerSecond('script'),
      styleAndLayoutMsPerS: busyPerSecond('style') + busyPerSecond('layout'),
      frames: gaps.length,
      frameGapP50Ms: round1(percentile(gaps, 50)),
      frameGapP95Ms: round1(percentile(gaps, 95)),
      frameGapP99Ms: round1(percentile(gaps, 99)),
      frameGapMaxMs: round1(Math.max(...gaps)),
    };
    writeFileSync(join(artifactsDir, 'dashboard-perf.json'), `${JSON.stringify(result, null, 2)}\n`);
    console.log(`[e2e] dashboard under load: ${JSON.stringify(result)}`);
    await context.close();
  }, 180_000);
});
