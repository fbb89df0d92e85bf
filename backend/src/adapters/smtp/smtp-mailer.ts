/** SMTP mailer adapter: hands plain-text messages to the relay at `SMTP_URL` via nodemailer; stores nothing. */
import { createTransport } from 'nodemailer';
import type { Mailer, MailMessage } from '../../ports/mailer';
import type { RetryOptions } from '../../utils/retry';
import { retry } from '../../utils/retry';

export interface SmtpMailerOptions {
  /** Connection URL, e.g. `smtps://user:pass@smtp.example.edu:465` or `smtp://127.0.0.1:2525`. */
  readonly url: string;
  /** The From header, e.g. `QR Chain Attendance <no-reply@example.edu>`. */
  readonly from: string;
  /** Backoff tuning (tests inject `sleep`); sends are always treated as non-idempotent. */
  readonly retry?: Omit<RetryOptions, 'idempotent'>;
}

/** Codes of failures that happened before a connection existed, so nothing can have been handed over. */
const NOT_CONNECTED_CODES = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH']);

/**
 * A failed SMTP send, shaped for `retry`'s classifier: `status` 503 marks "the relay refused it for now,
 * nothing was accepted" (retried), `code` keeps a pre-connection socket code (ECONNREFUSED …) or nodemailer's
 * own code (ECONNECTION, ETIMEDOUT, EENVELOPE …), which non-idempotent retries ignore.
 */
export class SmtpSendError extends Error {
  override readonly name = 'SmtpSendError';
  readonly code: string | undefined;
  readonly status: number | undefined;
  /** The SMTP reply code, when the relay answered. */
  readonly responseCode: number | undefined;
  /** The SMTP command in flight (`RCPT TO`, `DATA`, `CONN` …). */
  readonly command: string | undefined;

  constructor(
    message: string,
    fields: { code?: string; status?: number; responseCode?: number; command?: string },
    cause: unknown,
  ) {
    super(message, { cause });
    this.code = fields.code;
    this.status = fields.status;
    this.responseCode = fields.responseCode;
    this.command = fields.command;
  }
}

function stringField(error: object, key: string): string | undefined {
  const value = (error as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * Maps a nodemailer error to an SmtpSendError. A 4xx reply to anything but the message body (greeting, MAIL,
 * RCPT, the DATA command, a 421 shutdown) means the relay has not taken the message → status 503. A 4xx after
 * the body (nodemailer's EMESSAGE) is left unretried: RFC 5321 calls it a refusal, but relays that time out
 * while queueing sometimes deliver anyway. Resets and timeouts mid-session may have delivered, so they keep a
 * code `retry` does not retry for non-idempotent calls; 5xx replies are permanent.
 */
export function toSmtpSendError(error: unknown): SmtpSendError {
  if (typeof error !== 'object' || error === null) return new SmtpSendError(String(error), {}, error);
  const message = error instanceof Error ? error.message : 'SMTP send failed';
  const nodemailerCode = stringField(error, 'code');
  const originalCode = stringField(error, 'originalCode');
  const command = stringField(error, 'command');
  const rawResponseCode = (error as Record<string, unknown>).responseCode;
  const responseCode = typeof rawResponseCode === 'number' ? rawResponseCode : undefined;

  // nodemailer files a refused connection under ESOCKET and keeps the socket's code as `originalCode`.
  const code = originalCode && NOT_CONNECTED_CODES.has(originalCode) ? originalCode : nodemailerCode;
  const deferred = responseCode !== undefined && responseCode >= 400 && responseCode < 500;
  const status = deferred && nodemailerCode !== 'EMESSAGE' ? 503 : undefined;
  return new SmtpSendError(message, { code, status, responseCode, command }, error);
}

/** Nodemailer waits minutes by default; a sign-in request should not. URL query settings win. */
const TIMEOUTS = { connectionTimeout: '10000', greetingTimeout: '10000', socketTimeout: '20000' };

function withTimeouts(url: string): string {
  const parsed = new URL(url);
  for (const [name, value] of Object.entries(TIMEOUTS)) {
    if (!parsed.searchParams.has(name)) parsed.searchParams.set(name, value);
  }
  return parsed.toString();
}

/**
 * Builds the SMTP Mailer (one connection per send). Sends plain text only, adds no tracking headers and logs
 * nothing (bodies carry sign-in codes). `send` retries only failures that prove nothing was accepted.
 * @throws SmtpSendError from `send` when the relay refused the message or could not be reached (after retries).
 * @throws TypeError (from nodemailer) when `url` is not a connection URL (no `scheme://`).
 */
export function createSmtpMailer(options: SmtpMailerOptions): Mailer {
  const transport = createTransport(withTimeouts(options.url));
  return {
    kind: 'smtp',
    async send(message: MailMessage): Promise<void> {
      await retry(
        async () => {
          try {
            await transport.sendMail({
              from: options.from,
              to: message.to,
              subject: message.subject,
              text: message.text,
              xMailer: false,
            });
          } catch (error) {
            throw toSmtpSendError(error);
          }
        },
        { ...options.retry, idempotent: false },
      );
    },
    async close(): Promise<void> {
      transport.close();
    },
  };
}
