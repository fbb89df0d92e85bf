// Sign-in, sessions and roles over HTTP on the local host, with the real SQLite store and in-process cache.
import { ErrorBodySchema, SESSION_COOKIE, UserSchema } from '@qrca/contract';
import { SignJWT } from 'jose';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceRepository } from '../repositories/devices.repository';
import { FakeClock } from '../test-support/fake-clock';
import { bearer, latestCode, postJson, signIn } from '../test-support/sign-in';
import { startTestHost, type TestHost } from '../test-support/test-host';

const ROLES = {
  TEACHER_EMAIL_DOMAINS: 'staff.example.edu',
  STUDENT_EMAIL_DOMAINS: 'students.example.edu',
  ADMIN_EMAILS: 'it@staff.example.edu',
};
const STUDENT = 'ada@students.example.edu';
const TEACHER = 'grace@staff.example.edu';

const hosts: TestHost[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const host of hosts.splice(0)) await host.close();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A data directory that outlives one host, for restarts. */
function keptDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'qrca-auth-'));
  dirs.push(dir);
  return dir;
}

/** Closes `host` now (not at the end of the test). */
async function stop(host: TestHost): Promise<void> {
  hosts.splice(hosts.indexOf(host), 1);
  await host.close();
}

async function start(env: NodeJS.ProcessEnv = {}, clock?: FakeClock, dataDir?: string): Promise<TestHost> {
  const host = await startTestHost(
    { ...ROLES, ...env },
    { ...(clock ? { clock } : {}), ...(dataDir ? { dataDir } : {}) },
  );
  hosts.push(host);
  return host;
}

async function errorCode(response: Response): Promise<string> {
  return ErrorBodySchema.parse(await response.json()).error.code;
}

const me = (host: TestHost, headers: Record<string, string>) => host.fetch('/api/auth/me', { headers });

