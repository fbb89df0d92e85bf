/** Mailer port: sends plain-text email. Adapters: SMTP (`SMTP_URL`) and the development outbox. */
import type { OutboxMessage } from '@qrca/contract';

export interface MailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  /** The sign-in code the message carries; only the development outbox keeps it (for `GET /api/dev/outbox`). */
  readonly code?: string;
}

export interface Mailer {
  readonly kind: 'smtp' | 'outbox';
  /** @throws when the message could not be handed over (after the adapter's retries). */
  send(message: MailMessage): Promise<void>;
  close(): Promise<void>;
}

/** The development outbox's read side. */
export interface OutboxReader {
  /** Messages newest first, optionally only those to `to` (case-insensitive). */
  list(to?: string): Promise<OutboxMessage[]>;
}
