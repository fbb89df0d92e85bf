import { FLAG_KINDS, type InsightFigures } from '@qrca/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleFigures } from '../test-support/insight-figures';
import { isKnownFlagKind, summaryMessages, type SummaryMessage } from './insight-prompt';

const figures = sampleFigures;

const text = (messages: SummaryMessage[]): string => messages.map((message) => message.content).join('\n');
const userText = (messages: SummaryMessage[]): string =>
  messages
    .filter((message) => message.role === 'user')
    .map((message) => message.content)
    .join('\n');

/** The flag kinds the user message lists (`- flag <kind>: <n> students`). */
const listedKinds = (messages: SummaryMessage[]): string[] =>
  userText(messages)
    .split('\n')
    .filter((line) => line.startsWith('- flag '))
    .map((line) => line.slice('- flag '.length, line.lastIndexOf(': ')));

describe('summaryMessages', () => {
  it('gives instructions, then the figures as numbers', () => {
    const messages = summaryMessages(figures(), { frozen: true });
    expect(messages.map((message) => message.role)).toEqual(['system', 'user']);
    expect(messages[0]?.content).toMatch(/3 to 5 short sentences/);
    expect(messages[0]?.content).toMatch(/the class/);
    const user = userText(messages);
    expect(user).toContain('31 joined, 29 checked in on entry (27 on time, 2 late)');
    expect(user).toContain('first check-in after 12 s');
    expect(user).toContain('half of the on-time check-ins after 41 s; 90 % after 95.4 s; all after 132 s');
    expect(user).toContain('after 301 s');
    expect(user).toContain('23 classmate chain, 4 projector code, 2 teacher');
    expect(user).toContain('Baton hand-offs: 22, median hold 3.4 s');
    expect(user).toContain('3 (2 entry, 1 exit)');
    expect(user).toContain('5 idle');
    expect(user).toContain('6 holder offline');
    expect(user).toContain('7 holder off the class network');
    expect(user).toContain('after a stall: 8');
    expect(user).toContain('by a classmate: 9; closed by the teacher: 10');
    expect(user).toContain('- flag network_mismatch: 11 students\n- flag too_fast: 12 students');
    expect(user).toContain('Flagged students: 13');
    expect(user).toContain('14 picked; 15 here, 16 not here, 17 unanswered');
    expect(user).toContain('figures are final');
  });

  it('says when the session is still running and when there is nothing to time yet', () => {
    const empty = figures({
      entry: {
        startedAt: null,
        timeTo50Ms: null,
        timeTo90Ms: null,
        timeTo100Ms: null,
        curve: [],
        byMethod: { chain: 0, projector: 0, teacherClose: 0 },
      },
      handOffs: { count: 0, medianMs: null },
    });
    const user = userText(summaryMessages(empty, { frozen: false }));
    expect(user).toContain('still running');
    expect(user).toContain('no on-time check-ins yet');
    expect(user).toContain('no median yet');
    expect(user).not.toContain('first check-in');
  });

  it('sends only the milestones of the curve, not its points, and not the start time', () => {
    const curve = Array.from({ length: 200 }, (_, i) => ({ atMs: 1_000 * (i + 1) + 123, verified: i + 1 }));
    const user = userText(summaryMessages(figures({ entry: { ...figures().entry, curve } }), { frozen: true }));
    expect(user).toContain('first check-in after 1.1 s');
    expect(user).toContain('after 200.1 s');
    expect(user).not.toContain('57.1 s');
    expect(user).not.toContain('2026');
  });

  it('drops keys that are not flag kinds of the contract', () => {
    const byKind = {
      too_fast: 1,
      'ada.lovelace@students.example.edu': 2,
      'Ada Lovelace': 3,
      s_123: 4,
      'off-network': 5,
    };
    const messages = summaryMessages(figures({ flags: { byKind, flaggedStudents: 6 } }), { frozen: true });
    expect(listedKinds(messages)).toEqual(['too_fast']);
    expect(text(messages)).not.toMatch(/lovelace|s_123|off-network/i);
  });

  it('renders numbers that are not finite as unknown', () => {
    const odd = figures({ students: { joined: Number.NaN, verified: Infinity, onTime: 1, late: 0 } });
    expect(userText(summaryMessages(odd, { frozen: true }))).toContain('unknown joined, unknown checked in');
  });
});