describe('sign-in by email code', () => {
  it('refuses bad input and unknown domains before sending anything', async () => {
    const host = await start();
    const bad = await postJson(host, '/api/auth/code', { email: 'not-an-email' });
    expect(bad.status).toBe(400);
    expect(await errorCode(bad)).toBe('VALIDATION_FAILED');
    const form = await host.fetch('/api/auth/code', { method: 'POST', body: `email=${STUDENT}` });
    expect(form.status).toBe(415);
    const unknown = await postJson(host, '/api/auth/code', { email: 'eve@gmail.com' });
    expect(unknown.status).toBe(403);
    expect(await errorCode(unknown)).toBe('DOMAIN_NOT_ALLOWED');
    const outbox = await (await host.fetch('/api/dev/outbox?to=eve@gmail.com')).json();
    expect(outbox).toEqual({ messages: [] });
  });

  it('shows the dev outbox to this machine only', async () => {
    // Behind a trusted proxy, a phone on the network (192.168.1.20) must not read the codes.
    const host = await start({ TRUSTED_PROXIES: '127.0.0.1,::1' });
    await postJson(host, '/api/auth/code', { email: STUDENT });
    const remote = await host.fetch(`/api/dev/outbox?to=${STUDENT}`, {
      headers: { 'x-forwarded-for': '192.168.1.20' },
    });
    expect(remote.status).toBe(404);
    expect((await host.fetch(`/api/dev/outbox?to=${STUDENT}`)).status).toBe(200);
  });

  it("lists one address at a time: without ?to= the outbox answers 400, never everyone's codes", async () => {
    const host = await start();
    await postJson(host, '/api/auth/code', { email: STUDENT });
    const all = await host.fetch('/api/dev/outbox');
    expect(all.status).toBe(400);
    expect(await errorCode(all)).toBe('VALIDATION_FAILED');
    expect(
      JSON.stringify(await (await host.fetch('/api/dev/outbox?to=other@students.example.edu')).json()),
    ).not.toContain(STUDENT);
  });

  it('signs in through the outbox: token in the body and an HttpOnly SameSite=Lax cookie', async () => {
    const host = await start();
    const sent = await postJson(host, '/api/auth/code', { email: ' Ada@Students.Example.edu ' });
    expect(sent.status).toBe(202);
    expect(await sent.json()).toEqual({ sent: true });
    const code = await latestCode(host, STUDENT);
    expect(code).toMatch(/^\d{6}$/);

    const verified = await postJson(host, '/api/auth/verify', { email: STUDENT, code });
    expect(verified.status).toBe(200);
    const body = (await verified.json()) as { token: string; user: unknown };
    expect(UserSchema.parse(body.user)).toMatchObject({ email: STUDENT, role: 'student' });
    const cookie = verified.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`${SESSION_COOKIE}=${body.token}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).not.toMatch(/Secure/i); // development over http

    const viaBearer = await me(host, bearer(body.token));
    expect(viaBearer.status).toBe(200);
    expect(await viaBearer.json()).toEqual(body.user);
    const viaCookie = await me(host, { cookie: `${SESSION_COOKIE}=${body.token}` });
    expect(await viaCookie.json()).toEqual(body.user);
  });

  it('keeps the same user id across sign-ins and registers a device key', async () => {
    const host = await start();
    const first = await signIn(host, STUDENT);
    await postJson(host, '/api/auth/code', { email: STUDENT });
    const deviceKey = {
      kty: 'EC',
      crv: 'P-256',
      x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
      y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
    };
    const second = await postJson(host, '/api/auth/verify', {
      email: STUDENT,
      code: await latestCode(host, STUDENT),
      deviceKey,
    });
    const user = ((await second.json()) as { user: { id: string } }).user;
    expect(user.id).toBe(first.user.id);
    const devices = await new DeviceRepository(host.services.store, host.services.clock).list(user.id);
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({ jwk: deviceKey });
    const privateKey = await postJson(host, '/api/auth/verify', {
      email: STUDENT,
      code: '000000',
      deviceKey: { ...deviceKey, d: 'secret' },
    });
    expect(privateKey.status).toBe(400);
  });

  it('expires a code after 5 minutes', async () => {
    const clock = new FakeClock();
    const host = await start({}, clock);
    await postJson(host, '/api/auth/code', { email: STUDENT });
    const code = await latestCode(host, STUDENT);
    clock.advance(5 * 60_000);
    const late = await postJson(host, '/api/auth/verify', { email: STUDENT, code });
    expect(late.status).toBe(401);
    expect(await errorCode(late)).toBe('CODE_INVALID');

    await postJson(host, '/api/auth/code', { email: STUDENT });
    clock.advance(5 * 60_000 - 1);
    const justInTime = await postJson(host, '/api/auth/verify', {
      email: STUDENT,
      code: await latestCode(host, STUDENT),
    });
    expect(justInTime.status).toBe(200);
  });

  it('burns the code at the fifth wrong try', async () => {
    const host = await start();
    await postJson(host, '/api/auth/code', { email: STUDENT });
    const code = await latestCode(host, STUDENT);
    const wrong = code === '111111' ? '222222' : '111111';
    for (let i = 1; i <= 4; i++) {
      const response = await postJson(host, '/api/auth/verify', { email: STUDENT, code: wrong });
      expect(response.status, `try ${i}`).toBe(401);
      expect(await errorCode(response)).toBe('CODE_INVALID');
    }
    const fifth = await postJson(host, '/api/auth/verify', { email: STUDENT, code: wrong });
    expect(fifth.status).toBe(429);
    expect(await errorCode(fifth)).toBe('TOO_MANY_ATTEMPTS');
    const right = await postJson(host, '/api/auth/verify', { email: STUDENT, code });
    expect(right.status).toBe(401);
  });

  it('counts parallel guesses too: ten wrong codes at once burn it', async () => {
    const host = await start();
    await postJson(host, '/api/auth/code', { email: STUDENT });
    const code = await latestCode(host, STUDENT);
    const wrong = Array.from({ length: 10 }, (_, i) => String((Number(code) + 1 + i) % 1_000_000).padStart(6, '0'));
    const answers = await Promise.all(
      wrong.map((guess) => postJson(host, '/api/auth/verify', { email: STUDENT, code: guess })),
    );
    const statuses = answers.map((a) => a.status);
    expect(statuses.every((s) => s === 401 || s === 429)).toBe(true);
    expect(statuses).toContain(429);
    expect((await postJson(host, '/api/auth/verify', { email: STUDENT, code })).status).toBe(401);
  });

  it('lets a code be used once, even by two requests at the same moment', async () => {
    const host = await start();
    await postJson(host, '/api/auth/code', { email: STUDENT });
    const code = await latestCode(host, STUDENT);
    const answers = await Promise.all(
      [1, 2, 3].map(() => postJson(host, '/api/auth/verify', { email: STUDENT, code })),
    );
    expect(answers.map((a) => a.status).sort()).toEqual([200, 401, 401]);
    const again = await postJson(host, '/api/auth/verify', { email: STUDENT, code });
    expect(again.status).toBe(401);
  });

  it('sends at most 3 codes per email per 15 minutes, then answers 429 with Retry-After', async () => {
    const clock = new FakeClock();
    const host = await start({}, clock);
    for (let i = 0; i < 3; i++) expect((await postJson(host, '/api/auth/code', { email: STUDENT })).status).toBe(202);
    const limited = await postJson(host, '/api/auth/code', { email: STUDENT });
    expect(limited.status).toBe(429);
    expect(await errorCode(limited)).toBe('RATE_LIMITED');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(15 * 60);
    expect((await postJson(host, '/api/auth/code', { email: TEACHER })).status).toBe(202); // per email
    clock.advance(retryAfter * 1000);
    expect((await postJson(host, '/api/auth/code', { email: STUDENT })).status).toBe(202);
  });

  it('limits code requests per client IP', async () => {
    const host = await start();
    const { limit } = (await import('./auth.service')).CODE_SEND_LIMITS.perIp;
    const emails = Array.from({ length: limit }, (_, i) => `s${i}@students.example.edu`);
    for (let i = 0; i < emails.length; i += 50) {
      const sent = await Promise.all(
        emails.slice(i, i + 50).map((email) => postJson(host, '/api/auth/code', { email })),
      );
      expect(sent.every((r) => r.status === 202)).toBe(true);
    }
    const over = await postJson(host, '/api/auth/code', { email: 'one-more@students.example.edu' });
    expect(over.status).toBe(429);
    // A spoofed X-Forwarded-For from an untrusted peer does not buy a fresh allowance.
    const spoofed = await postJson(
      host,
      '/api/auth/code',
      { email: 'spoof@students.example.edu' },
      { 'x-forwarded-for': '198.51.100.7' },
    );
    expect(spoofed.status).toBe(429);
  });
});

describe('session tokens', () => {
  it('revokes the token at logout, durably across a restart', async () => {
    const dataDir = keptDataDir();
    const first = await start({}, undefined, dataDir);
    const session = await signIn(first, STUDENT);
    const logout = await first.fetch('/api/auth/logout', { method: 'POST', headers: bearer(session.token) });
    expect(logout.status).toBe(204);
    expect(logout.headers.get('set-cookie')).toMatch(new RegExp(`${SESSION_COOKIE}=;.*Max-Age=0`, 'i'));
    const after = await me(first, bearer(session.token));
    expect(after.status).toBe(401);
    expect(await errorCode(after)).toBe('UNAUTHENTICATED');

    // Same data directory (and so the same generated secret), empty in-memory cache: still refused.
    await stop(first);
    const second = await start({}, undefined, dataDir);
    expect((await me(second, bearer(session.token))).status).toBe(401);
  });

  it('refuses tampered, expired and wrongly signed tokens with 401', async () => {
    const clock = new FakeClock();
    const host = await start({}, clock);
    const { token } = await signIn(host, STUDENT);
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()) as Record<string, unknown>;
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'admin', email: 'it@staff.example.edu' })).toString('base64url')}.${signature}`;
    expect((await me(host, bearer(tampered))).status).toBe(401);

    const wrongKey = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .sign(new TextEncoder().encode('another-secret-that-is-long-enough-000'));
    expect((await me(host, bearer(wrongKey))).status).toBe(401);

    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expect((await me(host, bearer(none))).status).toBe(401);
    expect((await me(host, { authorization: 'Basic abc' })).status).toBe(401);
    expect((await me(host, bearer('garbage'))).status).toBe(401);

    expect((await me(host, bearer(token))).status).toBe(200);
    clock.advance(12 * 60 * 60_000);
    const expired = await me(host, bearer(token));
    expect(expired.status).toBe(401);
    expect(await errorCode(expired)).toBe('UNAUTHENTICATED');
  });

  it('refuses cross-site state changes made with the cookie, not with a bearer token', async () => {
    const host = await start();
    const { token } = await signIn(host, STUDENT);
    const cookie = { cookie: `${SESSION_COOKIE}=${token}` };
    const noOrigin = await host.fetch('/api/auth/logout', { method: 'POST', headers: cookie });
    expect(noOrigin.status).toBe(403);
    const evil = await host.fetch('/api/auth/logout', {
      method: 'POST',
      headers: { ...cookie, origin: 'https://evil.example' },
    });
    expect(evil.status).toBe(403);
    const form = await host.fetch('/api/auth/logout', {
      method: 'POST',
      headers: { ...cookie, origin: host.url, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'a=1',
    });
    expect(form.status).toBe(415);
    expect((await me(host, cookie)).status).toBe(200); // none of those signed the user out
    const sameSite = await host.fetch('/api/auth/logout', { method: 'POST', headers: { ...cookie, origin: host.url } });
    expect(sameSite.status).toBe(204);
  });
});

describe('roles', () => {
  it('applies admin > teacher > student, with the allow-list taking effect at once', async () => {
    const host = await start();
    const admin = await signIn(host, 'it@staff.example.edu');
    expect(admin.user.role).toBe('admin');
    expect((await signIn(host, TEACHER)).user.role).toBe('teacher');
    const student = await signIn(host, STUDENT);
    expect(student.user.role).toBe('student');

    const added = await postJson(host, '/api/admin/teachers', { email: STUDENT }, bearer(admin.token));
    expect(added.status).toBe(201);
    expect(await added.json()).toMatchObject({ email: STUDENT, addedBy: 'it@staff.example.edu' });
    expect(await (await me(host, bearer(student.token))).json()).toMatchObject({ role: 'teacher' });
    const list = await host.fetch('/api/admin/teachers', { headers: bearer(admin.token) });
    expect(((await list.json()) as { teachers: { email: string }[] }).teachers.map((t) => t.email)).toEqual([STUDENT]);

    const removed = await host.fetch(`/api/admin/teachers/${encodeURIComponent(STUDENT)}`, {
      method: 'DELETE',
      headers: bearer(admin.token),
    });
    expect(removed.status).toBe(204);
    expect(await (await me(host, bearer(student.token))).json()).toMatchObject({ role: 'student' });
    const again = await host.fetch(`/api/admin/teachers/${encodeURIComponent(STUDENT)}`, {
      method: 'DELETE',
      headers: bearer(admin.token),
    });
    expect(again.status).toBe(404);
  });

  it('refuses a signed-in user whose domain is no longer allowed', async () => {
    const dataDir = keptDataDir();
    const first = await start({}, undefined, dataDir);
    const session = await signIn(first, STUDENT);
    await stop(first);
    const second = await start({ STUDENT_EMAIL_DOMAINS: 'other.example.edu' }, undefined, dataDir);
    const refused = await me(second, bearer(session.token));
    expect(refused.status).toBe(403);
    expect(await errorCode(refused)).toBe('DOMAIN_NOT_ALLOWED');
  });
});

describe('Static Web Apps principal (AUTH_PROVIDER=swa)', () => {
  const principal = (email: string) =>
    Buffer.from(
      JSON.stringify({ identityProvider: 'aad', userId: 'abc', userDetails: email, userRoles: ['authenticated'] }),
    ).toString('base64');

  it('trusts the platform header when on, and turns email sign-in off', async () => {
    const host = await start({ AUTH_PROVIDER: 'swa' });
    const answer = await me(host, { 'x-ms-client-principal': principal('Grace@Staff.Example.edu') });
    expect(answer.status).toBe(200);
    const user = UserSchema.parse(await answer.json());
    expect(user).toMatchObject({ email: TEACHER, role: 'teacher' });
    const again = UserSchema.parse(await (await me(host, { 'x-ms-client-principal': principal(TEACHER) })).json());
    expect(again.id).toBe(user.id);
    expect((await me(host, { 'x-ms-client-principal': principal('eve@gmail.com') })).status).toBe(403);
    expect((await me(host, { 'x-ms-client-principal': 'not base64 json' })).status).toBe(401);
    expect((await me(host, {})).status).toBe(401);
    expect((await postJson(host, '/api/auth/code', { email: STUDENT })).status).toBe(404);
  });

  it('ignores the header when off (the default)', async () => {
    const host = await start();
    expect((await me(host, { 'x-ms-client-principal': principal(TEACHER) })).status).toBe(401);
  });
});

describe('secrets stay secret', () => {
  it('keeps no plaintext code in the stored record', async () => {
    const host = await start();
    await postJson(host, '/api/auth/code', { email: STUDENT });
    const code = await latestCode(host, STUDENT);
    const { cacheKeys } = await import('../utils/cache');
    const { emailKey } = await import('../repositories/keys');
    const stored = await host.services.cacheStore.get(cacheKeys.signInCode(emailKey(STUDENT)));
    expect(stored).toBeDefined();
    expect(stored).not.toContain(code);
    expect(Object.keys(JSON.parse(stored ?? '{}') as object).sort()).toEqual(['expiresAt', 'hash', 'id']);
  });

  it('never writes codes to the logs in production, and the dev outbox is gone there', async () => {
    const { SMTPServer } = await import('smtp-server');
    const received: string[] = [];
    const smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, _session, done) {
        let raw = '';
        stream.on('data', (chunk: Buffer) => (raw += chunk.toString()));
        stream.on('end', () => {
          received.push(raw);
          done();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    const port = (smtp.server.address() as { port: number }).port;
    try {
      const host = await start({
        NODE_ENV: 'production',
        JWT_SECRET: 'p'.repeat(48),
        PUBLIC_URL: 'https://attend.example.edu',
        SMTP_URL: `smtp://127.0.0.1:${port}`,
      });
      expect((await host.fetch(`/api/dev/outbox?to=${STUDENT}`)).status).toBe(404);
      await postJson(host, '/api/auth/code', { email: STUDENT });
      const code = /sign-in code is (\d{6})/.exec(received.join('\n'))?.[1];
      expect(code).toMatch(/^\d{6}$/);
      const verified = await postJson(host, '/api/auth/verify', { email: STUDENT, code });
      expect(verified.status).toBe(200);
      expect(verified.headers.get('set-cookie')).toMatch(/Secure/);
      await postJson(host, '/api/auth/verify', { email: STUDENT, code }); // a failed attempt is logged too
      expect(host.logs()).toContain('"function":"authVerify"');
      expect(host.logs()).not.toContain(code ?? '');
    } finally {
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });
});
