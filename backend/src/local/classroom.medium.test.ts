// Classroom mode over real HTTPS: the self-signed certificate generated once into DATA_DIR and reused, the host
// on every interface trusted by a client that knows only that certificate, join links on the LAN address, the
// cookie's same-origin check and real time (negotiate and WebSocket through /client/) on the https origin.
import { NegotiateResponseSchema, SESSION_COOKIE } from '@qrca/contract';
import type { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { connect as tlsConnect } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../test-support/free-port';
import { loadConfig, type AppConfig } from '../config';
import { buildSession, CLASS_ROLES, createSession, signInPerson } from '../test-support/classroom';
import { startTestHost, type TestHost } from '../test-support/test-host';
import { externalAddresses, SYSTEM_MACHINE, urlHost, type Machine } from './lan-address';
import { serverCertificate, type ServerCertificate } from './server-certificate';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'qrca-classroom-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A port nobody listens on right now (the join address must name the real port before the host starts). */
interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** An HTTPS request that trusts `ca` only (no system CAs, host name checked against the certificate). */
function httpsCall(
  url: string,
  ca: string | undefined,
  init: { method?: string; headers?: Record<string, string> } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(
      url,
      { method: init.method ?? 'GET', headers: init.headers ?? {}, ...(ca ? { ca } : {}), agent: false },
      (answer) => {
        let body = '';
        answer.setEncoding('utf8');
        answer.on('data', (chunk: string) => (body += chunk));
        answer.on('end', () => resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body }));
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** The certificate a server presents at `host:port`, without trusting it. */
function presentedCertificate(port: number, host = '127.0.0.1'): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host, port, rejectUnauthorized: false }, () => {
      const peer = socket.getPeerX509Certificate();
      socket.destroy();
      if (peer) resolve(peer);
      else reject(new Error('no peer certificate'));
    });
    socket.on('error', reject);
  });
}

/** The configuration `npm start` would load for classroom mode on `port` in `dataDir`. */
function classroomConfig(dataDir: string, port: number): { env: NodeJS.ProcessEnv; config: AppConfig } {
  const env = { ...CLASS_ROLES, HOST: '0.0.0.0', PORT: String(port) };
  return { env, config: loadConfig({ ...env, DATA_DIR: dataDir, JWT_SECRET: 'x'.repeat(40) }) };
}

/** The self-signed certificate of `config`, as `npm start` gets it. */
function certificateOf(config: AppConfig, machine: Machine = SYSTEM_MACHINE, now?: Date): Promise<ServerCertificate> {
  if (config.tls.kind === 'off') throw new Error('expected classroom mode');
  return serverCertificate(config.tls, { machine, publicUrl: config.publicUrl, ...(now ? { now } : {}) });
}

