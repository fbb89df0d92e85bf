/** What teachers see of a chain: who holds it (by email), how long it is, how fresh. Never its secret. */
import type { Chain } from '@qrca/contract';
import type { ChainRecord } from '../domain/records';

export function presentChain(chain: ChainRecord, holderName: string | null): Chain {
  return {
    chainId: chain.chainId,
    phase: chain.phase,
    seq: chain.seq,
    holderId: chain.holderId,
    holderName,
    length: chain.length,
    startedAt: chain.startedAt,
    lastHandoffAt: chain.lastHandoffAt,
    state: chain.state,
  };
}
