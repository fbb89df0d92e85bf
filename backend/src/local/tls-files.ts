/** PEM certificate and key files: reading them, checking that they belong together, and what a certificate covers. */
import { createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseIp } from '../domain/network';

/** A certificate (or a chain, the server's own first) and its private key, PEM. */
export interface PemPair {
  readonly cert: string;
  readonly key: string;
}

/** Why one file of a pair cannot serve HTTPS. */
export interface PemProblem {
  readonly file: 'cert' | 'key';
  readonly message: string;
}

/** What a certificate says, for the banner and for deciding whether a generated one can be reused. */
export interface CertificateFacts {
  /** SHA-256 of the DER certificate, upper-case hex pairs joined by colons (as browsers show it). */
  readonly fingerprint256: string;
  readonly validFrom: Date;
  readonly validTo: Date;
  /** Issued by itself (browsers warn once per device unless it is trusted by hand). */
  readonly selfSigned: boolean;
  /** The subject alternative names, as OpenSSL prints them (`DNS:localhost, IP Address:127.0.0.1`). */
  readonly subjectAltName: string;
  /** Whether the certificate names `host` (an IP address or a DNS name) among its subject alternative names. */
  covers(host: string): boolean;
}

function readText(file: string): string | { error: string } {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { error: `no such file: ${file}` };
    if (code === 'EACCES' || code === 'EPERM') return { error: `not readable (permission denied): ${file}` };
    if (code === 'EISDIR') return { error: `a directory, not a file: ${file}` };
    return { error: `cannot read ${file} (${code ?? String(error)})` };
  }
}

function parseCertificate(pem: string): X509Certificate | undefined {
  try {
    return new X509Certificate(pem);
  } catch {
    return undefined;
  }
}

function parseKey(pem: string): KeyObject | string {
  try {
    return createPrivateKey(pem);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_MISSING_PASSPHRASE') {
      return 'the key is encrypted: give an unencrypted copy (openssl pkey -in key.pem -out plain-key.pem)';
    }
    return 'not a PEM private key';
  }
}

/**
 * Reads a certificate file and a key file and checks that they can serve HTTPS together: both readable, a
 * certificate (the first of a chain), an unencrypted private key, and the key of that certificate. Never throws.
 */
export function readPemPair(certFile: string, keyFile: string): PemPair | { readonly problems: PemProblem[] } {
  const problems: PemProblem[] = [];
  const cert = readText(certFile);
  const key = readText(keyFile);
  if (typeof cert !== 'string') problems.push({ file: 'cert', message: cert.error });
  if (typeof key !== 'string') problems.push({ file: 'key', message: key.error });
  if (typeof cert !== 'string' || typeof key !== 'string') return { problems };

  const certificate = parseCertificate(cert);
  if (!certificate) problems.push({ file: 'cert', message: `not a PEM certificate: ${certFile}` });
  const privateKey = parseKey(key);
  if (typeof privateKey === 'string') problems.push({ file: 'key', message: `${privateKey}: ${keyFile}` });
  if (certificate && typeof privateKey !== 'string' && !certificate.checkPrivateKey(privateKey)) {
    problems.push({ file: 'key', message: `not the private key of the certificate ${certFile}: ${keyFile}` });
  }
  return problems.length > 0 ? { problems } : { cert, key };
}

/** The facts of a PEM certificate (the first of a chain). @throws Error when it is not a certificate. */
export function certificateFacts(pem: string): CertificateFacts {
  const certificate = new X509Certificate(pem);
  return {
    fingerprint256: certificate.fingerprint256,
    validFrom: new Date(certificate.validFrom),
    validTo: new Date(certificate.validTo),
    // OpenSSL's checkIssued also wants keyCertSign, which a server certificate does not carry.
    selfSigned: certificate.issuer === certificate.subject && certificate.verify(certificate.publicKey),
    subjectAltName: certificate.subjectAltName ?? '',
    covers: (host) =>
      parseIp(host) === undefined ? certificate.checkHost(host) !== undefined : certificate.checkIP(host) !== undefined,
  };
}