describe('the classroom certificate', () => {
  it('is generated once into DATA_DIR/tls (key 0600), naming this machine, and reused while it fits', async () => {
    const dataDir = tempDir();
    const { config } = classroomConfig(dataDir, 7071);
    expect(config.tls).toEqual({ kind: 'self-signed', dir: join(dataDir, 'tls') });
    const first = await certificateOf(config);
    expect(first.source).toBe('generated');
    expect(first.certFile).toBe(join(dataDir, 'tls', 'cert.pem'));
    expect(statSync(join(dataDir, 'tls', 'key.pem')).mode & 0o777).toBe(0o600);
    expect(first.facts.selfSigned).toBe(true);
    const { ipv4, ipv6 } = externalAddresses(SYSTEM_MACHINE);
    for (const name of ['localhost', '127.0.0.1', '::1', SYSTEM_MACHINE.hostname().toLowerCase(), ...ipv4, ...ipv6]) {
      expect(first.facts.covers(name), name).toBe(true);
    }
    expect(first.facts.covers('elsewhere.example')).toBe(false);
    const validDays = (first.facts.validTo.getTime() - first.facts.validFrom.getTime()) / 86_400_000;
    expect(validDays).toBeLessThanOrEqual(825); // Apple's limit for TLS server certificates

    const again = await certificateOf(config);
    expect(again.source).toBe('reused');
    expect(again.facts.fingerprint256).toBe(first.facts.fingerprint256);
    expect(again.key).toBe(first.key);
  });

  it('is replaced when it has (almost) expired or no longer names every IPv4 address of the machine', async () => {
    const { config } = classroomConfig(tempDir(), 7071);
    const first = await certificateOf(config);
    const nextYear = new Date(first.facts.validTo.getTime() - 60_000);
    const renewed = await certificateOf(config, SYSTEM_MACHINE, nextYear);
    expect(renewed.source).toBe('generated');
    expect(renewed.facts.fingerprint256).not.toBe(first.facts.fingerprint256);
    expect(renewed.facts.validTo.getTime()).toBeGreaterThan(first.facts.validTo.getTime());

    const moved: Machine = {
      hostname: () => SYSTEM_MACHINE.hostname(),
      networkInterfaces: () => ({
        ...SYSTEM_MACHINE.networkInterfaces(),
        wlan9: [
          { address: '10.9.8.7', family: 'IPv4', internal: false, netmask: '255.0.0.0', mac: '', cidr: '10.9.8.7/8' },
        ],
      }),
    };
    const onNewNetwork = await certificateOf(config, moved);
    expect(onNewNetwork.source).toBe('generated');
    expect(onNewNetwork.facts.covers('10.9.8.7')).toBe(true);
    expect((await certificateOf(config, moved)).source).toBe('reused');
  });
});

