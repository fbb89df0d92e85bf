import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base32,
  chainCode,
  chainCodeMessage,
  chainQrAt,
  formatChainQr,
  formatProjectorQr,
  parseQr,
  PROJECTOR_KINDS,
  stepAt,
} from './wire';

const id = fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/);
const count = fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER });
const code = fc.stringMatching(/^[A-Z2-7]{10}$/);
const chain = { sessionId: 'S1', chainId: 'c1', seq: 3, step: 100, code: 'ABCDEFGH23' };
const valid = formatChainQr(chain);

/** Reference decoder for the property test: base32 without padding back to bytes. */
function fromBase32(text: string): Uint8Array {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const bits = [...text].map((c) => alphabet.indexOf(c).toString(2).padStart(5, '0')).join('');
  const bytes = bits.match(/.{8}/g) ?? [];
  return Uint8Array.from(bytes, (b) => parseInt(b, 2));
}

describe('base32', () => {
  it('matches the RFC 4648 test vectors (upper case, no padding)', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'MY'],
      ['fo', 'MZXQ'],
      ['foo', 'MZXW6'],
      ['foob', 'MZXW6YQ'],
      ['fooba', 'MZXW6YTB'],
      ['foobar', 'MZXW6YTBOI'],
    ];
    for (const [input, output] of vectors) expect(base32(new TextEncoder().encode(input)), input).toBe(output);
  });

  it('emits ceil(8n / 5) characters of the alphabet for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), (bytes) => {
        const text = base32(bytes);
        expect(text).toHaveLength(Math.ceil((bytes.length * 8) / 5));
        expect(text).toMatch(/^[A-Z2-7]*$/);
        expect(fromBase32(text)).toEqual(bytes);
      }),
    );
  });
});

describe('stepAt', () => {
  it('changes exactly at multiples of the rotation', () => {
    expect(stepAt(0, 5)).toBe(0);
    expect(stepAt(4_999, 5)).toBe(0);
    expect(stepAt(5_000, 5)).toBe(1);
    expect(stepAt(9_999, 5)).toBe(1);
    expect(stepAt(10_000, 5)).toBe(2);
    expect(stepAt(9_999, 10)).toBe(0);
    expect(stepAt(10_000, 10)).toBe(1);
    expect(stepAt(1_767_225_600_000, 5)).toBe(353_445_120);
  });
});

describe('chainCodeMessage', () => {
  it('joins the parts with dots', () => {
    expect(chainCodeMessage('S1', 'c1', 3, 100)).toBe('S1.c1.3.100');
  });
});

