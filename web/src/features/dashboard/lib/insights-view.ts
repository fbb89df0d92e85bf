/**
 * How the Insights panel says its figures: durations in plain units, stalls, entry methods and flags as rows in
 * display order, the check-in curve as a sentence (the chart's accessible name) and as a short table.
 */
import type { CurvePoint, InsightFigures } from '@qrca/contract';
import { plural } from '../../../lib/plural';
import { FLAG_ORDER, flagText } from './labels';

/** What a figure without a value shows. */
const NO_VALUE = '—';

/** The panel's fixed sentences (the e2e test reads them too). */
export const SUMMARY_TITLE = 'Summary (written by Azure OpenAI from these numbers only)';
export const SUMMARY_OFF = 'The AI summary is off: this server has no Azure OpenAI settings.';
export const SUMMARY_UNAVAILABLE = 'The AI summary could not be written just now; the numbers above are complete.';
export const FINAL_NOTE = 'Final: the session has ended, these figures no longer change.';

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * A duration in plain units: "under 0.1 s", "0.8 s" and "9.5 s" under 10 s, "42 s", "1 min 05 s", "1 h 02 min";
 * "—" for null (or anything not a finite, non-negative number). Throws nothing.
 */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return NO_VALUE;
  if (ms > 0 && ms < 50) return 'under 0.1 s';
  if (ms < 9_950) {
    const tenths = Math.round(ms / 100) / 10;
    return `${Number.isInteger(tenths) ? String(tenths) : tenths.toFixed(1)} s`;
  }
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${pad2(seconds % 60)} s`;
  // Minutes from the rounded whole minute, so 1 h 59 min 59 s reads "2 h 00 min", not "1 h 60 min".
  const wholeMinutes = Math.round(seconds / 60);
  return `${Math.floor(wholeMinutes / 60)} h ${pad2(wholeMinutes % 60)} min`;
}

/**
 * An axis tick, short: "0", "30 s", "1 min", "1 min 30 s", "1 h", "1 h 15 min" (ticks fall on whole seconds).
 * Throws nothing.
 */
export function formatTick(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds <= 0) return '0';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) {
    const minutes = Math.floor(whole / 60);
    return whole % 60 === 0 ? `${minutes} min` : `${minutes} min ${pad2(whole % 60)} s`;
  }
  const minutes = Math.round(whole / 60);
  return minutes % 60 === 0 ? `${minutes / 60} h` : `${Math.floor(minutes / 60)} h ${pad2(minutes % 60)} min`;
}

/** One line of a breakdown: what, in words, and how many. */
export interface CountRow {
  readonly key: string;
  readonly label: string;
  readonly count: number;
}

const STALL_LABELS: readonly { key: keyof InsightFigures['chains']['stalls']; label: string }[] = [
  { key: 'idle', label: 'No hand-off for a while' },
  { key: 'holder_offline', label: 'Holder offline' },
  { key: 'holder_off_network', label: 'Holder off the class network' },
];

/** Stalls by reason, in words, every reason listed (zeros included). */
export function stallRows(stalls: InsightFigures['chains']['stalls']): CountRow[] {
  return STALL_LABELS.map(({ key, label }) => ({ key, label, count: stalls[key] }));
}

/** Every stall, whatever its reason. */
export const stallTotal = (stalls: InsightFigures['chains']['stalls']): number =>
  Object.values(stalls).reduce((sum, count) => sum + count, 0);

const METHOD_LABELS: readonly { key: keyof InsightFigures['entry']['byMethod']; label: string }[] = [
  { key: 'chain', label: 'Chain' },
  { key: 'projector', label: 'Projector code' },
  { key: 'teacherClose', label: 'Teacher close' },
];

/** Entry check-ins by method, every method listed (zeros included). */
export function methodRows(byMethod: InsightFigures['entry']['byMethod']): CountRow[] {
  return METHOD_LABELS.map(({ key, label }) => ({ key, label, count: byMethod[key] }));
}

/**
 * The flags students carry, with their badge label: known kinds in the console's order, then unknown ones by name;
 * kinds nobody carries left out.
 */
export function flagRows(byKind: Readonly<Record<string, number>>): CountRow[] {
  const order = (kind: string) => {
    const at = (FLAG_ORDER as readonly string[]).indexOf(kind);
    return at === -1 ? FLAG_ORDER.length : at;
  };
  return Object.entries(byKind)
    .filter(([, count]) => count > 0)
    .sort(([a], [b]) => order(a) - order(b) || a.localeCompare(b))
    .map(([kind, count]) => ({ key: kind, label: flagText(kind).label, count }));
}

/** "1 student", "3 students". */
export const students = (n: number): string => plural(n, 'student', 'students');

/**
 * The check-in curve in one sentence, the chart's accessible name: "Check-ins over time: 50 % after 42 s, 90 %
 * after 1 min 10 s, all 57 after 1 min 31 s." Late check-ins, when the curve has any, are added after the on-time
 * ones. Throws nothing.
 */
export function curveSentence(figures: InsightFigures): string {
  const { entry, students: people } = figures;
  const last = entry.curve.at(-1);
  if (!last) return 'Check-ins over time: nobody has checked in yet.';
  const parts: string[] = [];
  if (entry.timeTo50Ms !== null) parts.push(`50 % after ${formatDuration(entry.timeTo50Ms)}`);
  if (entry.timeTo90Ms !== null) parts.push(`90 % after ${formatDuration(entry.timeTo90Ms)}`);
  const moreAfter = last.verified > people.onTime;
  if (entry.timeTo100Ms !== null) {
    const all = moreAfter ? `all ${people.onTime} on time` : `all ${people.onTime}`;
    parts.push(`${all} after ${formatDuration(entry.timeTo100Ms)}`);
  }
  if (moreAfter || parts.length === 0) parts.push(`${last.verified} in all after ${formatDuration(last.atMs)}`);
  return `Check-ins over time: ${parts.join(', ')}.`;
}

/** One row of the curve's table: the time since entry began, in words, and how many were checked in by then. */
export interface CurveRow {
  readonly atMs: number;
  readonly time: string;
  readonly verified: number;
}

/** At most this many rows in the curve's table. */
export const MAX_CURVE_ROWS = 20;

/**
 * The curve's table: every point when there are at most `max`, else `max` points spread evenly over it, always with
 * the first and the last. Throws nothing.
 */
export function sampleCurve(curve: readonly CurvePoint[], max = MAX_CURVE_ROWS): CurveRow[] {
  const limit = Math.max(2, Math.floor(max));
  const picked =
    curve.length <= limit
      ? curve
      : [...new Set(Array.from({ length: limit }, (_, i) => Math.round((i * (curve.length - 1)) / (limit - 1))))].map(
          (index) => curve[index] as CurvePoint,
        );
  return picked.map((point) => ({ atMs: point.atMs, time: formatDuration(point.atMs), verified: point.verified }));
}

/**
 * The chart's series: seconds since entry began and students checked in by then, starting from nobody at 0 when
 * the curve starts later, and held level a little past the last point (5 % of the time shown, at least a second),
 * so that a last step — or a class that came in all at once — shows as a line. Empty without points.
 */
export function chartSeries(curve: readonly CurvePoint[]): [number[], number[]] {
  if (curve.length === 0) return [[], []];
  const xs = curve.map((point) => Math.max(0, point.atMs) / 1000);
  const ys = curve.map((point) => point.verified);
  if ((xs[0] as number) > 0) {
    xs.unshift(0);
    ys.unshift(0);
  }
  const lastX = xs.at(-1) as number;
  xs.push(lastX + Math.max(1, lastX * 0.05));
  ys.push(ys.at(-1) as number);
  return [xs, ys];
}
