/**
 * The client addresses the server sees (X-Forwarded-For past TRUSTED_PROXIES), as a deployment sees a campus: the
 * lecture hall reaches the internet through the campus NAT, whose public pool spans a few /24s of one campus block;
 * students at home come from their own provider's address, outside that block. Pure.
 *
 * Assumptions (see BENCHMARKS.md, "Presence proof"):
 * - the campus block is 198.18.0.0/16 (RFC 2544's benchmarking range: public to the server — not private, loopback
 *   or carrier NAT, which the flag rules treat as "the server's own site" — and routed nowhere);
 * - the NAT pool spreads the hall over `subnets` /24s of it (default 4), each phone keeping one address for the
 *   class (students in turn over the /24s); the teacher's laptop and the projector are in the hall too;
 * - a home is 198.19.j.0/24 for cheater j: another /24, outside the campus block.
 */

/** The campus block (as a session's network list would name it). */
export const CAMPUS_CIDR = '198.18.0.0/16';
/** The prefix length within which two campus addresses are one network (FLAG_NETWORK_IPV4_PREFIX of the host). */
export const CAMPUS_PREFIX = 16;
/** /24s of the campus NAT pool by default. */
export const DEFAULT_CAMPUS_SUBNETS = 4;
/** Host numbers 1–250 of each /24 are students'; 251–254 teachers' (projector screens). */
const STUDENT_HOSTS = 250;

/**
 * Student `i`'s campus address (0-based over the whole run): /24 number `i mod subnets` of the pool, one address
 * each; a run with more than 250 × subnets students uses further /24s of the block. Throws nothing.
 */
export function campusIp(i: number, subnets = DEFAULT_CAMPUS_SUBNETS): string {
  const k = Math.max(1, Math.floor(subnets));
  const within = Math.floor(i / k);
  const third = ((i % k) + k * Math.floor(within / STUDENT_HOSTS)) % 256;
  return `198.18.${third}.${(within % STUDENT_HOSTS) + 1}`;
}

/** The address of class `c`'s teacher (laptop and projector), in the first /24s of the pool. Throws nothing. */
export function teacherCampusIp(c: number, subnets = DEFAULT_CAMPUS_SUBNETS): string {
  const k = Math.max(1, Math.floor(subnets));
  return `198.18.${c % k}.${STUDENT_HOSTS + 1 + (Math.floor(c / k) % 4)}`;
}

/** Cheater `j`'s home address: a /24 of its own (for 256 cheaters), outside the campus block. Throws nothing. */
export function homeIp(j: number): string {
  return `198.19.${j % 256}.${10 + (Math.floor(j / 256) % 200)}`;
}

/** Whether a dotted-quad address lies in the campus block. Throws nothing. */
export function onCampus(ip: string): boolean {
  return ip.startsWith('198.18.');
}
