import { stepAt } from '@qrca/contract';
import { describe, expect, it } from 'vitest';
import { acceptedSteps, matchProjectorCode, projectorCodes, projectorSecret, TYPED_ALPHABET } from './projector-code';

const secret = projectorSecret(new Uint8Array(32).fill(7), 'S1', 'nonce');
const ROTATION = 10;
const T0 = 1_764_147_600_000; // a step boundary (divisible by 10 s)

describe('projector codes', () => {
  it('gives a 10-character QR code and a 6-character typed code without 0, O, 1 or I', () => {
    for (let step = 0; step < 200; step++) {
      const { code, typed } = projectorCodes(secret, 'S1', 'late', step);
      expect(code).toMatch(/^[A-Z2-7]{10}$/);
      expect(typed).toMatch(/^[A-HJ-NP-Z2-9]{6}$/);
      expect([...typed].every((c) => TYPED_ALPHABET.includes(c))).toBe(true);
    }
    expect(projectorCodes(secret, 'S1', 'late', 5)).not.toEqual(projectorCodes(secret, 'S1', 'exit', 5));
    expect(projectorCodes(secret, 'S1', 'late', 5)).not.toEqual(projectorCodes(secret, 'S2', 'late', 5));
  });

  it('accepts the current and previous step with ±2 s of skew', () => {
    const current = stepAt(T0 + 5_000, ROTATION);
    expect(acceptedSteps(T0 + 5_000, ROTATION)).toEqual([current - 1, current]);
    // 1.5 s before the next step begins, a projector whose clock runs 2 s fast already shows the next code.
    expect(acceptedSteps(T0 + 8_500, ROTATION)).toEqual([current - 1, current, current + 1]);
    // 1 s into a step, the code from two steps back is still accepted for a slow projector.
    expect(acceptedSteps(T0 + 1_000, ROTATION)).toEqual([current - 2, current - 1, current]);
  });

  it('narrows to a few seconds: no previous step and a small skew', () => {
    const current = stepAt(T0 + 5_000, ROTATION);
    expect(acceptedSteps(T0 + 5_000, ROTATION, 500, 0)).toEqual([current]);
    // 0.2 s into the next step the code just replaced still counts (skew); 0.6 s in, it is gone.
    expect(acceptedSteps(T0 + 10_200, ROTATION, 500, 0)).toEqual([current, current + 1]);
    expect(acceptedSteps(T0 + 10_600, ROTATION, 500, 0)).toEqual([current + 1]);
    expect(acceptedSteps(T0 + 5_000, ROTATION, 0, 2)).toEqual([current - 2, current - 1, current]);
  });

  it('matches scanned and typed codes, says expired for codes from the last minute, invalid otherwise', () => {
    const now = T0 + 5_000;
    const step = stepAt(now, ROTATION);
    const base = { secret, sessionId: 'S1', kinds: ['late', 'exit'] as const, rotationSeconds: ROTATION };
    const late = projectorCodes(secret, 'S1', 'late', step);
    expect(matchProjectorCode({ ...base, nowMs: now, qr: { kind: 'late', step, code: late.code } })).toEqual({
      kind: 'late',
      step,
    });
    expect(matchProjectorCode({ ...base, nowMs: now, typed: late.typed.toLowerCase() })).toEqual({
      kind: 'late',
      step,
    });
    expect(matchProjectorCode({ ...base, nowMs: now + 10_000, typed: late.typed })).toEqual({ kind: 'late', step });
    expect(matchProjectorCode({ ...base, nowMs: now + 20_000, typed: late.typed })).toBe('expired');
    expect(matchProjectorCode({ ...base, nowMs: now + 20_000, qr: { kind: 'late', step, code: late.code } })).toBe(
      'expired',
    );
    expect(matchProjectorCode({ ...base, nowMs: now + 120_000, typed: late.typed })).toBe('invalid');
    expect(matchProjectorCode({ ...base, nowMs: now, qr: { kind: 'late', step, code: 'AAAAAAAAAA' } })).toBe('invalid');
    expect(matchProjectorCode({ ...base, nowMs: now, qr: { kind: 'late', step: step + 1, code: late.code } })).toBe(
      'invalid',
    );
    const exit = projectorCodes(secret, 'S1', 'exit', step);
    expect(matchProjectorCode({ ...base, nowMs: now, typed: exit.typed })).toEqual({ kind: 'exit', step });
    // A narrow window: the code is gone 0.5 s after it left the screen.
    const narrow = { ...base, acceptPreviousSteps: 0, skewMs: 500 };
    expect(matchProjectorCode({ ...narrow, nowMs: now + 5_400, typed: late.typed })).toEqual({ kind: 'late', step });
    expect(matchProjectorCode({ ...narrow, nowMs: now + 5_600, typed: late.typed })).toBe('expired');
  });
});