/** Text that identifies someone or something: none of it may reach the model. */
const identifying = fc.oneof(
  fc.emailAddress(),
  fc.uuid().map((id) => `student-${id}`),
  fc.uuid().map((id) => `ses_${id.replaceAll('-', '')}`),
  fc
    .tuple(fc.constantFrom('Ada', 'Grace', 'Alan', 'Zoë', "O'Brien"), fc.constantFrom('Lovelace', 'Hopper', 'Turing'))
    .map(([first, last]) => `${first} ${last}`),
  fc.constantFrom('Algebra I — Period 3', 'CS 101: Intro', 's1234567'),
);

const number = fc.oneof(fc.nat(), fc.double(), fc.constantFrom(Number.NaN, Infinity, -Infinity, 1e21));
const duration = fc.option(number, { nil: null });

const figuresWith = (key: fc.Arbitrary<string>, startedAt: fc.Arbitrary<string>): fc.Arbitrary<InsightFigures> =>
  fc.record({
    students: fc.record({ joined: number, verified: number, onTime: number, late: number }),
    entry: fc.record({
      startedAt: fc.option(startedAt, { nil: null }),
      timeTo50Ms: duration,
      timeTo90Ms: duration,
      timeTo100Ms: duration,
      curve: fc.array(fc.record({ atMs: number, verified: number }), { maxLength: 20 }),
      byMethod: fc.record({ chain: number, projector: number, teacherClose: number }),
    }),
    handOffs: fc.record({ count: number, medianMs: duration }),
    chains: fc.record({
      started: number,
      entry: number,
      exit: number,
      stalls: fc.record({ idle: number, holder_offline: number, holder_off_network: number }),
      reseeds: number,
      endedByClassmate: number,
      closedByTeacher: number,
    }),
    flags: fc.record({ byKind: fc.dictionary(key, number, { maxKeys: 8 }), flaggedStudents: number }),
    spotChecks: fc.record({ picked: number, here: number, notHere: number, unanswered: number }),
  });

describe('summaryMessages (properties)', () => {
  it('never carries an identifying flag key or start time, nor an @', () => {
    const key = fc.oneof(identifying, fc.constantFrom('network_mismatch', 'too_fast'));
    fc.assert(
      fc.property(figuresWith(key, identifying), fc.boolean(), (input, frozen) => {
        const all = text(summaryMessages(input, { frozen }));
        expect(all).not.toContain('@');
        for (const leaked of [...Object.keys(input.flags.byKind), input.entry.startedAt ?? '']) {
          if (leaked !== '' && !isKnownFlagKind(leaked)) expect(all).not.toContain(leaked);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('lists exactly the known flag kinds among arbitrary keys (an identifier-like name such as john_smith too)', () => {
    const key = fc.oneof(
      fc.string(),
      fc.string({ unit: 'grapheme' }),
      fc.stringMatching(/^[a-z_]{1,40}$/),
      fc.constantFrom(...FLAG_KINDS),
    );
    fc.assert(
      fc.property(figuresWith(key, fc.string()), fc.boolean(), (input, frozen) => {
        const messages = summaryMessages(input, { frozen });
        const expected = Object.keys(input.flags.byKind)
          .filter((kind) => isKnownFlagKind(kind))
          .sort();
        expect(listedKinds(messages)).toEqual(expected);
        expect(text(messages)).not.toContain('@');
        expect(messages).toHaveLength(2);
      }),
      { numRuns: 300 },
    );
  });
});
