import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { externalAddresses, isLoopbackHost, isWildcardHost, lanHost, urlHost, type Machine } from './lan-address';

function nic(address: string, internal = false): NetworkInterfaceInfo {
  const common = { address, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null };
  return address.includes(':') ? { ...common, family: 'IPv6', scopeid: 0 } : { ...common, family: 'IPv4' };
}

const machine = (interfaces: Record<string, NetworkInterfaceInfo[]>, name = 'laptop'): Machine => ({
  networkInterfaces: () => interfaces,
  hostname: () => name,
});

describe('lan addresses', () => {
  it('tells loopback and wildcard hosts apart from LAN addresses', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', '::1', 'localhost', 'LOCALHOST', '::ffff:127.0.0.1']) {
      expect(isLoopbackHost(host), host).toBe(true);
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.5', 'fd00::1']) expect(isLoopbackHost(host), host).toBe(false);
    expect(['0.0.0.0', '::'].every(isWildcardHost)).toBe(true);
    expect(['127.0.0.1', '192.168.1.5', 'localhost'].some(isWildcardHost)).toBe(false);
  });

  it('lists the non-internal addresses once each, IPv4 and IPv6 apart, in the order given', () => {
    const laptop = machine({
      lo: [nic('127.0.0.1', true), nic('::1', true)],
      eth0: [nic('192.0.2.2'), nic('fd00::2'), nic('fe80::fc:ff:fe00:1')],
      wlan0: [nic('10.1.2.3'), nic('192.0.2.2')],
    });
    expect(externalAddresses(laptop)).toEqual({
      ipv4: ['192.0.2.2', '10.1.2.3'],
      ipv6: ['fd00::2', 'fe80::fc:ff:fe00:1'],
    });
  });

  it('joins phones at the first private IPv4 address, else the first IPv4 address, else the hostname', () => {
    const mixed = machine({ tun0: [nic('100.64.0.7')], eth0: [nic('172.20.1.9')], wlan0: [nic('192.168.0.12')] });
    expect(lanHost(mixed)).toBe('172.20.1.9');
    expect(lanHost(machine({ eth0: [nic('203.0.113.4'), nic('198.51.100.1')] }))).toBe('203.0.113.4');
    expect(lanHost(machine({ eth0: [nic('2001:db8::1')] }, 'lab-7'))).toBe('lab-7');
    expect(lanHost(machine({ lo: [nic('127.0.0.1', true)] }, 'lab-7'))).toBe('lab-7');
  });

  it('brackets IPv6 addresses for URLs', () => {
    expect(urlHost('fd00::2')).toBe('[fd00::2]');
    expect(urlHost('192.168.1.5')).toBe('192.168.1.5');
    expect(urlHost('laptop.local')).toBe('laptop.local');
  });
});
