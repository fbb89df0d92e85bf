/** The machine's network addresses for classroom mode: loopback and wildcard hosts, LAN addresses, URL hosts. */
import { hostname, networkInterfaces, type NetworkInterfaceInfo } from 'node:os';
import { parseIp } from '../domain/network';

/** What classroom mode asks the machine: `node:os` at run time, a fake in tests. */
export interface Machine {
  networkInterfaces(): NodeJS.Dict<NetworkInterfaceInfo[]>;
  hostname(): string;
}

/** This machine. */
export const SYSTEM_MACHINE: Machine = { networkInterfaces, hostname };

/** The machine's non-internal addresses, IPv4 and IPv6 apart, in the order the system lists them, once each. */
export interface ExternalAddresses {
  readonly ipv4: readonly string[];
  readonly ipv6: readonly string[];
}

/** Whether HOST only lets this machine in (`localhost`, 127.0.0.0/8, `::1`, IPv4-mapped loopback). */
export function isLoopbackHost(host: string): boolean {
  return host.toLowerCase() === 'localhost' || parseIp(host)?.range() === 'loopback';
}

/** Whether HOST listens on every interface (`0.0.0.0` or `::`). */
export function isWildcardHost(host: string): boolean {
  return parseIp(host)?.range() === 'unspecified';
}

/** Non-internal addresses of every interface (IPv6 without a zone: certificates and URLs cannot carry one). */
export function externalAddresses(machine: Machine): ExternalAddresses {
  const ipv4 = new Set<string>();
  const ipv6 = new Set<string>();
  for (const entries of Object.values(machine.networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (entry.internal) continue;
      if (entry.family === 'IPv4') ipv4.add(entry.address);
      else ipv6.add(entry.address.split('%')[0] ?? entry.address);
    }
  }
  return { ipv4: [...ipv4], ipv6: [...ipv6] };
}

/**
 * Where phones on the room's network reach this machine: the first non-internal IPv4 address in a private range
 * (10/8, 172.16/12, 192.168/16), else the first non-internal IPv4 address, else the hostname.
 */
export function lanHost(machine: Machine): string {
  const { ipv4 } = externalAddresses(machine);
  return ipv4.find((address) => parseIp(address)?.range() === 'private') ?? ipv4[0] ?? machine.hostname();
}

/** A host as it goes in a URL's authority: IPv6 addresses in brackets. */
export function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}
