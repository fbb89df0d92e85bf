/**
 * Development outbox: a Mailer that keeps messages instead of sending them. Storage: `<dataDir>/outbox.json`,
 * a JSON array of OutboxMessage, newest first, at most 200; replaced whole (temp file + rename) on each send.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { OutboxMessage } from '@qrca/contract';
import { OutboxMessageSchema } from '@qrca/contract';
import type { Clock } from '../../ports/clock';
import { systemClock } from '../../ports/clock';
import type { Mailer, MailMessage, OutboxReader } from '../../ports/mailer';

/** Most messages kept; older ones are dropped on the next send. */
export const OUTBOX_LIMIT = 200;

export interface DevOutboxOptions {
  /** Directory holding `outbox.json`; created on the first send. */
  readonly dataDir: string;
  /** Source of `sentAt`; default the system clock. */
  readonly clock?: Clock;
  /** Where the one-line notice of each send goes; default console.log. */
  readonly print?: (line: string) => void;
}

// eslint-disable-next-line no-console -- the outbox exists to show codes on the developer's terminal
const printToConsole = (line: string): void => console.log(line);

/** Pending writes per outbox file, so every DevOutbox of this process on one directory queues behind the others. */
const writeChains = new Map<string, Promise<void>>();

/** Reads the outbox file; a missing, unreadable or malformed file (or entry) counts as empty. */
async function readMessages(file: string): Promise<OutboxMessage[]> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  return parsed.flatMap((entry: unknown) => {
    const result = OutboxMessageSchema.safeParse(entry);
    return result.success ? [result.data] : [];
  });
}

/** Replaces `file` atomically: a crash leaves either the old or the new content, never a torn file. */
async function writeAtomically(file: string, content: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomUUID()}.tmp`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(content, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/**
 * Mailer + OutboxReader for development: keeps the newest 200 messages (with their sign-in codes) in
 * `outbox.json` and prints one line per message. Never wired up in production.
 */
export class DevOutbox implements Mailer, OutboxReader {
  readonly kind = 'outbox' as const;
  private readonly dataDir: string;
  private readonly file: string;
  private readonly clock: Clock;
  private readonly print: (line: string) => void;

  constructor(options: DevOutboxOptions) {
    this.dataDir = resolve(options.dataDir);
    this.file = join(this.dataDir, 'outbox.json');
    this.clock = options.clock ?? systemClock;
    this.print = options.print ?? printToConsole;
  }

  /**
   * Stores the message (newest first, capped at 200) and prints `[dev outbox] to <to>: <subject> — code <code>`.
   * @throws the file system error when the directory or file cannot be written (the outbox is left unchanged).
   */
  async send(message: MailMessage): Promise<void> {
    const stored: OutboxMessage = {
      to: message.to,
      subject: message.subject,
      text: message.text,
      ...(message.code === undefined ? {} : { code: message.code }),
      sentAt: new Date(this.clock.now()).toISOString(),
    };
    await this.enqueue(async () => {
      const messages = await readMessages(this.file);
      await mkdir(this.dataDir, { recursive: true });
      await writeAtomically(this.file, JSON.stringify([stored, ...messages].slice(0, OUTBOX_LIMIT), null, 2));
    });
    const code = stored.code === undefined ? '' : ` — code ${stored.code}`;
    this.print(`[dev outbox] to ${stored.to}: ${stored.subject}${code}`);
  }

  /** Messages newest first, only those to `to` (case-insensitive) when given. Never throws for a bad file. */
  async list(to?: string): Promise<OutboxMessage[]> {
    const messages = await readMessages(this.file);
    if (to === undefined) return messages;
    const wanted = to.trim().toLowerCase();
    return messages.filter((message) => message.to.trim().toLowerCase() === wanted);
  }

  /** Waits for pending writes; the outbox holds no other resources. */
  async close(): Promise<void> {
    await (writeChains.get(this.file) ?? Promise.resolve());
  }

  /** Runs `write` after every earlier write to this file has settled; a failed write does not block later ones. */
  private enqueue(write: () => Promise<void>): Promise<void> {
    const previous = writeChains.get(this.file) ?? Promise.resolve();
    const result = previous.then(write);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    writeChains.set(this.file, settled);
    void settled.then(() => {
      if (writeChains.get(this.file) === settled) writeChains.delete(this.file);
    });
    return result;
  }
}
