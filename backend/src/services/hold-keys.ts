/** Hold secrets: what a holder's phone derives its rotating code from, never stored (derived from a server key). */
import type { Hold } from '@qrca/contract';
import { hkdfSync } from 'node:crypto';
import type { ChainRecord } from '../domain/records';
import { holdSecret } from '../domain/rotating-code';
import { presentHold } from '../presenters/attendance.presenter';

export class HoldKeys {
  private readonly key: Buffer;

  /** @param secret the server secret (JWT_SECRET) the hold key derives from. */
  constructor(
    secret: string,
    private readonly rotationSeconds: number,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'qrca', 'hold secrets v1', 32));
  }

  /** The secret of the chain's current hold (it changes with every pass: seq and nonce). */
  secretOf(sessionId: string, chain: Pick<ChainRecord, 'chainId' | 'seq' | 'nonce'>): Buffer {
    return holdSecret(this.key, sessionId, chain.chainId, chain.seq, chain.nonce);
  }

  /** The hold its holder's phone needs, and only they get. */
  holdFor(sessionId: string, chain: ChainRecord): Hold {
    return presentHold(chain, this.secretOf(sessionId, chain), this.rotationSeconds);
  }
}
