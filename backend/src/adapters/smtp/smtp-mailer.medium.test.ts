import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerError } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Mailer } from '../../ports/mailer';
import { createSmtpMailer, SmtpSendError } from './smtp-mailer';

const FROM = 'QR Chain Attendance <no-reply@example.edu>';
const noSleep = async (): Promise<void> => undefined;

interface Received {
  readonly mailFrom: string;
  readonly rcptTo: string[];
  readonly raw: string;
}

/** Every message the server accepted, and RCPT TO / DATA attempts per recipient (accepted or not). */
const received: Received[] = [];
const rcptAttempts = new Map<string, number>();
const dataAttempts = new Map<string, number>();

function smtpError(responseCode: number, message: string): SMTPServerError {
  return Object.assign(new Error(message), { responseCode });
}

function bump(counts: Map<string, number>, key: string): number {
  const next = (counts.get(key) ?? 0) + 1;
  counts.set(key, next);
  return next;
}

/**
 * Behaviour by recipient local part: `reject@` → 550 to RCPT; `rcpt-busy@` → 451 to the first RCPT;
 * `body-busy@` → 451 after the first message body; anything else is accepted.
 */
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onRcptTo(address, _session, callback) {
    const attempt = bump(rcptAttempts, address.address);
    if (address.address.startsWith('reject@')) return callback(smtpError(550, 'No such user here'));
    if (address.address.startsWith('rcpt-busy@') && attempt === 1) {
      return callback(smtpError(451, 'Try again later'));
    }
    callback();
  },
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      const rcptTo = session.envelope.rcptTo.map((rcpt) => rcpt.address);
      const first = rcptTo[0] ?? '';
      if (first.startsWith('body-busy@') && bump(dataAttempts, first) === 1) {
        return callback(smtpError(451, 'Queue write failed, try again later'));
      }
      const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      received.push({ mailFrom, rcptTo, raw: Buffer.concat(chunks).toString('utf8') });
      callback();
    });
  },
});

let port = 0;
let mailer: Mailer;

beforeAll(async () => {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  port = (server.server.address() as AddressInfo).port;
  mailer = createSmtpMailer({ url: `smtp://127.0.0.1:${port}`, from: FROM, retry: { sleep: noSleep } });
});

afterAll(async () => {
  await mailer.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/** Splits a raw RFC 5322 message into unfolded headers (lower-case names) and its body. */
function parseMessage(raw: string): { headers: Map<string, string>; body: string } {
  const split = raw.indexOf('\r\n\r\n');
  const head = raw.slice(0, split).replace(/\r\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of head.split('\r\n')) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(split + 4) };
}

/** A port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
  const { port: free } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return free;
}

describe('SMTP mailer', () => {
  it('delivers a plain-text message with To, From, Subject and body, and no tracking headers', async () => {
    expect(mailer.kind).toBe('smtp');
    const text = 'Your sign-in code is 123456.\nIt expires in 10 minutes.';
    await mailer.send({ to: 'student@example.edu', subject: 'Your sign-in code', text, code: '123456' });

    const message = received.find((m) => m.rcptTo.includes('student@example.edu'));
    expect(message).toBeDefined();
    if (!message) return;
    expect(message.mailFrom).toBe('no-reply@example.edu');
    const { headers, body } = parseMessage(message.raw);
    expect(headers.get('to')).toBe('student@example.edu');
    expect(headers.get('from')).toBe(FROM);
    expect(headers.get('subject')).toBe('Your sign-in code');
    expect(headers.get('content-type')).toMatch(/^text\/plain\b/);
    expect(body.replace(/\r\n/g, '\n').trimEnd()).toBe(text);
    expect([...headers.keys()].filter((name) => name.startsWith('x-'))).toEqual([]);
  });

  it('rejects a 550 to RCPT without retrying', async () => {
    const send = mailer.send({ to: 'reject@example.edu', subject: 'Hi', text: 'Hello' });
    await expect(send).rejects.toBeInstanceOf(SmtpSendError);
    await expect(send).rejects.toMatchObject({ code: 'EENVELOPE', responseCode: 550, status: undefined });
    expect(rcptAttempts.get('reject@example.edu')).toBe(1);
  });

  it('retries a 451 to RCPT (nothing was accepted) and then delivers', async () => {
    const retries: number[] = [];
    const flaky = createSmtpMailer({
      url: `smtp://127.0.0.1:${port}`,
      from: FROM,
      retry: { sleep: noSleep, onRetry: ({ attempt }) => retries.push(attempt) },
    });
    await flaky.send({ to: 'rcpt-busy@example.edu', subject: 'Second time lucky', text: 'Hello again' });
    await flaky.close();

    expect(rcptAttempts.get('rcpt-busy@example.edu')).toBe(2);
    expect(retries).toEqual([1]);
    const delivered = received.filter((m) => m.rcptTo.includes('rcpt-busy@example.edu'));
    expect(delivered).toHaveLength(1);
    expect(parseMessage(delivered[0]?.raw ?? '').headers.get('subject')).toBe('Second time lucky');
  });

  it('does not retry a 451 after the message body (the relay might still deliver it)', async () => {
    const send = mailer.send({ to: 'body-busy@example.edu', subject: 'Hi', text: 'Hello' });
    await expect(send).rejects.toMatchObject({ code: 'EMESSAGE', responseCode: 451, status: undefined });
    expect(dataAttempts.get('body-busy@example.edu')).toBe(1);
    expect(received.filter((m) => m.rcptTo.includes('body-busy@example.edu'))).toEqual([]);
  });

  it('rejects with ECONNREFUSED when nothing listens, after retrying (the message cannot have gone)', async () => {
    const retries: number[] = [];
    const nowhere = createSmtpMailer({
      url: `smtp://127.0.0.1:${await closedPort()}`,
      from: FROM,
      retry: { maxAttempts: 3, sleep: noSleep, onRetry: ({ attempt }) => retries.push(attempt) },
    });
    const send = nowhere.send({ to: 'student@example.edu', subject: 'Hi', text: 'Hello' });
    await expect(send).rejects.toMatchObject({ name: 'SmtpSendError', code: 'ECONNREFUSED' });
    expect(retries).toEqual([1, 2]);
    await nowhere.close();
  });
});
