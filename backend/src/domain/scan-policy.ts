/** Per-session scan policies: the network verdict and what a verdict means under a policy mode. */
import type { PolicyMode } from '@qrca/contract';
import { ipInNetworks } from './network';

/** A verdict of one policy check (network or geofence). */
export type PolicyVerdict = 'off' | 'pass' | 'fail' | 'missing';

/** What the scan flow does with a verdict. */
export type Enforcement = 'allow' | 'flag' | 'refuse';

export interface NetworkPolicy {
  readonly cidrs: readonly string[];
  readonly mode: PolicyMode;
}

/**
 * 'off' without a policy or with mode 'off'; otherwise 'pass' when the client address (IPv4 or IPv6,
 * IPv4-mapped folded) lies in one of the CIDRs, and 'fail' when it does not or is unknown. Throws nothing.
 */
export function networkVerdict(
  policy: NetworkPolicy | undefined,
  clientIp: string | undefined,
): 'off' | 'pass' | 'fail' {
  if (!policy || policy.mode === 'off') return 'off';
  if (clientIp === undefined) return 'fail';
  return ipInNetworks(clientIp, policy.cidrs) ? 'pass' : 'fail';
}

/**
 * 'allow' for a pass, for 'off' and under mode 'off'; a 'fail' or 'missing' verdict is flagged under 'warn'
 * and refused under 'enforce'. Throws nothing.
 */
export function enforcement(mode: PolicyMode, verdict: PolicyVerdict): Enforcement {
  if (mode === 'off' || verdict === 'pass' || verdict === 'off') return 'allow';
  return mode === 'warn' ? 'flag' : 'refuse';
}
