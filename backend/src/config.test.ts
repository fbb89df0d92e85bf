import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir, type NetworkInterfaceInfo } from 'node:os';
import { join } from 'node:path';
import { generate } from 'selfsigned';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from './config';
import type { Machine } from './local/lan-address';

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

function issuesOf(env: NodeJS.ProcessEnv, cwd = tempDir()): { key: string; message: string }[] {
  try {
    loadConfig(env, cwd);
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

  it('wants an Azure OpenAI key only with its endpoint (an endpoint alone means Microsoft Entra ID)', () => {
    expect(issuesOf({ JWT_SECRET: SECRET, AZURE_OPENAI_API_KEY: 'k' }).map((i) => i.key)).toEqual([
      'AZURE_OPENAI_ENDPOINT',
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

/** One network interface address as `os.networkInterfaces()` lists it. */
function nic(address: string, internal = false): NetworkInterfaceInfo {
  const common = { address, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null };
  return address.includes(':') ? { ...common, family: 'IPv6', scopeid: 0 } : { ...common, family: 'IPv4' };
}

/** A machine with these interfaces, named `teacher-laptop`. */
function machine(interfaces: Record<string, string[]>, name = 'teacher-laptop'): Machine {
  return {
    networkInterfaces: () =>
      Object.fromEntries(
        Object.entries(interfaces).map(([nicName, addresses]) => [nicName, addresses.map((a) => nic(a))]),
      ),
    hostname: () => name,
  };
}

const LOOPBACK_ONLY: Record<string, string[]> = {};
const noMachine: Machine = {
  networkInterfaces: () => {
    throw new Error('the network interfaces were not needed');
  },
  hostname: () => {
    throw new Error('the hostname was not needed');
  },
};

describe('loadConfig: HTTPS of the local host (classroom mode)', () => {
  /** A certificate and key in `dir` (cert.pem, key.pem), and a second key that is not the certificate's. */
  let pems: { cert: string; key: string; otherKey: string };
  beforeAll(async () => {
    const [one, two] = await Promise.all([
      generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' }),
      generate([{ name: 'commonName', value: 'localhost' }], { keyType: 'ec', algorithm: 'sha256' }),
    ]);
    pems = { cert: one.cert, key: one.private, otherKey: two.private };
  });

  /** A directory holding cert.pem, key.pem and other-key.pem. */
  function certificateDir(): string {
    const dir = tempDir();
    mkdirSync(join(dir, 'certs'));
    writeFileSync(join(dir, 'certs', 'cert.pem'), pems.cert);
    writeFileSync(join(dir, 'certs', 'key.pem'), pems.key);
    writeFileSync(join(dir, 'certs', 'other-key.pem'), pems.otherKey);
    writeFileSync(join(dir, 'certs', 'garbage.pem'), 'not a certificate');
    return dir;
  }

  it('stays plain HTTP on a loopback HOST, without asking the machine anything', () => {
    for (const HOST of [undefined, '127.0.0.1', '::1', 'localhost']) {
      const config = loadConfig({ JWT_SECRET: SECRET, ...(HOST ? { HOST } : {}) }, tempDir(), noMachine);
      expect(config.tls).toEqual({ kind: 'off' });
      expect(config.publicUrl).toBe('http://localhost:7071');
    }
    expect(describeConfig(loadConfig({ JWT_SECRET: SECRET }, tempDir(), noMachine))).toMatchObject({ tls: 'off' });
  });

  it('serves a self-signed certificate from DATA_DIR/tls on every interface, joined at the private LAN IPv4', () => {
    const cwd = tempDir();
    const laptop = machine({
      lo: ['127.0.0.1', '::1'],
      vpn0: ['203.0.113.9'],
      wlan0: ['fd12::5', '192.168.1.23'],
      eth1: ['10.0.0.4'],
    });
    const config = loadConfig({ JWT_SECRET: SECRET, HOST: '0.0.0.0', PORT: '8443' }, cwd, laptop);
    expect(config.tls).toEqual({ kind: 'self-signed', dir: join(cwd, '.data', 'tls') });
    expect(config.publicUrl).toBe('https://192.168.1.23:8443');
    expect(describeConfig(config)).toMatchObject({ tls: 'self-signed', host: '0.0.0.0' });
    expect(loadConfig({ JWT_SECRET: SECRET, HOST: '::' }, cwd, laptop).publicUrl).toBe('https://192.168.1.23:7071');
  });

  it('falls back to the first IPv4 address, then to the hostname (IPv6 only, or no network at all)', () => {
    const env = { JWT_SECRET: SECRET, HOST: '0.0.0.0' };
    const publicOnly = machine({ eth0: ['fe80::1', '203.0.113.9', '198.51.100.2'] });
    expect(loadConfig(env, tempDir(), publicOnly).publicUrl).toBe('https://203.0.113.9:7071');
    const ipv6Only = machine({ eth0: ['2001:db8::7', 'fe80::1'] }, 'lab-pc.example.edu');
    expect(loadConfig(env, tempDir(), ipv6Only).publicUrl).toBe('https://lab-pc.example.edu:7071');
    expect(loadConfig(env, tempDir(), machine(LOOPBACK_ONLY)).publicUrl).toBe('https://teacher-laptop:7071');
  });

  it('uses a specific non-loopback HOST itself as the join address', () => {
    const env = { JWT_SECRET: SECRET };
    expect(loadConfig({ ...env, HOST: '192.168.1.23' }, tempDir(), noMachine).publicUrl).toBe(
      'https://192.168.1.23:7071',
    );
    expect(loadConfig({ ...env, HOST: 'fd12::5' }, tempDir(), noMachine).publicUrl).toBe('https://[fd12::5]:7071');
  });

  it('lets an explicit PUBLIC_URL win', () => {
    const config = loadConfig(
      { JWT_SECRET: SECRET, HOST: '0.0.0.0', PUBLIC_URL: 'https://attend.example.edu/' },
      tempDir(),
      noMachine,
    );
    expect(config.publicUrl).toBe('https://attend.example.edu');
    expect(config.tls.kind).toBe('self-signed');
  });

  it('uses TLS_CERT and TLS_KEY (relative to the working directory) on any HOST', () => {
    const cwd = certificateDir();
    const files = { JWT_SECRET: SECRET, TLS_CERT: 'certs/cert.pem', TLS_KEY: join(cwd, 'certs', 'key.pem') };
    const loopback = loadConfig(files, cwd, noMachine);
    expect(loopback.tls).toEqual({
      kind: 'files',
      certFile: join(cwd, 'certs', 'cert.pem'),
      keyFile: join(cwd, 'certs', 'key.pem'),
    });
    expect(loopback.publicUrl).toBe('https://localhost:7071');
    const classroom = loadConfig({ ...files, HOST: '0.0.0.0' }, cwd, machine({ wlan0: ['192.168.1.23'] }));
    expect(classroom.tls.kind).toBe('files');
    expect(classroom.publicUrl).toBe('https://192.168.1.23:7071');
  });

  it('wants TLS_CERT and TLS_KEY together, naming the missing one', () => {
    const cwd = certificateDir();
    expect(issuesOf({ JWT_SECRET: SECRET, TLS_CERT: 'certs/cert.pem' }, cwd)).toEqual([
      { key: 'TLS_KEY', message: expect.stringContaining('go together') },
    ]);
    expect(issuesOf({ JWT_SECRET: SECRET, TLS_KEY: 'certs/key.pem' }, cwd).map((i) => i.key)).toEqual(['TLS_CERT']);
  });

  it('refuses files that are missing, a directory, not PEM, or the key of another certificate', () => {
    const cwd = certificateDir();
    const missing = issuesOf({ JWT_SECRET: SECRET, TLS_CERT: 'nope/cert.pem', TLS_KEY: 'nope/key.pem' }, cwd);
    expect(missing).toEqual([
      { key: 'TLS_CERT', message: `no such file: ${join(cwd, 'nope', 'cert.pem')}` },
      { key: 'TLS_KEY', message: `no such file: ${join(cwd, 'nope', 'key.pem')}` },
    ]);
    expect(issuesOf({ JWT_SECRET: SECRET, TLS_CERT: 'certs', TLS_KEY: 'certs/key.pem' }, cwd)).toEqual([
      { key: 'TLS_CERT', message: `a directory, not a file: ${join(cwd, 'certs')}` },
    ]);
    expect(issuesOf({ JWT_SECRET: SECRET, TLS_CERT: 'certs/garbage.pem', TLS_KEY: 'certs/garbage.pem' }, cwd)).toEqual([
      { key: 'TLS_CERT', message: expect.stringContaining('not a PEM certificate') },
      { key: 'TLS_KEY', message: expect.stringContaining('not a PEM private key') },
    ]);
    expect(issuesOf({ JWT_SECRET: SECRET, TLS_CERT: 'certs/cert.pem', TLS_KEY: 'certs/other-key.pem' }, cwd)).toEqual([
      { key: 'TLS_KEY', message: expect.stringContaining('not the private key of the certificate') },
    ]);
    // Reported with every other bad key at once.
    const all = issuesOf({ PORT: 'x', TLS_CERT: 'nope.pem', TLS_KEY: 'certs/key.pem' }, cwd).map((i) => i.key);
    expect(all.sort()).toEqual(['PORT', 'TLS_CERT']);
  });

  it('keeps production rules: PUBLIC_URL given and https; no self-signed certificate behind a front end', () => {
    const config = loadConfig({ ...PRODUCTION, HOST: '0.0.0.0' }, tempDir(), noMachine);
    expect(config.tls).toEqual({ kind: 'off' });
    expect(config.publicUrl).toBe('https://attend.example.edu');
    expect(issuesOf({ ...PRODUCTION, HOST: '0.0.0.0', PUBLIC_URL: '' }).map((i) => i.key)).toEqual(['PUBLIC_URL']);
  });
});
