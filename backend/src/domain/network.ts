/**
 * IP addresses and networks: parsing, CIDR membership and the client address behind proxies.
 * Pure functions over ipaddr.js; IPv4-mapped IPv6 addresses count as IPv4. Which network text is valid is the
 * contract's `isValidCidrOrIp` (shared with the session form).
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Parses an address (without port), folding `::ffff:a.b.c.d` into IPv4; undefined when invalid. */
export function parseIp(text: string): Address | undefined {
  // Only dotted quads for IPv4: ipaddr.js would also accept classful shorthands such as `10.1`.
  const valid = text.includes(':') ? ipaddr.IPv6.isValid(text) : ipaddr.IPv4.isValidFourPartDecimal(text);
  if (!valid) return undefined;
  const address = ipaddr.parse(text);
  return address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()
    ? (address as ipaddr.IPv6).toIPv4Address()
    : address;
}

/** Whether `ip` lies in any of `networks` (IPs or CIDRs; invalid entries never match). */
export function ipInNetworks(ip: string, networks: readonly string[]): boolean {
  const address = parseIp(ip);
  if (!address) return false;
  return networks.some((network) => {
    try {
      const [range, bits] = network.includes('/') ? ipaddr.parseCIDR(network) : [ipaddr.parse(network), -1];
      const base =
        range.kind() === 'ipv6' && (range as ipaddr.IPv6).isIPv4MappedAddress()
          ? (range as ipaddr.IPv6).toIPv4Address()
          : range;
      if (base.kind() !== address.kind()) return false;
      return bits < 0 ? base.toString() === address.toString() : address.match(base, bits);
    } catch {
      return false;
    }
  });
}

/** Strips a port (`1.2.3.4:80`, `[::1]:443`) from one X-Forwarded-For entry. */
function withoutPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed?.[1]) return bracketed[1];
  return /^\d{1,3}(\.\d{1,3}){3}:\d+$/.test(entry) ? entry.slice(0, entry.lastIndexOf(':')) : entry;
}

/**
 * The client's address from an X-Forwarded-For chain whose rightmost entry was appended by the host's own
 * front end (Azure's, or the local host's, which appends the socket's peer). Walks from the right past
 * trusted proxies; the first untrusted entry is the client, so entries a client wrote itself are ignored.
 * Undefined when the chain is empty or its deciding entry is not an address.
 */
export function clientIpFrom(
  forwardedFor: string | null | undefined,
  trustedProxies: readonly string[],
): string | undefined {
  const chain = (forwardedFor ?? '')
    .split(',')
    .map((entry) => withoutPort(entry.trim()))
    .filter(Boolean);
  for (let i = chain.length - 1; i >= 0; i--) {
    const address = parseIp(chain[i] ?? '');
    if (!address) return undefined;
    if (i === 0 || !ipInNetworks(address.toString(), trustedProxies)) return address.toString();
  }
  return undefined;
}

/** Address ranges a client reaches us from only from inside the same site (the server sits on that network). */
const LOCAL_RANGES: ReadonlySet<string> = new Set([
  'private',
  'loopback',
  'linkLocal',
  'uniqueLocal',
  'carrierGradeNat',
]);

/** The network a client address belongs to, for comparing two clients of one hand-off. */
export interface ClientNetwork {
  readonly family: 'ipv4' | 'ipv6';
  /** A private, loopback, link-local, unique-local or carrier-NAT address: on the server's own site. */
  readonly local: boolean;
  /** The address's prefix in CIDR notation, e.g. `203.0.113.0/24`. */
  readonly prefix: string;
}

/**
 * The network of `ip`: its IPv4 `/bits.ipv4` or IPv6 `/bits.ipv6` prefix (IPv4-mapped IPv6 counts as IPv4);
 * undefined for text that is not an address. Throws nothing.
 */
export function networkOf(
  ip: string,
  bits: { readonly ipv4: number; readonly ipv6: number },
): ClientNetwork | undefined {
  const address = parseIp(ip);
  if (!address) return undefined;
  const family = address.kind();
  const width = family === 'ipv4' ? bits.ipv4 : bits.ipv6;
  const base =
    family === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(`${address.toString()}/${width}`)
      : ipaddr.IPv6.networkAddressFromCIDR(`${address.toString()}/${width}`);
  return { family, local: LOCAL_RANGES.has(address.range()), prefix: `${base.toString()}/${width}` };
}
