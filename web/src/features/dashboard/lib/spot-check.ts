/**
 * A spot check as the teacher walks through it: the picked students one at a time, the answer given for each,
 * and what to say about it (why a student was picked, how far along, the summary at the end).
 */
import type { SpotCheckAnswer, SpotCheckStudent } from '@qrca/contract';
import { flagText } from './labels';

/** A running spot check. Treat as immutable: every answer makes a new state. */
export interface SpotCheckRun {
  readonly spotCheckId: string;
  readonly students: readonly SpotCheckStudent[];
  /** Answers given so far, by student id. */
  readonly answers: Readonly<Record<string, SpotCheckAnswer>>;
  /** The student shown now (an index into `students`); `students.length` when done. */
  readonly index: number;
}

/** A fresh run of a started spot check. Throws nothing. */
export function startRun(spotCheckId: string, students: readonly SpotCheckStudent[]): SpotCheckRun {
  return { spotCheckId, students, answers: {}, index: 0 };
}

/** The student to ask for now; undefined when every student was answered or skipped. Throws nothing. */
export function currentStudent(run: SpotCheckRun): SpotCheckStudent | undefined {
  return run.students[run.index];
}

/** `run` with `answer` recorded for `studentId` and the next student shown. Throws nothing. */
export function recordAnswer(run: SpotCheckRun, studentId: string, answer: SpotCheckAnswer): SpotCheckRun {
  const index = run.students.findIndex((s) => s.studentId === studentId);
  if (index < 0) return run;
  return { ...run, answers: { ...run.answers, [studentId]: answer }, index: Math.max(run.index, index + 1) };
}

/** `run` with the current student left unanswered and the next one shown. Throws nothing. */
export function skipStudent(run: SpotCheckRun): SpotCheckRun {
  return run.index < run.students.length ? { ...run, index: run.index + 1 } : run;
}

/** "2 of 5" for the student shown now. Throws nothing. */
export function progressText(run: SpotCheckRun): string {
  return `${Math.min(run.index + 1, run.students.length)} of ${run.students.length}`;
}

/** Why the server picked a student, in the console's words for flags. Throws nothing. */
export function pickedBecause(student: Pick<SpotCheckStudent, 'flags'>): string {
  const flags = [...new Set(student.flags)];
  if (flags.length === 0) return 'Picked at random: no flags.';
  const labels = flags.map((flag) => flagText(flag).label);
  return `Flagged — ${labels.join(', ')}: flagged students are picked more often.`;
}

/** The sentence at the end: "3 here, 1 not here (marked absent), 1 skipped." Throws nothing. */
export function summaryText(run: SpotCheckRun): string {
  if (run.students.length === 0) return 'Nobody to spot-check: no student is checked in and counted present yet.';
  const answers = run.students.map((s) => run.answers[s.studentId]);
  const here = answers.filter((a) => a === 'here').length;
  const notHere = answers.filter((a) => a === 'not_here').length;
  const skipped = answers.length - here - notHere;
  const parts = [
    `${here} here`,
    `${notHere} not here${notHere > 0 ? ' (marked absent)' : ''}`,
    ...(skipped > 0 ? [`${skipped} skipped`] : []),
  ];
  return `Spot check done: ${parts.join(', ')}.`;
}
