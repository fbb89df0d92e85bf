import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import type { Machine } from './lan-address';
import type { ServerCertificate } from './server-certificate';
import { localAddress, startBanner } from './start-banner';

const SECRET = 'x'.repeat(40);
const FINGERPRINT = 'AB:'.repeat(31) + 'CD';
const NOW = new Date('2026-11-29T08:00:00Z');

const nic = (address: string): NetworkInterfaceInfo => ({
  address,
  family: 'IPv4',
  internal: false,
  netmask: '255.255.255.0',
  mac: '00:00:00:00:00:00',
  cidr: null,
});
const laptop: Machine = {
  networkInterfaces: () => ({ wlan0: [nic('192.168.1.23')], docker0: [nic('172.17.0.1')] }),
  hostname: () => 'laptop',
};

function certificate(overrides: Partial<ServerCertificate> = {}, selfSigned = true): ServerCertificate {
  return {
    cert: 'PEM',
    key: 'PEM',
    source: 'generated',
    certFile: '/data/tls/cert.pem',
    facts: {
      fingerprint256: FINGERPRINT,
      validFrom: new Date('2026-11-28T08:00:00Z'),
      validTo: new Date('2027-11-29T08:00:00Z'),
      selfSigned,
      subjectAltName: 'DNS:localhost',
      covers: () => true,
    },
    ...overrides,
  };
}

describe('start banner', () => {
  it('names localhost for the default loopback host, as the README says', () => {
    const config = loadConfig({ JWT_SECRET: SECRET }, '/', laptop);
    const text = startBanner(config, { url: 'http://127.0.0.1:7071', machine: laptop }).join('\n');
    expect(text).toContain('running at http://localhost:7071  (health: http://localhost:7071/api/health');
    expect(text).toContain('http://localhost:7071/api/dev/outbox?to=EMAIL');
    expect(text).not.toMatch(/Classroom|certificate/i);
    expect(localAddress('http://[::1]:8080')).toBe('http://localhost:8080');
    expect(localAddress('http://127.0.0.2:7071')).toBe('http://127.0.0.2:7071');
  });

  it('in classroom mode prints the join address, how phones accept the certificate, and its fingerprint', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, HOST: '0.0.0.0' }, '/', laptop);
    const lines = startBanner(config, {
      url: 'https://localhost:7071',
      machine: laptop,
      certificate: certificate(),
      now: NOW,
    });
    const text = lines.join('\n');
    expect(text).toContain('running at https://localhost:7071');
    expect(text).toContain('phones on this network join at  https://192.168.1.23:7071');
    expect(text).toContain('port 7071');
    expect(text).toContain('also has https://172.17.0.1:7071');
    expect(text).toContain('self-signed (/data/tls/cert.pem)');
    expect(text).toContain('Open https://192.168.1.23:7071 on the phone');
    expect(text).toContain('"Advanced" → "Proceed to 192.168.1.23 (unsafe)"');
    expect(text).toContain('"Show Details" → "visit this website"');
    expect(lines).toContain(`  ${FINGERPRINT}`);
    expect(text).not.toContain('expired');
  });

  it('says when the certificate is reused, is the user’s own, or has expired', () => {
    const config = loadConfig({ JWT_SECRET: SECRET, HOST: '0.0.0.0' }, '/', laptop);
    const facts = { url: 'https://localhost:7071', machine: laptop, now: NOW };
    const reused = startBanner(config, { ...facts, certificate: certificate({ source: 'reused' }) }).join('\n');
    expect(reused).toContain('phones that accepted it already need nothing');
    const own = certificate({ source: 'files', certFile: '/etc/ssl/class.pem' }, false);
    const ownText = startBanner(config, { ...facts, certificate: own }).join('\n');
    expect(ownText).toContain('HTTPS with your certificate /etc/ssl/class.pem');
    expect(ownText).not.toContain('self-signed');
    expect(ownText).toContain(FINGERPRINT);
    const old = certificate({ facts: { ...certificate().facts, validTo: new Date('2026-01-01T00:00:00Z') } });
    expect(startBanner(config, { ...facts, certificate: old }).join('\n')).toContain('expired on 2026-01-01');
  });
});
