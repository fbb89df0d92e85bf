/**
 * The real local host in-process for e2e (embedded defaults, real time, wall-clock timers) serving the built
 * web app, and signing people in: over HTTP into a browser context (setup), or through the sign-in screen.
 */
import { AuthVerifyResponseSchema } from '@qrca/contract';
import type { BrowserContext, Page } from 'playwright-core';
import { CLASS_ROLES, type Person } from '../../backend/src/test-support/classroom';
import { freePort } from '../../backend/src/test-support/free-port';
import { latestCode } from '../../backend/src/test-support/sign-in';
import { startTestHost, type TestHost } from '../../backend/src/test-support/test-host';
import { ensureWebBuild, webRoot } from './web-build';

/** A free TCP port on 127.0.0.1 (closed again: the host binds it next). */
/**
 * Starts the host as `npm start` runs it, on a free port of 127.0.0.1: SQLite in a temp dir, the in-process
 * cache, the SignalR emulator behind `/client/`, the dev outbox, the built web app, and the timers on their
 * wall-clock schedules (projector codes pushed on rotation, sessions started and ended, stalled chains swept).
 * Teachers are `@staff.example.edu`, students `@students.example.edu` (`CLASS_ROLES`). `PUBLIC_URL` is the
 * host's own URL, so join links open in the browser. `env` adds to or overrides that (e.g.
 * `PROJECTOR_ROTATION_SECONDS`). Close it in `afterAll`.
 * @throws Error when the web build fails or the host cannot start.
 */
export async function startE2eHost(env: NodeJS.ProcessEnv = {}): Promise<TestHost> {
  ensureWebBuild();
  const port = await freePort();
  return startTestHost(
    { ...CLASS_ROLES, PUBLIC_URL: `http://127.0.0.1:${port}`, ...env },
    { webRoot, realtime: true, timers: true, logLevel: 'warn', port },
  );
}

/** POSTs JSON from the browser context (its cookie jar receives any cookie the answer sets). */
async function postFromContext(context: BrowserContext, host: TestHost, path: string, body: unknown) {
  const answer = await context.request.post(`${host.url}${path}`, { data: body, failOnStatusCode: false });
  if (!answer.ok()) throw new Error(`POST ${path}: ${answer.status()} ${await answer.text()}`);
  return answer;
}

/**
 * Signs `email` in for every page of `context` without the UI (code from the dev outbox, session cookie into
 * the context): fast setup for flows that are not about signing in. Resolves with the person (id and bearer
 * token, for `api(...)` calls as them).
 * @throws Error when a step is refused (e.g. an email outside the class domains).
 */
export async function signInContext(context: BrowserContext, host: TestHost, email: string): Promise<Person> {
  await postFromContext(context, host, '/api/auth/code', { email });
  const verified = await postFromContext(context, host, '/api/auth/verify', {
    email,
    code: await latestCode(host, email),
  });
  const { token, user } = AuthVerifyResponseSchema.parse(await verified.json());
  return { id: user.id, email, token };
}

/**
 * Signs in through the sign-in screen the page shows now: the `Email` textbox, `Send code`, the code read from
 * the dev outbox into the `Code` textbox, `Sign in`. Resolves once the page has left `/sign-in` (where it goes
 * is the app's to decide: the caller asserts it).
 * @throws Error (a locator timeout) when the screen does not offer those controls.
 */
export async function signInThroughUi(page: Page, host: TestHost, email: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(email);
  await page.getByRole('button', { name: 'Send code', exact: true }).click();
  const codeBox = page.getByRole('textbox', { name: 'Code', exact: true });
  await codeBox.waitFor();
  await codeBox.fill(await latestCode(host, email));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((url) => url.pathname !== '/sign-in');
}
