/** What a holder's phone shows: the chain payload for its hold at a moment (wire format in docs/api.md). */
import { chainQrAt, type Hold } from '@qrca/contract';

export function batonPayload(
  sessionId: string,
  hold: Pick<Hold, 'chainId' | 'seq' | 'secret' | 'rotationSeconds'>,
  nowMs: number,
): Promise<string> {
  return chainQrAt(sessionId, hold, nowMs);
}
