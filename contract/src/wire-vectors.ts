/**
 * Test vectors of the chain QR wire format (docs/api.md): what a holder's phone must show for a hold at a time.
 * Computed once with the server's own derivation (backend/src/domain/rotating-code.ts); every client checks
 * itself against them, and the backend checks them against its code check.
 */
export interface ChainVector {
  readonly sessionId: string;
  readonly chainId: string;
  readonly seq: number;
  /** The hold's 32 secret bytes, base64url without padding (as GET …/me returns it). */
  readonly secret: string;
  readonly rotationSeconds: number;
  readonly unixMs: number;
  readonly payload: string;
}

export const chainVectors: readonly ChainVector[] = [
  {
    sessionId: 'S3ss10n-Id_0001',
    chainId: 'cAbC123',
    seq: 1,
    secret: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    rotationSeconds: 5,
    unixMs: 1_790_000_000_000,
    payload: 'QRCA1.C.S3ss10n-Id_0001.cAbC123.1.358000000.LWOBYRVKUZ',
  },
  {
    sessionId: 'hZb2kQ9xLmN4pR7s',
    chainId: 'c_xY-9z',
    seq: 17,
    secret: 'ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze8',
    rotationSeconds: 5,
    unixMs: 1_790_000_004_999,
    payload: 'QRCA1.C.hZb2kQ9xLmN4pR7s.c_xY-9z.17.358000000.LOYBL5C7TC',
  },
  {
    // One millisecond later: the next step, a new code.
    sessionId: 'hZb2kQ9xLmN4pR7s',
    chainId: 'c_xY-9z',
    seq: 17,
    secret: 'ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze8',
    rotationSeconds: 5,
    unixMs: 1_790_000_005_000,
    payload: 'QRCA1.C.hZb2kQ9xLmN4pR7s.c_xY-9z.17.358000001.KD3JCH5CZP',
  },
  {
    sessionId: 'Q',
    chainId: 'c0',
    seq: 9_007_199_254_740_991,
    secret: '__________________________________________8',
    rotationSeconds: 10,
    unixMs: 1_800_000_123_456,
    payload: 'QRCA1.C.Q.c0.9007199254740991.180000012.5ENGRFYOQ5',
  },
];

/**
 * A test vector of a signed scan (docs/api.md, "Device keys and flags"). ECDSA signatures are randomised, so a
 * client cannot reproduce `signature`; it checks that its message matches `message`, that its own signatures
 * verify with `publicKey`, and that this one does. The private key is published here for tests only.
 */
export interface ScanSignatureVector {
  readonly sessionId: string;
  readonly scanId: string;
  readonly signedAt: number;
  readonly payload: string;
  /** The device's public key as registered at sign-in (`deviceKey`). */
  readonly publicKey: { readonly kty: 'EC'; readonly crv: 'P-256'; readonly x: string; readonly y: string };
  /** Its private part `d` (base64url), for tests that sign. */
  readonly privateD: string;
  /** `device.id`: the key's RFC 7638 thumbprint. */
  readonly deviceId: string;
  /** The UTF-8 text that is signed. */
  readonly message: string;
  /** One valid signature: IEEE P1363 r || s, base64url without padding. */
  readonly signature: string;
}

export const scanSignatureVectors: readonly ScanSignatureVector[] = [
  {
    sessionId: 'S3ss10n-Id_0001',
    scanId: 'scan-0001',
    signedAt: 1_790_000_002_500,
    payload: 'QRCA1.C.S3ss10n-Id_0001.cAbC123.1.358000000.LWOBYRVKUZ',
    publicKey: {
      kty: 'EC',
      crv: 'P-256',
      x: 'ZGQrwHKvRG1lUizh9-nftnYCrkPpYwC7OvGSFt0iGak',
      y: 'NIXknAa5Z53hWQQpTFMCWzhOTIz6ZvftuB8bT8xtAsc',
    },
    privateD: 'r3CViQUypL-IC3CsXAzFLOkEq0KOGRH35WaEatyIqoU',
    deviceId: '-Yaw-az1g9R1NxRPhBBhqUBmSzaWofMSrFrj3TgXmQw',
    message: 'QRCA1.S.S3ss10n-Id_0001.scan-0001.1790000002500.QRCA1.C.S3ss10n-Id_0001.cAbC123.1.358000000.LWOBYRVKUZ',
    signature: 'Qbzu7U9z2bP6cXVnL_LbP8m4ZwXUlijepSDFYUR1cI-QdwVKRFthl_RKFHp0zWXvXdGJteD7sPkqzD6v6jNJ0Q',
  },
];
