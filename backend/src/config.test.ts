import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from './config';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'qrca-config-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const SECRET = 'x'.repeat(40);
const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET: SECRET,
  PUBLIC_URL: 'https://attend.example.edu/',
  SMTP_URL: 'smtps://mailer:pw@smtp.example.edu',
  TEACHER_EMAIL_DOMAINS: 'example.edu',
};

function issuesOf(env: NodeJS.ProcessEnv): { key: string; message: string }[] {
  try {
    loadConfig(env, tempDir());
  } catch (error) {
    if (error instanceof ConfigError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('lists every bad key at once', () => {
    const issues = issuesOf({
      PORT: 'eighty',
      REDIS_URL: 'http://not-redis',
      PUBLIC_URL: 'not a url',
      LOG_LEVEL: 'chatty',
      AzureWebJobsStorage: 'nonsense',
      SignalRConnectionString: 'Endpoint=;AccessKey=',
      JWT_SECRET: 'short',
    });
    expect(issues.map((i) => i.key).sort()).toEqual(
      [
        'AzureWebJobsStorage',
        'JWT_SECRET',
        'LOG_LEVEL',
        'PORT',
        'PUBLIC_URL',
        'REDIS_URL',
        'SignalRConnectionString',
      ].sort(),
    );
  });

  it('refuses production without real secrets, naming each missing key', () => {
    const issues = issuesOf({ NODE_ENV: 'production', AzureWebJobsStorage: 'UseDevelopmentStorage=true' });
    expect(issues.map((i) => i.key).sort()).toEqual([
      'ADMIN_EMAILS',
      'AzureWebJobsStorage',
      'JWT_SECRET',
      'PUBLIC_URL',
      'REDIS_URL',
      'SMTP_URL',
    ]);
    expect(issuesOf({ ...PRODUCTION, PUBLIC_URL: 'http://plain.example' })).toEqual([
      { key: 'PUBLIC_URL', message: 'must be https in production' },
    ]);
    // With platform sign-in no codes are mailed, so SMTP is not needed.
    expect(loadConfig({ ...PRODUCTION, SMTP_URL: '', AUTH_PROVIDER: 'swa' }, tempDir()).mail).toEqual({
      kind: 'outbox',
    });
  });

  it('accepts a complete production configuration and never generates a secret there', () => {
    const dir = tempDir();
    const config = loadConfig({ ...PRODUCTION, DATA_DIR: dir }, dir);
    expect(config.jwtSecret).toBe(SECRET);
    expect(config.jwtSecretSource).toBe('env');
    expect(config.publicUrl).toBe('https://attend.example.edu');
    expect(() => readFileSync(join(dir, 'jwt-secret'))).toThrow();
  });

  it('uses embedded defaults when nothing is set', () => {
    const cwd = tempDir();
    const config = loadConfig({}, cwd);
    expect(config).toMatchObject({
      env: 'development',
      port: 7071,
      host: '127.0.0.1',
      dataDir: join(cwd, '.data'),
      publicUrl: 'http://localhost:7071',
      store: { kind: 'sqlite', file: join(cwd, '.data', 'attendance.sqlite') },
      cache: { kind: 'memory' },
      realtime: { kind: 'none' },
    });
    expect(config.openai).toBeUndefined();
    expect(Object.isFrozen(config) && Object.isFrozen(config.store)).toBe(true);
  });

  it('generates the development JWT secret once, keeps it private in DATA_DIR and reuses it', () => {
    const cwd = tempDir();
    const first = loadConfig({ DATA_DIR: 'state' }, cwd);
    const file = join(cwd, 'state', 'jwt-secret');
    expect(first.jwtSecretSource).toBe('data-dir');
    expect(first.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, 'utf8').trim()).toBe(first.jwtSecret);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: 'state' }, cwd).jwtSecret).toBe(first.jwtSecret);
    expect(JSON.stringify(describeConfig(first))).not.toContain(first.jwtSecret);
  });

  it('picks Azure Tables, Redis and SignalR from their settings', () => {
    const config = loadConfig(
      {
        JWT_SECRET: SECRET,
        AzureWebJobsStorage: 'UseDevelopmentStorage=true',
        REDIS_URL: 'redis://127.0.0.1:6379',
        SignalRConnectionString: 'Endpoint=https://x.service.signalr.net;AccessKey=abc;Version=1.0;',
      },
      tempDir(),
    );
    expect(config.store.kind).toBe('tables');
    expect(config.store.kind === 'tables' && config.store.connectionString).toContain(
      'TableEndpoint=http://127.0.0.1:10002/',
    );
    expect(config.cache).toEqual({ kind: 'redis', url: 'redis://127.0.0.1:6379', keyPrefix: '' });
    expect(config.realtime).toEqual({
      kind: 'signalr',
      endpoint: 'https://x.service.signalr.net',
      accessKey: 'abc',
      clientEndpoint: 'https://x.service.signalr.net',
    });
    // The emulator's form: Port folded into the endpoint; a client endpoint of its own.
    const emulated = loadConfig(
      {
        DATA_DIR: '/tmp/qrca-config-test',
        SignalRConnectionString:
          'Endpoint=http://127.0.0.1;Port=8888;AccessKey=k;Version=1.0;ClientEndpoint=same-origin;',
      },
      '/',
    );
    expect(emulated.realtime).toEqual({
      kind: 'signalr',
      endpoint: 'http://127.0.0.1:8888',
      accessKey: 'k',
      clientEndpoint: 'same-origin',
    });
  });

  it('wants both Azure OpenAI settings or neither', () => {
    expect(issuesOf({ JWT_SECRET: SECRET, AZURE_OPENAI_ENDPOINT: 'https://oai.example' }).map((i) => i.key)).toEqual([
      'AZURE_OPENAI_API_KEY',
    ]);
  });

  it('reads role and network lists, and reports a bad item by its key', () => {
    const config = loadConfig(
      {
        TEACHER_EMAIL_DOMAINS: 'Example.edu, staff.example.edu',
        STUDENT_EMAIL_DOMAINS: 'students.example.edu',
        ADMIN_EMAILS: 'IT@example.edu',
        TRUSTED_PROXIES: '10.0.0.0/8, 2001:db8::1',
      },
      tempDir(),
    );
    expect(config.auth).toMatchObject({
      provider: 'local',
      teacherDomains: ['example.edu', 'staff.example.edu'],
      studentDomains: ['students.example.edu'],
      adminEmails: ['it@example.edu'],
      defaultDomains: false,
    });
    expect(config.trustedProxies).toEqual(['10.0.0.0/8', '2001:db8::1']);
    expect(config.mail).toEqual({ kind: 'outbox' });
    const issues = issuesOf({
      TEACHER_EMAIL_DOMAINS: 'example.edu, not a domain',
      ADMIN_EMAILS: 'nope',
      TRUSTED_PROXIES: '10.0.0/8',
    });
    expect(issues.map((i) => i.key).sort()).toEqual(['ADMIN_EMAILS', 'TEACHER_EMAIL_DOMAINS', 'TRUSTED_PROXIES']);
  });

  it('uses the *.test development domains only when nothing is configured outside production', () => {
    const config = loadConfig({}, tempDir());
    expect(config.auth).toMatchObject({
      teacherDomains: ['teacher.test'],
      studentDomains: ['student.test'],
      defaultDomains: true,
    });
    expect(loadConfig({ ...PRODUCTION }, tempDir()).auth.studentDomains).toEqual([]);
    expect(loadConfig({ ...PRODUCTION }, tempDir()).mail).toMatchObject({
      kind: 'smtp',
      from: 'QR Chain Attendance <no-reply@attend.example.edu>',
    });
  });

  it('treats empty values as unset', () => {
    const config = loadConfig({ REDIS_URL: '', AzureWebJobsStorage: ' ', JWT_SECRET: SECRET }, tempDir());
    expect(config.cache.kind).toBe('memory');
    expect(config.store.kind).toBe('sqlite');
  });
});
