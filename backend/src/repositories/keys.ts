/** Row keys derived from personal data: a hash, so emails never become table keys (nor hit key-character rules). */
import { createHash } from 'node:crypto';

/** base64url(SHA-256(normalised email)). */
export function emailKey(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('base64url');
}
