import { describe, expect, it } from 'vitest';
import { isValidCidrOrIp } from './network';

describe('isValidCidrOrIp', () => {
  it('accepts addresses and networks, IPv4 and IPv6', () => {
    for (const ok of [
      '10.0.0.1',
      '10.0.0.0/8',
      '0.0.0.0/0',
      '255.255.255.255/32',
      '2001:db8::1',
      '2001:db8::/32',
      '::',
      '::/0',
      '::1',
      '1:2:3:4:5:6:7:8',
      '1:2:3:4:5:6:7:8/128',
      '::ffff:10.1.2.3',
      '::ffff:10.0.0.0/104',
      '::10.1.2.3',
      '1:2:3:4:5:6:10.1.2.3',
      'fe80::1%eth0',
      'FE80::ABCD',
    ]) {
      expect(isValidCidrOrIp(ok), ok).toBe(true);
    }
  });

  it('refuses what is not an address or a network', () => {
    for (const bad of [
      '',
      '10.0.0',
      '10.1',
      '010.0.0.1',
      '10.0.0.256',
      '10.0.0.0/33',
      '10.0.0.0/',
      '10.0.0.0/8/8',
      ' 10.0.0.1',
      'example.com',
      '2001:db8::/129',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1::2:3:4:5:6:7:8',
      '1::2::3',
      '1:::2',
      ':1:2:3:4:5:6:7',
      '12345::1',
      '1:2:3:4:5:6:7:10.1.2.3',
      'fe80::1%',
      'g::1',
    ]) {
      expect(isValidCidrOrIp(bad), bad).toBe(false);
    }
  });
});
