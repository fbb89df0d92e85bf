/** IP addresses and networks as people type them: one validity rule for the backend and the session form. */

/** `a.b.c.d` in plain decimal (no leading zeros, no classful shorthands such as `10.1`), each part 0–255. */
function isIpv4(text: string): boolean {
  if (!/^(0|[1-9]\d{0,2})(\.(0|[1-9]\d{0,2})){3}$/.test(text)) return false;
  return text.split('.').every((part) => Number(part) <= 255);
}

/** Colon-separated groups of 1–4 hex digits; empty when `text` is empty, undefined when malformed. */
function hexGroups(text: string): number | undefined {
  if (text === '') return 0;
  const groups = text.split(':');
  return groups.every((group) => /^[0-9a-f]{1,4}$/i.test(group)) ? groups.length : undefined;
}

/**
 * An IPv6 address: eight groups, or fewer with one `::` standing for at least one zero group; the last two
 * groups may be written as a dotted IPv4 address; an optional zone (`%eth0`) at the end.
 */
function isIpv6(text: string): boolean {
  const address = text.replace(/%[0-9a-z]+$/i, '');
  if (!address.includes(':')) return false;
  let body = address;
  let groups = 0;
  const v4 = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (v4) {
    if (!isIpv4(v4[2] ?? '')) return false;
    groups = 2;
    const head = v4[1] ?? '';
    body = head.endsWith('::') ? head : head.slice(0, -1);
  }
  const halves = body.split('::');
  if (halves.length > 2) return false;
  if (halves.length === 1) return hexGroups(body) === 8 - groups;
  const left = hexGroups(halves[0] ?? '');
  const right = hexGroups(halves[1] ?? '');
  if (left === undefined || right === undefined) return false;
  // `::` must stand for at least one group.
  return left + right + groups <= 7;
}

/**
 * True for `a.b.c.d`, an IPv6 address, or either with a `/prefix` (0–32 for IPv4, 0–128 for IPv6).
 * What it accepts is exactly what the backend can match addresses against. Throws nothing.
 */
export function isValidCidrOrIp(text: string): boolean {
  const match = /^([^/]*)(?:\/(\d+))?$/.exec(text);
  if (!match) return false;
  const address = match[1] ?? '';
  const prefix = match[2] === undefined ? undefined : Number(match[2]);
  if (isIpv4(address)) return prefix === undefined || prefix <= 32;
  if (isIpv6(address)) return prefix === undefined || prefix <= 128;
  return false;
}
