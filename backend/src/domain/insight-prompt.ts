/**
 * The chat messages that ask a language model for a session's insight summary, built from aggregate numbers only:
 * counts, times rendered as seconds, stall reasons and flag kinds — never a name, email, id or title (the figures
 * carry none, and the only text taken from them is a flag kind of the contract's closed list).
 */
import { FLAG_KINDS, type InsightFigures } from '@qrca/contract';

/** One chat message, in the shape chat-completion APIs take. */
export interface SummaryMessage {
  role: 'system' | 'user';
  content: string;
}

/** Whether a key is one of the contract's flag kinds (`network_mismatch`…); any other key is dropped, never sent. */
export const isKnownFlagKind = (kind: string): boolean => (FLAG_KINDS as readonly string[]).includes(kind);

/** What to write: the model's instructions, the same for every session. */
export const SUMMARY_INSTRUCTIONS = [
  'You summarize how one class session checked in, for the teacher who ran it.',
  'Write 3 to 5 short sentences in plain language: no headings, no lists, no jargon.',
  'Use only the numbers given; never invent, estimate or compute numbers that are not there.',
  'Mention anything worth a look: a slow start, chains that stalled, flagged students, and spot-check answers,',
  'especially students not here or not yet answered. When nothing stands out, say so briefly.',
  'Say "the class" or "students"; never refer to anyone by name.',
].join(' ');

/** A count as digits, or `unknown` when it is not a finite number. Throws nothing. */
function count(value: number): string {
  return Number.isFinite(value) ? String(Math.round(value)) : 'unknown';
}

/** Milliseconds as seconds with one decimal (`3.4 s`), or `unknown`. Throws nothing. */
function seconds(ms: number): string {
  return Number.isFinite(ms) ? `${Math.round(ms / 100) / 10} s` : 'unknown';
}

function sessionLine(frozen: boolean): string {
  return frozen ? 'Session: ended; these figures are final.' : 'Session: still running; these figures may change.';
}

function studentsLine({ students }: InsightFigures): string {
  return (
    `Students: ${count(students.joined)} joined, ${count(students.verified)} checked in on entry ` +
    `(${count(students.onTime)} on time, ${count(students.late)} late).`
  );
}

/** The entry's pace as milestones: first and last check-in, and 50 / 90 / 100 % of the on-time ones. */
function entryLine({ entry }: InsightFigures): string {
  const parts: string[] = [];
  const times = entry.curve.map((point) => point.atMs).filter(Number.isFinite);
  if (times.length > 0) {
    parts.push(`first check-in after ${seconds(times.reduce((a, b) => Math.min(a, b)))}`);
  }
  if (entry.timeTo50Ms === null) {
    parts.push('no on-time check-ins yet');
  } else {
    parts.push(`half of the on-time check-ins after ${seconds(entry.timeTo50Ms)}`);
    if (entry.timeTo90Ms !== null) parts.push(`90 % after ${seconds(entry.timeTo90Ms)}`);
    if (entry.timeTo100Ms !== null) parts.push(`all after ${seconds(entry.timeTo100Ms)}`);
  }
  if (times.length > 0) {
    parts.push(`last check-in on entry (late ones included) after ${seconds(times.reduce((a, b) => Math.max(a, b)))}`);
  }
  return `Entry, timed from its start: ${parts.join('; ')}.`;
}

function methodLine({ entry: { byMethod } }: InsightFigures): string {
  return (
    `Checked in on entry by: ${count(byMethod.chain)} classmate chain, ${count(byMethod.projector)} projector code, ` +
    `${count(byMethod.teacherClose)} teacher closing the chain.`
  );
}

function handOffLine({ handOffs }: InsightFigures): string {
  const median = handOffs.medianMs === null ? 'no median yet' : `median hold ${seconds(handOffs.medianMs)}`;
  return `Baton hand-offs: ${count(handOffs.count)}, ${median}.`;
}

function chainLines({ chains }: InsightFigures): string[] {
  return [
    `Chains started: ${count(chains.started)} (${count(chains.entry)} entry, ${count(chains.exit)} exit).`,
    `Chain stalls: ${count(chains.stalls.idle)} idle (no hand-off for a while), ` +
      `${count(chains.stalls.holder_offline)} holder offline, ` +
      `${count(chains.stalls.holder_off_network)} holder off the class network.`,
    `Batons passed on after a stall: ${count(chains.reseeds)}. Chains ended by a classmate: ` +
      `${count(chains.endedByClassmate)}; closed by the teacher: ${count(chains.closedByTeacher)}.`,
  ];
}

/** Flag counts by kind, known kinds only, sorted; one `- flag <kind>: <n> students` line each. */
function flagLines({ flags }: InsightFigures): string[] {
  const kinds = Object.entries(flags.byKind)
    .filter(([kind]) => isKnownFlagKind(kind))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return [
    `Flagged students: ${count(flags.flaggedStudents)} (a student with two flags counts under both kinds).`,
    ...kinds.map(([kind, students]) => `- flag ${kind}: ${count(students)} students`),
  ];
}

function spotCheckLine({ spotChecks }: InsightFigures): string {
  return (
    `Spot checks: ${count(spotChecks.picked)} picked; ${count(spotChecks.here)} here, ` +
    `${count(spotChecks.notHere)} not here, ${count(spotChecks.unanswered)} unanswered.`
  );
}

/**
 * The system and user messages for a summary of `figures` (`frozen`: the session has ended). The user message
 * holds numbers, fixed words and known flag kinds ({@link isKnownFlagKind}) only. Throws nothing.
 */
export function summaryMessages(figures: InsightFigures, context: { readonly frozen: boolean }): SummaryMessage[] {
  const lines = [
    sessionLine(context.frozen),
    studentsLine(figures),
    entryLine(figures),
    methodLine(figures),
    handOffLine(figures),
    ...chainLines(figures),
    ...flagLines(figures),
    spotCheckLine(figures),
  ];
  return [
    { role: 'system', content: SUMMARY_INSTRUCTIONS },
    { role: 'user', content: lines.join('\n') },
  ];
}