describe('parseQr', () => {
  it('round-trips chain payloads', () => {
    fc.assert(
      fc.property(id, id, count, count, code, (sessionId, chainId, seq, step, c) => {
        const qr = { sessionId, chainId, seq, step, code: c };
        expect(parseQr(formatChainQr(qr))).toEqual({ kind: 'chain', ...qr });
      }),
    );
  });

  it('round-trips projector payloads of every kind', () => {
    fc.assert(
      fc.property(
        id,
        fc.constantFrom(...PROJECTOR_KINDS),
        count,
        fc.stringMatching(/^[A-Z0-9]{4,16}$/),
        (sessionId, projectorKind, step, c) => {
          const qr = { sessionId, projectorKind, step, code: c };
          expect(parseQr(formatProjectorQr(qr))).toEqual({ kind: 'projector', ...qr });
        },
      ),
    );
  });

  it('ignores surrounding whitespace', () => {
    expect(parseQr(` ${valid}\n`)).toEqual({ kind: 'chain', ...chain });
  });

  it('rejects a wrong prefix or kind letter', () => {
    for (const payload of [
      valid.replace('QRCA1', 'QRCA2'),
      valid.replace('QRCA1', 'qrca1'),
      valid.replace('QRCA1.C', 'QRCA1.c'),
      valid.replace('QRCA1.C', 'QRCA1.X'),
      valid.replace('QRCA1.C', 'QRCA1.P'),
      `https://example.com/${valid}`,
      '',
      'QRCA1',
    ]) {
      expect(parseQr(payload), payload).toBeUndefined();
    }
  });

  it('rejects the wrong number of parts, including dots inside ids', () => {
    for (const payload of [
      'QRCA1.C.S1.c1.3.100',
      `${valid}.X`,
      'QRCA1.C.S.1.c1.3.100.ABCDEFGH23',
      'QRCA1.C.S1.c.1.3.100.ABCDEFGH23',
      'QRCA1.C..c1.3.100.ABCDEFGH23',
      `${valid}.`,
      'QRCA1.P.S1.entry.100',
      'QRCA1.P.S1.entry.100.ABCD.EF',
      'QRCA1.P.S.1.entry.100.ABCD',
    ]) {
      expect(parseQr(payload), payload).toBeUndefined();
    }
  });

  it('rejects malformed ids', () => {
    expect(parseQr(formatChainQr({ ...chain, sessionId: 'a'.repeat(65) }))).toBeUndefined();
    expect(parseQr(formatChainQr({ ...chain, sessionId: 'a'.repeat(64) }))).toBeDefined();
    for (const bad of ['S 1', 'S/1', 'S+1', 'é', '']) {
      expect(parseQr(formatChainQr({ ...chain, chainId: bad })), bad).toBeUndefined();
    }
  });

  it('rejects chain codes that are not 10 upper-case base32 characters', () => {
    for (const bad of ['abcdefgh23', 'ABCDEFGh23', 'ABCDEFGH2', 'ABCDEFGH234', 'ABCDEFGH01', 'ABCDEFGH89', '']) {
      expect(parseQr(formatChainQr({ ...chain, code: bad })), bad).toBeUndefined();
    }
  });

  it('rejects negative, leading-zero, signed, fractional and exponent numbers', () => {
    for (const bad of ['-1', '01', '00', '+1', '1.5', '1e3', ' 1', '0x10', '', '12345678901234567']) {
      expect(parseQr(`QRCA1.C.S1.c1.${bad}.100.ABCDEFGH23`), `seq ${bad}`).toBeUndefined();
      expect(parseQr(`QRCA1.C.S1.c1.3.${bad}.ABCDEFGH23`), `step ${bad}`).toBeUndefined();
      expect(parseQr(`QRCA1.P.S1.entry.${bad}.ABCD`), `projector step ${bad}`).toBeUndefined();
    }
    expect(parseQr('QRCA1.C.S1.c1.0.0.ABCDEFGH23')).toMatchObject({ seq: 0, step: 0 });
  });

  it('accepts exactly the projector kinds and well-formed projector codes', () => {
    for (const kind of PROJECTOR_KINDS) {
      expect(parseQr(`QRCA1.P.S1.${kind}.100.ABC234`)).toMatchObject({ kind: 'projector', projectorKind: kind });
    }
    for (const kind of ['Entry', 'ENTRY', 'early_leave', 'earlyleave', 'chain', 'toString', '']) {
      expect(parseQr(`QRCA1.P.S1.${kind}.100.ABC234`), kind).toBeUndefined();
    }
    for (const bad of ['abc234', 'ABC', 'A'.repeat(17), 'ABC-23', '']) {
      expect(parseQr(`QRCA1.P.S1.entry.100.${bad}`), bad).toBeUndefined();
    }
  });

  it('never throws on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        expect(() => parseQr(text)).not.toThrow();
      }),
    );
  });
});

describe('chainQrAt', () => {
  const secret = Buffer.alloc(32, 0x01).toString('base64url');
  const hold = { chainId: 'c1', seq: 3, secret, rotationSeconds: 5 };

  it('produces a payload parseQr accepts, for the step of the given time', async () => {
    const payload = await chainQrAt('S1', hold, 500_000);
    expect(parseQr(payload)).toEqual({
      kind: 'chain',
      sessionId: 'S1',
      chainId: 'c1',
      seq: 3,
      step: 100,
      code: await chainCode(secret, chainCodeMessage('S1', 'c1', 3, 100)),
    });
    // Pinned: first 10 base32 chars of HMAC-SHA256(32 × 0x01, "S1.c1.3.100"), computed with openssl.
    expect(payload).toBe('QRCA1.C.S1.c1.3.100.7TV3UNDO7T');
  });

  it('rotates at the step boundary and only there', async () => {
    expect(await chainQrAt('S1', hold, 504_999)).toBe(await chainQrAt('S1', hold, 500_000));
    expect(await chainQrAt('S1', hold, 505_000)).not.toBe(await chainQrAt('S1', hold, 504_999));
  });

  it('is accepted by parseQr for any valid hold and time', async () => {
    await fc.assert(
      fc.asyncProperty(
        id,
        id,
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: 1, max: 60 }),
        async (sessionId, chainId, seq, bytes, unixMs, rotationSeconds) => {
          const s = Buffer.from(bytes).toString('base64url');
          const parsed = parseQr(await chainQrAt(sessionId, { chainId, seq, secret: s, rotationSeconds }, unixMs));
          expect(parsed).toMatchObject({
            kind: 'chain',
            sessionId,
            chainId,
            seq,
            step: stepAt(unixMs, rotationSeconds),
          });
        },
      ),
      { numRuns: 50 },
    );
  });
});
