/**
 * The chain panel's data: chains merged from real-time events (never going back to an older state), their
 * order and names ("Entry chain 2"), stalls remembered per hand-off, and who may be handed a chain.
 */
import type { AttendanceRow, Chain, ChainPhase, StallReason } from '@qrca/contract';

/** A stall seen for one hold of a chain (its `seq`): the badge shows while the chain is still at that seq. */
export interface Stall {
  readonly seq: number;
  readonly reason: StallReason;
  /** Epoch ms the dashboard heard of it. */
  readonly at: number;
}

/** How long a chain shows that it was passed on after a stall. */
export const PASSED_ON_NOTE_MS = 60_000;

export const STALL_TEXT: Record<StallReason, string> = {
  holder_offline: 'holder offline',
  holder_off_network: 'holder off the class network',
  idle: 'no hand-off for a while',
};

/**
 * Whether `incoming` is news about `current` (same chain): a later seq, or the same seq unless the chain had
 * already closed (a close is final; a stall report can arrive after the close it caused).
 */
export function isNewer(current: Chain, incoming: Chain): boolean {
  if (incoming.seq !== current.seq) return incoming.seq > current.seq;
  return current.state !== 'closed' || incoming.state === 'closed';
}

/** `chains` with `incoming` replaced or added; `chains` itself when it is not news. Throws nothing. */
export function mergeChain(chains: readonly Chain[], incoming: Chain): readonly Chain[] {
  const at = chains.findIndex((chain) => chain.chainId === incoming.chainId);
  if (at === -1) return [...chains, incoming];
  const current = chains[at] as Chain;
  if (!isNewer(current, incoming)) return chains;
  // A stall report carries the chain as it stalled: keep the name the newer list already had.
  const merged = { ...incoming, holderName: incoming.holderName ?? current.holderName };
  return chains.map((chain, i) => (i === at ? merged : chain));
}

/** Chains in the order they started (then by id), each with its number within its phase. */
export function numberChains(chains: readonly Chain[]): { chain: Chain; number: number }[] {
  const sorted = [...chains].sort(
    (a, b) => a.startedAt.localeCompare(b.startedAt) || (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0),
  );
  const next: Record<ChainPhase, number> = { entry: 0, exit: 0 };
  return sorted.map((chain) => ({ chain, number: ++next[chain.phase] }));
}

/** "Entry chain 2". */
export function chainName(chain: Pick<Chain, 'phase'>, number: number): string {
  return `${chain.phase === 'entry' ? 'Entry' : 'Exit'} chain ${number}`;
}

/** Whether the chain shows the "Stalled" badge: stalled by state, or a stall reported for its current hold. */
export function stallOf(chain: Chain, stall: Stall | undefined): StallReason | 'stalled' | null {
  if (chain.state === 'closed') return null;
  if (stall && stall.seq === chain.seq) return stall.reason;
  return chain.state === 'stalled' ? 'stalled' : null;
}

/**
 * Why a chain was passed on by itself lately (auto-reseed after a stall of an earlier hold), for a short note
 * on its card; null when it was not, or long enough ago. Throws nothing.
 */
export function passedOnAfterStall(chain: Chain, stall: Stall | undefined, nowMs: number): StallReason | null {
  if (chain.state === 'closed' || !stall || stall.seq >= chain.seq) return null;
  return nowMs - stall.at < PASSED_ON_NOTE_MS ? stall.reason : null;
}

/**
 * Students a teacher may hand a chain of `phase` to (as the server allows): joined, holding no open chain, and
 * for entry not verified yet; for exit verified on entry, not on exit, not gone early. Throws nothing.
 */
export function eligibleHolders(
  rows: readonly AttendanceRow[],
  chains: readonly Chain[],
  phase: ChainPhase,
): AttendanceRow[] {
  const holding = new Set(chains.filter((chain) => chain.state !== 'closed').map((chain) => chain.holderId));
  return rows.filter((row) => {
    if (!row.joined || holding.has(row.studentId)) return false;
    return phase === 'entry' ? row.entry === null : row.entry !== null && !row.exitVerified && !row.earlyLeaveAt;
  });
}
