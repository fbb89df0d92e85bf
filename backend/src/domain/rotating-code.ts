/** The rotating chain code on the server: per-hold secrets, code derivation and the constant-time check. */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { base32, chainCodeMessage, stepAt } from '@qrca/contract';

/** Length of a chain code (docs/api.md, "QR wire formats"). */
const CODE_LENGTH = 10;

/** Outcome of checking a scanned chain code. */
export type ChainCodeCheck = 'ok' | 'expired' | 'invalid';

/**
 * The 32 secret bytes of one hold: HMAC-SHA256(holdKey, `<sessionId>.<chainId>.<seq>.<nonce>`).
 * Only the nonce is stored; the secret is re-derived with the server's hold key. Throws nothing.
 */
export function holdSecret(
  holdKey: Uint8Array,
  sessionId: string,
  chainId: string,
  seq: number,
  nonce: string,
): Buffer {
  return createHmac('sha256', holdKey).update(`${sessionId}.${chainId}.${seq}.${nonce}`).digest();
}

/**
 * The chain code for one hold and time step: the first 10 base32 characters of
 * HMAC-SHA256(secret, `<sessionId>.<chainId>.<seq>.<step>`). Synchronous twin of the contract's WebCrypto
 * `chainCode`. Throws nothing.
 */
export function chainCodeFor(
  secret: Uint8Array,
  sessionId: string,
  chainId: string,
  seq: number,
  step: number,
): string {
  const mac = createHmac('sha256', secret)
    .update(chainCodeMessage(sessionId, chainId, seq, step))
    .digest();
  return base32(mac).slice(0, CODE_LENGTH);
}

/**
 * Checks a scanned chain code. The code is compared first, in constant time, so a forged code or one for
 * another session/chain/seq is 'invalid' whatever its step; a genuine code is then 'invalid' when its step
 * lies in the future, 'expired' when older than `acceptPreviousSteps` steps, else 'ok'. Throws nothing.
 */
export function checkChainCode(input: {
  secret: Uint8Array;
  sessionId: string;
  chainId: string;
  seq: number;
  step: number;
  code: string;
  nowMs: number;
  rotationSeconds: number;
  acceptPreviousSteps: number;
}): ChainCodeCheck {
  const expected = Buffer.from(chainCodeFor(input.secret, input.sessionId, input.chainId, input.seq, input.step));
  const given = Buffer.from(input.code);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
  const current = stepAt(input.nowMs, input.rotationSeconds);
  if (input.step > current) return 'invalid';
  if (input.step < current - input.acceptPreviousSteps) return 'expired';
  return 'ok';
}
