import { describe, expect, it } from 'vitest';
import { classifyTransient, retry } from '../../utils/retry';
import { SmtpSendError, toSmtpSendError } from './smtp-mailer';

/** Shaped like the errors nodemailer's SMTP connection hands back. */
function nodemailerError(message: string, fields: Record<string, unknown>): Error {
  return Object.assign(new Error(message), fields);
}

describe('toSmtpSendError', () => {
  it.each([
    ['451 to RCPT', { code: 'EENVELOPE', responseCode: 451, command: 'RCPT TO' }],
    ['452 to RCPT', { code: 'EENVELOPE', responseCode: 452, command: 'RCPT TO' }],
    ['450 to MAIL FROM', { code: 'EENVELOPE', responseCode: 450, command: 'MAIL FROM' }],
    ['451 to the DATA command', { code: 'EENVELOPE', responseCode: 451, command: 'DATA' }],
    ['421 shutdown', { code: 'ECONNECTION', responseCode: 421, command: 'CONN' }],
    ['421 greeting', { code: 'EPROTOCOL', responseCode: 421, command: 'CONN' }],
  ])('marks a %s as not applied (status 503)', (_label, fields) => {
    const mapped = toSmtpSendError(nodemailerError('deferred', fields));
    expect(mapped).toBeInstanceOf(SmtpSendError);
    expect(mapped).toMatchObject({ status: 503, responseCode: fields.responseCode, command: fields.command });
    expect(classifyTransient(mapped)).toBe('not_applied');
  });

  it.each([
    ['550 to RCPT', { code: 'EENVELOPE', responseCode: 550, command: 'RCPT TO' }],
    ['554 after the body', { code: 'EMESSAGE', responseCode: 554, command: 'DATA' }],
    ['451 after the body', { code: 'EMESSAGE', responseCode: 451, command: 'DATA' }],
    ['535 auth failure', { code: 'EAUTH', responseCode: 535, command: 'AUTH PLAIN' }],
    ['reset mid-session', { code: 'ESOCKET', originalCode: 'ECONNRESET', command: 'CONN' }],
    ['unexpected close', { code: 'ECONNECTION', command: 'CONN' }],
    ['timeout', { code: 'ETIMEDOUT', command: 'CONN' }],
  ])('never retries a %s as a non-idempotent send', async (_label, fields) => {
    const mapped = toSmtpSendError(nodemailerError('failed', fields));
    expect(mapped.status).toBeUndefined();
    expect(mapped.code).toBe(fields.code);
    let attempts = 0;
    const send = retry(
      async () => {
        attempts++;
        throw mapped;
      },
      { idempotent: false, sleep: async () => undefined },
    );
    await expect(send).rejects.toBe(mapped);
    expect(attempts).toBe(1);
  });

  it.each(['ECONNREFUSED', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'])(
    'surfaces a pre-connection %s as the code (retried: nothing was sent)',
    (originalCode) => {
      const mapped = toSmtpSendError(nodemailerError('connect failed', { code: 'ESOCKET', originalCode }));
      expect(mapped.code).toBe(originalCode);
      expect(mapped.status).toBeUndefined();
      expect(classifyTransient(mapped)).toBe('not_applied');
    },
  );

  it('keeps the original error as the cause and its message', () => {
    const original = nodemailerError('Mail command failed: 451 busy', { code: 'EENVELOPE', responseCode: 451 });
    const mapped = toSmtpSendError(original);
    expect(mapped.cause).toBe(original);
    expect(mapped.message).toBe('Mail command failed: 451 busy');
    expect(mapped.name).toBe('SmtpSendError');
  });

  it('wraps non-errors without inventing a code', () => {
    expect(toSmtpSendError('boom')).toMatchObject({ message: 'boom', code: undefined, status: undefined });
    expect(classifyTransient(toSmtpSendError(null))).toBeUndefined();
  });
});
