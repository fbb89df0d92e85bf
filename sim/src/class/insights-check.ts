/**
 * The session's insights (GET …/insights) against what the simulator knows happened: counts exactly, and the
 * entry's times within the request windows the simulator saw (a verification is stored between a scan's sending
 * and its answer; entry starts within the teacher's start-chains request).
 */
import type { InsightFigures } from '@qrca/contract';
import type { Verification } from './hall';
import type { Window } from './truth';
import { timeToFraction } from '../util/stats';

/** What the simulator saw, independent of the server's insights. */
export interface InsightsTruth {
  /** Students whose join was answered. */
  readonly joined: number;
  /** Entry verifications (kind `entry`: on time, `late`: late), with their windows. */
  readonly entry: readonly Pick<Verification, 'kind' | 'method' | 'window'>[];
  /** The teacher's first start of entry chains (null: none ran). */
  readonly entryStart: Window | null;
  /** Chain scans answered as accepted (hand-offs and chain ends). */
  readonly acceptedChainScans: number;
  readonly chainsStarted: { readonly entry: number; readonly exit: number };
  readonly endedByClassmate: number;
  /** Successful "close chain" calls. */
  readonly closedByTeacher: number;
  /** `chainStalled` events the dashboard heard. */
  readonly stalls: number;
  /** Flags by kind in the export (students carrying each). */
  readonly flags: Readonly<Record<string, number>>;
  /** Students named by the spot checks drawn (none answered). */
  readonly spotCheckPicked: number;
}

/**
 * The interval the server's "time to `fraction`" must lie in: the ceil(n × fraction)-th verification, measured
 * from the entry's start, with each moment anywhere in its window. Null without on-time verifications.
 */
export function timeToBounds(
  windows: readonly Window[],
  fraction: number,
  start: Window,
): { readonly min: number; readonly max: number } | null {
  const n = windows.length;
  const min = timeToFraction(
    windows.map((w) => w.from),
    n,
    fraction,
    start.to,
  );
  const max = timeToFraction(
    windows.map((w) => w.to),
    n,
    fraction,
    start.from,
  );
  return min === null || max === null ? null : { min, max };
}

const sameCounts = (a: Readonly<Record<string, number>>, b: Readonly<Record<string, number>>) => {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((key) => (a[key] ?? 0) === (b[key] ?? 0));
};

/** Where the figures differ from the truth (empty: they agree), each as a sentence. Throws nothing. */
export function compareInsights(figures: InsightFigures, truth: InsightsTruth, toleranceMs: number): string[] {
  const problems: string[] = [];
  const expect = (what: string, got: unknown, wanted: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(wanted)) {
      problems.push(`${what}: insights say ${JSON.stringify(got)}, the simulation ${JSON.stringify(wanted)}`);
    }
  };
  const onTime = truth.entry.filter((v) => v.kind === 'entry');
  const method = (m: Verification['method']) => truth.entry.filter((v) => v.method === m).length;
  expect('students', figures.students, {
    joined: truth.joined,
    verified: truth.entry.length,
    onTime: onTime.length,
    late: truth.entry.length - onTime.length,
  });
  expect('check-ins by method', figures.entry.byMethod, {
    chain: method('chain'),
    projector: method('projector'),
    teacherClose: method('teacher_close'),
  });
  expect('check-ins on the curve', figures.entry.curve.at(-1)?.verified ?? 0, truth.entry.length);
  expect('hand-offs', figures.handOffs.count, truth.acceptedChainScans);
  const { chains } = figures;
  expect('chains started', { entry: chains.entry, exit: chains.exit }, truth.chainsStarted);
  expect('chains ended by a classmate', chains.endedByClassmate, truth.endedByClassmate);
  expect('chains closed by the teacher', chains.closedByTeacher, truth.closedByTeacher);
  const stalls = chains.stalls.idle + chains.stalls.holder_offline + chains.stalls.holder_off_network;
  expect('stalls', stalls, truth.stalls);
  if (!sameCounts(figures.flags.byKind, truth.flags)) expect('flags by kind', figures.flags.byKind, truth.flags);
  expect('spot checks', figures.spotChecks, {
    picked: truth.spotCheckPicked,
    here: 0,
    notHere: 0,
    unanswered: truth.spotCheckPicked,
  });
  if (truth.entryStart) {
    const windows = onTime.map((v) => v.window);
    for (const [name, fraction, got] of [
      ['50 %', 0.5, figures.entry.timeTo50Ms],
      ['90 %', 0.9, figures.entry.timeTo90Ms],
      ['100 %', 1, figures.entry.timeTo100Ms],
    ] as const) {
      const bounds = timeToBounds(windows, fraction, truth.entryStart);
      if (bounds === null || got === null) {
        expect(`time to ${name}`, got, bounds);
        continue;
      }
      if (got < bounds.min - toleranceMs || got > bounds.max + toleranceMs) {
        problems.push(`time to ${name}: insights say ${got} ms, the simulation saw ${bounds.min}–${bounds.max} ms`);
      }
    }
  }
  return problems;
}
