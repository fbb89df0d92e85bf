/**
 * Projector codes: stateless rotating codes from a per-session secret and the time step, so two projectors
 * and a refresh always show valid codes. A QR code (10 base32 characters) and a 6-character typed code (no
 * 0/O/1/I) come from the same HMAC. Accepted by default: the current and previous step, with ±2 s of clock skew
 * (`PROJECTOR_ACCEPT_PREVIOUS_STEPS`, `PROJECTOR_CLOCK_SKEW_MS`).
 */
import { base32, stepAt, type ProjectorKind } from '@qrca/contract';
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Letters and digits a person can type without confusing 0/O or 1/I: exactly 32, so bytes map evenly. */
export const TYPED_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
export const SKEW_MS = 2_000;

/** The session's projector secret: HMAC(server key, `<sessionId>.<nonce>`). */
export function projectorSecret(projectorKey: Uint8Array, sessionId: string, nonce: string): Buffer {
  return createHmac('sha256', projectorKey).update(`${sessionId}.${nonce}`).digest();
}

/** The QR code and typed code of `kind` at `step`. */
export function projectorCodes(
  secret: Uint8Array,
  sessionId: string,
  kind: ProjectorKind,
  step: number,
): { code: string; typed: string } {
  const mac = createHmac('sha256', secret).update(`${sessionId}.${kind}.${step}`).digest();
  const typed = Array.from(mac.subarray(16, 22), (byte) => TYPED_ALPHABET[byte % 32]).join('');
  return { code: base32(mac).slice(0, 10), typed };
}

/**
 * Steps accepted at `nowMs`: from `acceptPreviousSteps` before the current one (less skew) to the current one
 * (plus skew).
 */
export function acceptedSteps(
  nowMs: number,
  rotationSeconds: number,
  skewMs = SKEW_MS,
  acceptPreviousSteps = 1,
): number[] {
  const first = stepAt(nowMs - skewMs, rotationSeconds) - acceptPreviousSteps;
  const last = stepAt(nowMs + skewMs, rotationSeconds);
  return Array.from({ length: last - first + 1 }, (_, i) => first + i);
}

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Which open kind and step a scanned QR code or a typed code is, at `nowMs`: `expired` when it was valid
 * within the last minute, `invalid` otherwise.
 */
export function matchProjectorCode(input: {
  secret: Uint8Array;
  sessionId: string;
  kinds: readonly ProjectorKind[];
  nowMs: number;
  rotationSeconds: number;
  /** Earlier steps accepted (default 1) and clock skew allowed (default {@link SKEW_MS}). */
  acceptPreviousSteps?: number;
  skewMs?: number;
  /** A scanned QR: its kind, step and code. */
  qr?: { kind: ProjectorKind; step: number; code: string };
  /** A typed code. */
  typed?: string;
}): { kind: ProjectorKind; step: number } | 'expired' | 'invalid' {
  const { secret, sessionId, nowMs, rotationSeconds, qr } = input;
  const typed = input.typed?.trim().toUpperCase();
  const accepted = acceptedSteps(nowMs, rotationSeconds, input.skewMs ?? SKEW_MS, input.acceptPreviousSteps ?? 1);
  const recent = Array.from({ length: Math.ceil(60 / rotationSeconds) }, (_, i) => (accepted[0] ?? 0) - 1 - i);
  const kinds = qr ? [qr.kind] : input.kinds;
  const matches = (kind: ProjectorKind, step: number) => {
    const codes = projectorCodes(secret, sessionId, kind, step);
    return qr ? qr.step === step && same(codes.code, qr.code) : typed !== undefined && same(codes.typed, typed);
  };
  for (const kind of kinds) {
    for (const step of accepted) if (matches(kind, step)) return { kind, step };
  }
  for (const kind of kinds) {
    for (const step of recent) if (matches(kind, step)) return 'expired';
  }
  return 'invalid';
}
