/**
 * QR wire formats (docs/api.md), shared by every client: parsing, formatting and the rotating chain code.
 * The code uses WebCrypto, available in browsers and Node alike.
 */

export const CHAIN_QR_PREFIX = 'QRCA1.C';
export const PROJECTOR_QR_PREFIX = 'QRCA1.P';
export const PROJECTOR_KINDS = ['entry', 'late', 'early-leave', 'exit'] as const;
export type ProjectorKind = (typeof PROJECTOR_KINDS)[number];

export interface ChainQr {
  readonly kind: 'chain';
  readonly sessionId: string;
  readonly chainId: string;
  readonly seq: number;
  readonly step: number;
  readonly code: string;
}

export interface ProjectorQr {
  readonly kind: 'projector';
  readonly sessionId: string;
  readonly projectorKind: ProjectorKind;
  readonly step: number;
  readonly code: string;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const INTEGER = /^(0|[1-9]\d{0,15})$/;
/** A non-negative integer JavaScript holds exactly. */
const isCount = (text: string) => INTEGER.test(text) && Number.isSafeInteger(Number(text));
const CHAIN_CODE = /^[A-Z2-7]{10}$/;

/** The time step of `unixMs` for codes rotating every `rotationSeconds`. */
export function stepAt(unixMs: number, rotationSeconds: number): number {
  return Math.floor(unixMs / (rotationSeconds * 1000));
}

/** The HMAC message of a chain code: `<sessionId>.<chainId>.<seq>.<step>`. */
export function chainCodeMessage(sessionId: string, chainId: string, seq: number, step: number): string {
  return `${sessionId}.${chainId}.${seq}.${step}`;
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32, upper case, no padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4));
  const bytes = new Uint8Array(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The chain code: the first 10 base32 characters of HMAC-SHA256(secret, message). */
export async function chainCode(secretBase64Url: string, message: string): Promise<string> {
  const key = await crypto.subtle.importKey(
    'raw',
    fromBase64Url(secretBase64Url),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(message)));
  return base32(mac).slice(0, 10);
}

/** `QRCA1.C.<sessionId>.<chainId>.<seq>.<step>.<code>` */
export function formatChainQr(qr: Omit<ChainQr, 'kind'>): string {
  return [CHAIN_QR_PREFIX, qr.sessionId, qr.chainId, qr.seq, qr.step, qr.code].join('.');
}

/** The payload a holder's phone shows at `unixMs` for its hold. */
export async function chainQrAt(
  sessionId: string,
  hold: { chainId: string; seq: number; secret: string; rotationSeconds: number },
  unixMs: number,
): Promise<string> {
  const step = stepAt(unixMs, hold.rotationSeconds);
  const code = await chainCode(hold.secret, chainCodeMessage(sessionId, hold.chainId, hold.seq, step));
  return formatChainQr({ sessionId, chainId: hold.chainId, seq: hold.seq, step, code });
}

/** `QRCA1.P.<sessionId>.<kind>.<step>.<code>` */
export function formatProjectorQr(qr: Omit<ProjectorQr, 'kind'>): string {
  return [PROJECTOR_QR_PREFIX, qr.sessionId, qr.projectorKind, qr.step, qr.code].join('.');
}

/** Parses a scanned payload; undefined when it is not one of ours (never throws). */
export function parseQr(payload: string): ChainQr | ProjectorQr | undefined {
  const parts = payload.trim().split('.');
  if (parts[0] !== 'QRCA1') return undefined;
  if (parts[1] === 'C' && parts.length === 7) {
    const [, , sessionId = '', chainId = '', seq = '', step = '', code = ''] = parts;
    if (!ID.test(sessionId) || !ID.test(chainId) || !isCount(seq) || !isCount(step) || !CHAIN_CODE.test(code)) {
      return undefined;
    }
    return { kind: 'chain', sessionId, chainId, seq: Number(seq), step: Number(step), code };
  }
  if (parts[1] === 'P' && parts.length === 6) {
    const [, , sessionId = '', kind = '', step = '', code = ''] = parts;
    if (
      !ID.test(sessionId) ||
      !PROJECTOR_KINDS.includes(kind as ProjectorKind) ||
      !isCount(step) ||
      !/^[A-Z0-9]{4,16}$/.test(code)
    ) {
      return undefined;
    }
    return { kind: 'projector', sessionId, projectorKind: kind as ProjectorKind, step: Number(step), code };
  }
  return undefined;
}
