import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OutboxMessageSchema } from '@qrca/contract';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../test-support/fake-clock';
import { DevOutbox, OUTBOX_LIMIT } from './dev-outbox';

const root = mkdtempSync(join(tmpdir(), 'qrca-dev-outbox-'));
let dirs = 0;
const freshDir = () => join(root, `outbox-${++dirs}`);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

function build(dataDir = freshDir()) {
  const clock = new FakeClock(Date.UTC(2030, 0, 2, 3, 4, 5));
  const lines: string[] = [];
  const outbox = new DevOutbox({ dataDir, clock, print: (line) => lines.push(line) });
  return { outbox, clock, lines, dataDir };
}

describe('DevOutbox', () => {
  it('lists sent messages newest first, with code and sentAt from the clock', async () => {
    const { outbox, clock } = build();
    await outbox.send({ to: 'a@example.edu', subject: 'First', text: 'Code 111111', code: '111111' });
    clock.advance(1_000);
    await outbox.send({ to: 'b@example.edu', subject: 'Second', text: 'No code here' });

    const messages = await outbox.list();
    expect(messages).toEqual([
      { to: 'b@example.edu', subject: 'Second', text: 'No code here', sentAt: '2030-01-02T03:04:06.000Z' },
      {
        to: 'a@example.edu',
        subject: 'First',
        text: 'Code 111111',
        code: '111111',
        sentAt: '2030-01-02T03:04:05.000Z',
      },
    ]);
    for (const message of messages) expect(OutboxMessageSchema.parse(message)).toEqual(message);
    expect(outbox.kind).toBe('outbox');
  });

  it('filters by recipient case-insensitively', async () => {
    const { outbox } = build();
    await outbox.send({ to: 'Ana@Example.edu', subject: 'one', text: '1' });
    await outbox.send({ to: 'bo@example.edu', subject: 'two', text: '2' });
    await outbox.send({ to: 'ana@example.edu', subject: 'three', text: '3' });

    const forAna = await outbox.list('ANA@example.EDU');
    expect(forAna.map((m) => m.subject)).toEqual(['three', 'one']);
    expect(await outbox.list('nobody@example.edu')).toEqual([]);
  });

  it(`keeps only the newest ${OUTBOX_LIMIT} messages`, async () => {
    const { outbox, dataDir } = build();
    for (let i = 0; i < OUTBOX_LIMIT + 5; i++) {
      await outbox.send({ to: 'x@example.edu', subject: `m${i}`, text: String(i) });
    }
    const messages = await outbox.list();
    expect(messages).toHaveLength(OUTBOX_LIMIT);
    expect(messages[0]?.subject).toBe(`m${OUTBOX_LIMIT + 4}`);
    expect(messages.at(-1)?.subject).toBe('m5');
    const onDisk: unknown = JSON.parse(readFileSync(join(dataDir, 'outbox.json'), 'utf8'));
    expect(Array.isArray(onDisk) && onDisk.length).toBe(OUTBOX_LIMIT);
  });

  it('keeps all of 50 concurrent sends and leaves no temp files behind', async () => {
    const { outbox, dataDir } = build();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) => outbox.send({ to: 'x@example.edu', subject: `m${i}`, text: String(i) })),
    );
    const subjects = (await outbox.list()).map((m) => m.subject);
    expect(subjects).toHaveLength(50);
    expect(new Set(subjects)).toEqual(new Set(Array.from({ length: 50 }, (_, i) => `m${i}`)));
    expect(readdirSync(dataDir)).toEqual(['outbox.json']);
  });

  it('serialises writes across instances on the same directory', async () => {
    const dataDir = freshDir();
    const first = build(dataDir).outbox;
    const second = build(dataDir).outbox;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        (i % 2 === 0 ? first : second).send({ to: 'x@example.edu', subject: `m${i}`, text: String(i) }),
      ),
    );
    expect(await first.list()).toHaveLength(20);
  });

  it('treats a corrupt outbox.json as empty and overwrites it', async () => {
    const { outbox, dataDir } = build();
    await outbox.send({ to: 'x@example.edu', subject: 'before', text: '' });
    writeFileSync(join(dataDir, 'outbox.json'), '[{"to": "x@exa');
    expect(await outbox.list()).toEqual([]);

    await outbox.send({ to: 'x@example.edu', subject: 'after', text: '' });
    expect((await outbox.list()).map((m) => m.subject)).toEqual(['after']);
    expect(() => JSON.parse(readFileSync(join(dataDir, 'outbox.json'), 'utf8')) as unknown).not.toThrow();
  });

  it('drops malformed entries and non-array content', async () => {
    const { outbox, dataDir } = build();
    await outbox.send({ to: 'x@example.edu', subject: 'kept', text: '' });
    const file = join(dataDir, 'outbox.json');
    const valid: unknown = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify([{ to: 1 }, ...(valid as unknown[]), 'junk']));
    expect((await outbox.list()).map((m) => m.subject)).toEqual(['kept']);

    writeFileSync(file, '{"messages": []}');
    expect(await outbox.list()).toEqual([]);
  });

  it('lists nothing before the first send (no file yet)', async () => {
    const { outbox } = build();
    expect(await outbox.list()).toEqual([]);
    expect(await outbox.list('x@example.edu')).toEqual([]);
  });

  it('a new DevOutbox on the same directory sees earlier messages', async () => {
    const { outbox, dataDir } = build();
    await outbox.send({ to: 'x@example.edu', subject: 'persisted', text: 'hello', code: '424242' });
    await outbox.close();

    const reopened = new DevOutbox({ dataDir, print: () => undefined });
    expect(await reopened.list('X@example.edu')).toMatchObject([{ subject: 'persisted', code: '424242' }]);
  });

  it('prints one line per send, with the code when there is one', async () => {
    const { outbox, lines } = build();
    await outbox.send({ to: 'x@example.edu', subject: 'Your sign-in code', text: '...', code: '123456' });
    await outbox.send({ to: 'y@example.edu', subject: 'Welcome', text: '...' });
    expect(lines).toEqual([
      '[dev outbox] to x@example.edu: Your sign-in code — code 123456',
      '[dev outbox] to y@example.edu: Welcome',
    ]);
  });
});