describe('the local host in classroom mode (HTTPS on every interface, real time on)', () => {
  let host: TestHost;
  let port: number;
  let config: AppConfig;
  let certificate: ServerCertificate;

  beforeAll(async () => {
    port = await freePort();
    const dataDir = tempDir();
    const classroom = classroomConfig(dataDir, port);
    config = classroom.config;
    certificate = await certificateOf(config);
    host = await startTestHost(classroom.env, {
      dataDir,
      logLevel: 'silent',
      realtime: true,
      hostname: config.host,
      port,
      tls: { cert: certificate.cert, key: certificate.key },
    });
  });

  afterAll(() => host.close());

  it('answers GET /api/health over HTTPS at 127.0.0.1 to a client that trusts that certificate alone', async () => {
    expect(host.url).toBe(`https://localhost:${port}`);
    const health = await httpsCall(`https://127.0.0.1:${port}/api/health`, certificate.cert);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', checks: { realtime: { ok: true } } });
    // Not trusted by anyone else: a client with only the system's CAs refuses it.
    await expect(httpsCall(`https://127.0.0.1:${port}/api/health`, undefined)).rejects.toThrow(/self.signed/i);
    // No plain HTTP on that port.
    await expect(
      new Promise((resolve, reject) =>
        httpRequest(`http://127.0.0.1:${port}/api/health`, resolve).on('error', reject).end(),
      ),
    ).rejects.toThrow();
  });

  it('listens on every interface: the machine’s LAN address answers too, with the same certificate', async () => {
    const [lan] = externalAddresses(SYSTEM_MACHINE).ipv4;
    if (!lan) {
      console.warn('[classroom] this machine has no non-loopback IPv4 address: only 127.0.0.1 was checked');
      return;
    }
    const health = await httpsCall(`https://${urlHost(lan)}:${port}/api/health`, certificate.cert);
    expect(health.status).toBe(200);
    expect((await presentedCertificate(port, lan)).fingerprint256).toBe(certificate.facts.fingerprint256);
  });

  it('serves the same certificate after a restart on the same DATA_DIR', async () => {
    const dataDir = tempDir();
    const otherPort = await freePort();
    const { env, config: other } = classroomConfig(dataDir, otherPort);
    const served: { source: string; fingerprint: string }[] = [];
    for (let run = 0; run < 2; run += 1) {
      const own = await certificateOf(other); // what `npm start` does on each start
      const started = await startTestHost(env, {
        dataDir,
        logLevel: 'silent',
        hostname: other.host,
        port: otherPort,
        tls: { cert: own.cert, key: own.key },
      });
      try {
        served.push({ source: own.source, fingerprint: (await presentedCertificate(otherPort)).fingerprint256 });
      } finally {
        await started.close();
      }
    }
    expect(served.map((s) => s.source)).toEqual(['generated', 'reused']);
    expect(served[1]?.fingerprint).toBe(served[0]?.fingerprint);
  });

  it('builds join links on the https LAN address (PUBLIC_URL by default)', async () => {
    expect(config.publicUrl).toMatch(new RegExp(`^https://[^/]+:${port}$`));
    const teacher = await signInPerson(host, 'classroom.teacher@staff.example.edu');
    const session = await createSession(host, teacher, buildSession(Date.now()), false);
    expect(session.joinUrl.startsWith(`${config.publicUrl}/join/${session.id}?`)).toBe(true);
  });

  it('takes cookie-authenticated changes from its own https origin (the request URL is https)', async () => {
    const student = await signInPerson(host, 'student0001@students.example.edu');
    const cookie = `${SESSION_COOKIE}=${student.token}`;
    const logout = (origin: string) =>
      httpsCall(`https://localhost:${port}/api/auth/logout`, certificate.cert, {
        method: 'POST',
        headers: { cookie, origin },
      });
    expect((await logout(`http://localhost:${port}`)).status).toBe(403);
    expect((await logout(`https://localhost:${port}`)).status).toBe(204);
  });

  it('negotiates real time through /client/ on the https origin, WebSocket included', async () => {
    const teacher = await signInPerson(host, 'classroom.rt@staff.example.edu');
    const session = await createSession(host, teacher, buildSession(Date.now()));
    const negotiated = await host.fetch(`/api/negotiate?sessionId=${session.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${teacher.token}` },
    });
    expect(negotiated.status).toBe(200);
    const { url, accessToken } = NegotiateResponseSchema.parse(await negotiated.json());
    // The client is sent back to the origin it came from, https, and the token names that origin.
    expect(url).toBe(`https://localhost:${port}/client/?hub=attendance`);

    const negotiate = await httpsCall(
      `https://localhost:${port}/client/negotiate?hub=attendance&negotiateVersion=1`,
      certificate.cert,
      { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } },
    );
    expect(negotiate.status).toBe(200);
    const { connectionToken } = JSON.parse(negotiate.body) as { connectionToken: string };
    expect(connectionToken).toBeTruthy();

    // The same request on plain HTTP straight to the emulator, same Host: the https audience does not fit.
    const realtime = host.realtime;
    if (!realtime) throw new Error('expected the emulator');
    const plain = await new Promise<number>((resolve, reject) => {
      const { hostname, port: emulatorPort } = new URL(realtime.endpoint);
      httpRequest(
        {
          hostname,
          port: emulatorPort,
          method: 'POST',
          path: '/client/negotiate?hub=attendance&negotiateVersion=1',
          headers: { host: `localhost:${port}`, authorization: `Bearer ${accessToken}` },
        },
        (answer) => {
          answer.resume();
          resolve(answer.statusCode ?? 0);
        },
      )
        .on('error', reject)
        .end();
    });
    expect(plain).toBe(401);

    // The WebSocket upgrade over TLS, through the host's proxy.
    const query = `hub=attendance&id=${encodeURIComponent(connectionToken)}&access_token=${encodeURIComponent(accessToken)}`;
    const upgraded = await new Promise<number>((resolve, reject) => {
      const request = httpsRequest(`https://localhost:${port}/client/?${query}`, {
        ca: certificate.cert,
        agent: false,
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': Buffer.from('classroom-test-k').toString('base64'),
        },
      });
      request.on('upgrade', (answer, socket) => {
        socket.destroy();
        resolve(answer.statusCode ?? 0);
      });
      request.on('response', (answer) => {
        answer.resume();
        resolve(answer.statusCode ?? 0);
      });
      request.on('error', reject);
      request.end();
    });
    expect(upgraded).toBe(101);
  });
});
