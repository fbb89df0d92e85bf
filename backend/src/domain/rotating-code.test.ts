import { chainCode, chainCodeMessage, chainVectors, parseQr } from '@qrca/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { chainCodeFor, checkChainCode, holdSecret } from './rotating-code';

const secret = new Uint8Array(32).fill(0x01);
const ROTATION = 5;
/** Step 100 starts at 500 000 ms with 5 s rotation. */
const STEP = 100;
const stepStartMs = (step: number): number => step * ROTATION * 1000;
const hold = { secret, sessionId: 'S1', chainId: 'c1', seq: 3 };
const code = chainCodeFor(secret, 'S1', 'c1', 3, STEP);

function check(overrides: Partial<Parameters<typeof checkChainCode>[0]> = {}): ReturnType<typeof checkChainCode> {
  return checkChainCode({
    ...hold,
    step: STEP,
    code,
    nowMs: stepStartMs(STEP),
    rotationSeconds: ROTATION,
    acceptPreviousSteps: 1,
    ...overrides,
  });
}

describe('holdSecret', () => {
  it('derives 32 bytes from the hold key and the hold (pinned vector)', () => {
    const derived = holdSecret(new Uint8Array(32).fill(0x02), 'S1', 'c1', 3, 'nonce-1');
    expect(derived).toHaveLength(32);
    // HMAC-SHA256(32 × 0x02, "S1.c1.3.nonce-1"), computed independently with openssl.
    expect(derived.toString('hex')).toBe('00b0e65cd0effa9bb4be7c7d4f09bde2ca01b0f6cda7b9c6e99ee515d9c0b2c1');
  });

  it('differs whenever any input differs', () => {
    const key = new Uint8Array(32).fill(0x02);
    const base = holdSecret(key, 'S1', 'c1', 3, 'n').toString('hex');
    const variants = [
      holdSecret(new Uint8Array(32).fill(0x03), 'S1', 'c1', 3, 'n'),
      holdSecret(key, 'S2', 'c1', 3, 'n'),
      holdSecret(key, 'S1', 'c2', 3, 'n'),
      holdSecret(key, 'S1', 'c1', 4, 'n'),
      holdSecret(key, 'S1', 'c1', 3, 'm'),
    ].map((b) => b.toString('hex'));
    expect(new Set([base, ...variants]).size).toBe(6);
  });
});

describe('chainCodeFor', () => {
  it('matches a pinned known-answer vector, so a change of format is caught', () => {
    // First 10 base32 chars of HMAC-SHA256(32 × 0x01, "S1.c1.3.100"), computed independently with openssl.
    expect(chainCodeFor(secret, 'S1', 'c1', 3, 100)).toBe('7TV3UNDO7T');
  });

  it('equals the contract WebCrypto chainCode for random secrets and messages', async () => {
    const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
    const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
    await fc.assert(
      // Keys longer than the 64-byte HMAC block are hashed first; cover both sides of that.
      fc.asyncProperty(
        fc.uint8Array({ minLength: 1, maxLength: 100 }),
        id,
        id,
        count,
        count,
        async (s, sid, cid, seq, step) => {
          const expected = await chainCode(Buffer.from(s).toString('base64url'), chainCodeMessage(sid, cid, seq, step));
          expect(chainCodeFor(s, sid, cid, seq, step)).toBe(expected);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('is 10 characters of the RFC 4648 base32 alphabet', () => {
    expect(code).toMatch(/^[A-Z2-7]{10}$/);
  });
});

describe('checkChainCode', () => {
  it('accepts the current step from its first to its last millisecond', () => {
    expect(check({ nowMs: stepStartMs(STEP) })).toBe('ok');
    expect(check({ nowMs: stepStartMs(STEP + 1) - 1 })).toBe('ok');
  });

  it('accepts the previous step, and calls two steps back expired', () => {
    expect(check({ nowMs: stepStartMs(STEP + 1) })).toBe('ok');
    expect(check({ nowMs: stepStartMs(STEP + 2) - 1 })).toBe('ok');
    expect(check({ nowMs: stepStartMs(STEP + 2) })).toBe('expired');
    expect(check({ nowMs: stepStartMs(STEP + 50) })).toBe('expired');
  });

  it('refuses a genuine code of a step that has not begun', () => {
    expect(check({ nowMs: stepStartMs(STEP) - 1 })).toBe('invalid');
  });

  it('honours acceptPreviousSteps 0 and 2', () => {
    expect(check({ acceptPreviousSteps: 0, nowMs: stepStartMs(STEP + 1) - 1 })).toBe('ok');
    expect(check({ acceptPreviousSteps: 0, nowMs: stepStartMs(STEP + 1) })).toBe('expired');
    expect(check({ acceptPreviousSteps: 2, nowMs: stepStartMs(STEP + 2) })).toBe('ok');
    expect(check({ acceptPreviousSteps: 2, nowMs: stepStartMs(STEP + 3) - 1 })).toBe('ok');
    expect(check({ acceptPreviousSteps: 2, nowMs: stepStartMs(STEP + 3) })).toBe('expired');
  });

  it('calls a forged code invalid, even an expired-looking one', () => {
    const forged = code[0] === 'A' ? `B${code.slice(1)}` : `A${code.slice(1)}`;
    expect(check({ code: forged })).toBe('invalid');
    expect(check({ code: forged, nowMs: stepStartMs(STEP + 50) })).toBe('invalid');
    expect(check({ code: code.toLowerCase() })).toBe('invalid');
  });

  it('calls a code of the wrong length invalid', () => {
    expect(check({ code: code.slice(0, 9) })).toBe('invalid');
    expect(check({ code: `${code}A` })).toBe('invalid');
    expect(check({ code: '' })).toBe('invalid');
    // Same character count, different byte length.
    expect(check({ code: `${code.slice(0, 9)}é` })).toBe('invalid');
  });

  it('calls a code of another chain, seq, session, step or secret invalid', () => {
    expect(check({ code: chainCodeFor(secret, 'S1', 'c2', 3, STEP) })).toBe('invalid');
    expect(check({ code: chainCodeFor(secret, 'S1', 'c1', 4, STEP) })).toBe('invalid');
    expect(check({ code: chainCodeFor(secret, 'S2', 'c1', 3, STEP) })).toBe('invalid');
    expect(check({ code: chainCodeFor(secret, 'S1', 'c1', 3, STEP - 1) })).toBe('invalid');
    expect(check({ code: chainCodeFor(new Uint8Array(32).fill(0x02), 'S1', 'c1', 3, STEP) })).toBe('invalid');
  });
});

describe('the shared wire vectors (contract/src/wire-vectors.ts)', () => {
  it('are what the server derives, and its check accepts them at their time', () => {
    for (const v of chainVectors) {
      const qr = parseQr(v.payload);
      if (qr?.kind !== 'chain') throw new Error(`not a chain payload: ${v.payload}`);
      const secret = Buffer.from(v.secret, 'base64url');
      expect(chainCodeFor(secret, v.sessionId, v.chainId, v.seq, qr.step)).toBe(qr.code);
      const check = checkChainCode({
        secret,
        sessionId: v.sessionId,
        chainId: v.chainId,
        seq: v.seq,
        step: qr.step,
        code: qr.code,
        nowMs: v.unixMs,
        rotationSeconds: v.rotationSeconds,
        acceptPreviousSteps: 1,
      });
      expect(check, v.payload).toBe('ok');
    }
  });
});
