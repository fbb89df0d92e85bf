/**
 * A session's insights (PRODUCT §8) from its stored facts: attendance rows, chains and the audit log. Pure: the
 * same facts give the same figures, so an ended session's figures, computed once and kept, are those of its end.
 */
import type { AuditEvent, CurvePoint, InsightFigures } from '@qrca/contract';
import type { AttendanceRecord, ChainRecord, SessionRecord } from './records';

/** The curve keeps at most this many points (one per second, merged into even spans beyond). */
export const MAX_CURVE_POINTS = 120;

export interface InsightFacts {
  readonly session: Pick<SessionRecord, 'startAt' | 'startedAt'>;
  readonly rows: readonly AttendanceRecord[];
  readonly chains: readonly ChainRecord[];
  /** The audit log, in any order. */
  readonly events: readonly AuditEvent[];
}

const STALL_PREFIX = 'chain_stalled_';
const STALL_REASONS = ['idle', 'holder_offline', 'holder_off_network'] as const;
/** Events that hand a chain's baton to someone: the hold a later scan takes was issued then. */
const ISSUING = new Set(['chain_started', 'chain_handed', 'chain_reseeded']);

/** The value below which half of `values` lie (the mean of the middle two for an even count); null when empty. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Milliseconds from `start` until `fraction` of the `moments` had happened: the moment of the ceil(n × fraction)-th
 * one, never negative; null without moments. Throws nothing.
 */
export function timeToFraction(moments: readonly number[], fraction: number, start: number): number | null {
  if (moments.length === 0) return null;
  const sorted = [...moments].sort((a, b) => a - b);
  const needed = Math.max(1, Math.ceil(sorted.length * fraction - 1e-9));
  return Math.max(0, (sorted[needed - 1] as number) - start);
}

/**
 * The cumulative count of `moments` after `start`, one point per whole second with any (a moment before `start`
 * counts at 0), merged into at most {@link MAX_CURVE_POINTS} even spans (each keeps its last count). Throws nothing.
 */
export function cumulativeCurve(moments: readonly number[], start: number): CurvePoint[] {
  const seconds = new Map<number, number>();
  for (const moment of moments) {
    const second = Math.max(0, Math.floor((moment - start) / 1000));
    seconds.set(second, (seconds.get(second) ?? 0) + 1);
  }
  let verified = 0;
  const points = [...seconds]
    .sort(([a], [b]) => a - b)
    .map(([second, count]) => ({ atMs: second * 1000, verified: (verified += count) }));
  const last = points.at(-1);
  if (!last || points.length <= MAX_CURVE_POINTS) return points;
  const span = Math.ceil((last.atMs + 1000) / MAX_CURVE_POINTS / 1000) * 1000;
  const merged = new Map<number, CurvePoint>();
  for (const point of points) merged.set(Math.floor(point.atMs / span), point);
  return [...merged.values()];
}

/**
 * When entry began: the first entry chain's start when chains ran, else the session's start (`startedAt`, or the
 * scheduled `startAt`). Throws nothing.
 */
function entryStart(facts: InsightFacts): number {
  const starts = facts.chains.filter((c) => c.phase === 'entry').map((c) => Date.parse(c.startedAt));
  if (starts.length > 0) return Math.min(...starts);
  return Date.parse(facts.session.startedAt ?? facts.session.startAt);
}

/**
 * How long each accepted baton scan's holder had held it: from the event that issued the hold (the chain's start,
 * a teacher's hand or a reseed, or the hand-off before) to the scan. Events without a chain are skipped.
 */
function holdTimes(events: readonly AuditEvent[]): number[] {
  const issuedAt = new Map<string, number>();
  const times: number[] = [];
  const ordered = [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const event of ordered) {
    if (!event.chainId) continue;
    const at = Date.parse(event.at);
    if (event.kind === 'teacher' && ISSUING.has(event.outcome)) issuedAt.set(event.chainId, at);
    if (isHandOff(event)) {
      const since = issuedAt.get(event.chainId);
      if (since !== undefined) times.push(Math.max(0, at - since));
      issuedAt.set(event.chainId, at);
    }
  }
  return times;
}

const isHandOff = (event: AuditEvent) =>
  event.kind === 'scan' && event.flow === 'chain' && event.outcome === 'accepted';

/** The figures of {@link InsightFiguresSchema} from the facts (see its field comments). Throws nothing. */
export function computeInsights(facts: InsightFacts): InsightFigures {
  const { rows, chains, events } = facts;
  const checkedIn = rows.filter((row) => row.entry !== null && row.entryAt !== null);
  const onTime = checkedIn.filter((row) => row.entry === 'on_time').map((row) => Date.parse(row.entryAt as string));
  const start = entryStart(facts);
  const teacherEvents = events.filter((event) => event.kind === 'teacher');
  const count = (outcome: string) => teacherEvents.filter((event) => event.outcome === outcome).length;
  const byKind: Record<string, number> = {};
  for (const row of rows) for (const flag of new Set(row.flags)) byKind[flag] = (byKind[flag] ?? 0) + 1;
  const marks = rows.flatMap((row) => (row.spotCheck ? [row.spotCheck] : []));
  return {
    students: {
      joined: rows.filter((row) => row.joinedAt !== null).length,
      verified: checkedIn.length,
      onTime: onTime.length,
      late: checkedIn.filter((row) => row.entry === 'late').length,
    },
    entry: {
      startedAt: facts.session.startedAt === null && chains.length === 0 ? null : new Date(start).toISOString(),
      timeTo50Ms: timeToFraction(onTime, 0.5, start),
      timeTo90Ms: timeToFraction(onTime, 0.9, start),
      timeTo100Ms: timeToFraction(onTime, 1, start),
      curve: cumulativeCurve(
        checkedIn.map((row) => Date.parse(row.entryAt as string)),
        start,
      ),
      byMethod: {
        chain: checkedIn.filter((row) => row.entryMethod === 'chain').length,
        projector: checkedIn.filter((row) => row.entryMethod === 'projector').length,
        teacherClose: checkedIn.filter((row) => row.entryMethod === 'teacher_close').length,
      },
    },
    handOffs: { count: events.filter(isHandOff).length, medianMs: median(holdTimes(events)) },
    chains: {
      started: chains.length,
      entry: chains.filter((c) => c.phase === 'entry').length,
      exit: chains.filter((c) => c.phase === 'exit').length,
      stalls: {
        idle: count(`${STALL_PREFIX}${STALL_REASONS[0]}`),
        holder_offline: count(`${STALL_PREFIX}${STALL_REASONS[1]}`),
        holder_off_network: count(`${STALL_PREFIX}${STALL_REASONS[2]}`),
      },
      reseeds: count('chain_reseeded'),
      endedByClassmate: chains.filter((c) => typeof c['endedBy'] === 'string').length,
      closedByTeacher: count('chain_closed'),
    },
    flags: { byKind, flaggedStudents: rows.filter((row) => row.flags.length > 0).length },
    spotChecks: {
      picked: marks.length,
      here: marks.filter((mark) => mark.answer === 'here').length,
      notHere: marks.filter((mark) => mark.answer === 'not_here').length,
      unanswered: marks.filter((mark) => mark.answer === null).length,
    },
  };
}
