import { isValidCidrOrIp } from '@qrca/contract';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { describe, expect, it } from 'vitest';
import { clientIpFrom, ipInNetworks, networkOf, parseIp } from './network';

describe('network', () => {
  it('accepts as a network exactly what ipaddr.js can match addresses against (the contract’s rule)', () => {
    // The backend's reading of network text: an address parseIp takes, and a CIDR ipaddr.js parses.
    const ipaddrValid = (text: string): boolean => {
      if (parseIp(text.split('/')[0] ?? '') === undefined) return false;
      if (!text.includes('/')) return true;
      try {
        ipaddr.parseCIDR(text);
        return true;
      } catch {
        return false;
      }
    };
    const hex = fc.oneof(
      { arbitrary: fc.stringMatching(/^[0-9a-fA-F]{1,4}$/), weight: 4 },
      { arbitrary: fc.stringMatching(/^[0-9a-fA-F]{0,5}$/), weight: 1 },
    );
    const octet = fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 255 }).map(String), weight: 12 },
      { arbitrary: fc.constantFrom('256', '01', '0x1f', ''), weight: 1 },
    );
    const v4 = fc.tuple(octet, octet, octet, octet).map((parts) => parts.join('.'));
    const v6 = fc
      .tuple(fc.array(hex, { minLength: 0, maxLength: 9 }), fc.option(v4), fc.integer({ min: -1, max: 9 }))
      .map(([groups, tail, gap]) => {
        const parts = tail === null ? groups : [...groups, tail];
        return gap < 0 || gap > parts.length
          ? parts.join(':')
          : [...parts.slice(0, gap), '', ...parts.slice(gap)].join(':');
      });
    const zone = fc.option(fc.constantFrom('%eth0', '%1', '%'));
    const prefix = fc.option(
      fc.oneof(
        fc.integer({ min: 0, max: 140 }).map((n) => `/${n}`),
        fc.constantFrom('/', '/x', '/08', '/32', '/33', '/128', '/129'),
      ),
    );
    const text = fc.oneof(
      fc
        .tuple(fc.oneof(v4, v6, fc.constantFrom('::', '::1', '1::', '::ffff:1.2.3.4')), zone, prefix)
        .map(([address, z, p]) => `${address}${z ?? ''}${p ?? ''}`),
      fc.string({ unit: fc.constantFrom(...'0123456789abcdef:./%x '.split('')), maxLength: 24 }),
    );
    fc.assert(
      fc.property(text, (candidate) => {
        // Leading zeros and hex in the IPv4 tail of an IPv6 address are legacy forms the contract refuses.
        const tail = candidate.split(/[/%]/)[0]?.split(':');
        const legacy =
          tail && tail.length > 1 && (tail.at(-1) ?? '').split('.').some((part) => /^(0\d|0x)/i.test(part));
        if (legacy) expect(!isValidCidrOrIp(candidate) || ipaddrValid(candidate)).toBe(true);
        else expect(isValidCidrOrIp(candidate), candidate).toBe(ipaddrValid(candidate));
      }),
      { numRuns: 5_000 },
    );
  });

  it('matches networks and folds IPv4-mapped IPv6 into IPv4', () => {
    expect(ipInNetworks('10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(ipInNetworks('::ffff:10.1.2.3', ['10.0.0.0/8'])).toBe(true);
    expect(ipInNetworks('11.1.2.3', ['10.0.0.0/8'])).toBe(false);
    expect(ipInNetworks('2001:db8::5', ['2001:db8::/32'])).toBe(true);
    expect(ipInNetworks('2001:db9::5', ['2001:db8::/32', '10.0.0.0/8'])).toBe(false);
    expect(ipInNetworks('127.0.0.1', ['127.0.0.1'])).toBe(true);
    expect(ipInNetworks('nonsense', ['0.0.0.0/0'])).toBe(false);
    expect(parseIp('::ffff:127.0.0.1')?.toString()).toBe('127.0.0.1');
  });

  it('takes the rightmost untrusted X-Forwarded-For entry as the client', () => {
    // The host's front end appended the peer (rightmost); what the client wrote to the left is ignored.
    expect(clientIpFrom('6.6.6.6, 203.0.113.9', [])).toBe('203.0.113.9');
    // Behind a trusted reverse proxy, the entry it appended is believed.
    expect(clientIpFrom('6.6.6.6, 203.0.113.9, 10.0.0.2', ['10.0.0.0/8'])).toBe('203.0.113.9');
    expect(clientIpFrom('203.0.113.9:5123', [])).toBe('203.0.113.9');
    expect(clientIpFrom('[2001:db8::7]:443', [])).toBe('2001:db8::7');
    expect(clientIpFrom('::ffff:192.0.2.1', [])).toBe('192.0.2.1');
    expect(clientIpFrom('10.0.0.2', ['10.0.0.0/8'])).toBe('10.0.0.2');
    expect(clientIpFrom('', [])).toBeUndefined();
    expect(clientIpFrom(undefined, [])).toBeUndefined();
    expect(clientIpFrom('not-an-ip, 10.0.0.2', ['10.0.0.0/8'])).toBeUndefined();
  });

  it('gives an address’s network by prefix length, and says whether it is the site’s own', () => {
    const bits = { ipv4: 24, ipv6: 48 };
    expect(networkOf('203.0.113.77', bits)).toEqual({ family: 'ipv4', local: false, prefix: '203.0.113.0/24' });
    expect(networkOf('::ffff:203.0.113.77', bits)?.prefix).toBe('203.0.113.0/24');
    expect(networkOf('2001:db8:1234:5678::1', bits)).toEqual({
      family: 'ipv6',
      local: false,
      prefix: '2001:db8:1234::/48',
    });
    expect(networkOf('203.0.113.77', { ipv4: 16, ipv6: 48 })?.prefix).toBe('203.0.0.0/16');
    for (const local of [
      '10.4.5.6',
      '172.16.0.9',
      '192.168.1.20',
      '127.0.0.1',
      '169.254.3.3',
      'fd12::1',
      'fe80::1',
      '100.64.0.1',
    ]) {
      expect(networkOf(local, bits)?.local, local).toBe(true);
    }
    expect(networkOf('nonsense', bits)).toBeUndefined();
  });
});
