import { describe, expect, it } from 'vitest';
import { clientIpFrom, ipInNetworks, isValidCidrOrIp, parseIp } from './network';

describe('network', () => {
  it('validates addresses and CIDRs, IPv4 and IPv6', () => {
    for (const ok of ['10.0.0.1', '10.0.0.0/8', '2001:db8::1', '2001:db8::/32', '::ffff:10.1.2.3']) {
      expect(isValidCidrOrIp(ok), ok).toBe(true);
    }
    for (const bad of ['10.0.0', '10.0.0.0/33', 'example.com', '2001:db8::/129', '']) {
      expect(isValidCidrOrIp(bad), bad).toBe(false);
    }
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
});
