/**
 * The attendance list as the dashboard keeps it in the query cache: rows by student id plus their order, and
 * the counts. Real-time rows are applied in batches; each row is one Map write, and unchanged rows keep their
 * identity (so memoised table rows do not re-render).
 */
import type { AttendanceCounts, AttendanceResponse, AttendanceRow } from '@qrca/contract';

/** The cached attendance list. Treat as immutable: every change makes a new state. */
export interface AttendanceState {
  readonly counts: AttendanceCounts;
  readonly byId: ReadonlyMap<string, AttendanceRow>;
  /** Student ids in the server's order; new students are appended. */
  readonly ids: readonly string[];
}

/** The state of a `GET …/attendance` answer. Throws nothing. */
export function toAttendanceState(response: AttendanceResponse): AttendanceState {
  const byId = new Map<string, AttendanceRow>();
  for (const row of response.rows) byId.set(row.studentId, row);
  return { counts: response.counts, byId, ids: [...byId.keys()] };
}

/**
 * `state` with `rows` replaced or inserted (by student id) and, when given, the new counts; a row older than
 * the one shown (a lower `version`) is skipped. Returns `state` itself when nothing changes. One Map copy per batch, O(1) per row. Throws nothing.
 */
export function applyAttendanceChanges(
  state: AttendanceState,
  rows: Iterable<AttendanceRow>,
  counts?: AttendanceCounts,
): AttendanceState {
  let byId: Map<string, AttendanceRow> | undefined;
  let added: string[] | undefined;
  for (const row of rows) {
    const current = (byId ?? state.byId).get(row.studentId);
    // A delta older than what the list shows (queued before a fresher snapshot) is not news.
    if (current && (row.version ?? 0) < (current.version ?? 0)) continue;
    byId ??= new Map(state.byId);
    if (!current) (added ??= []).push(row.studentId);
    byId.set(row.studentId, row);
  }
  if (!byId && !counts) return state;
  return {
    counts: counts ?? state.counts,
    byId: byId ?? state.byId,
    ids: added ? [...state.ids, ...added] : state.ids,
  };
}

/** The rows in order. O(n). Throws nothing. */
export function rowsOf(state: AttendanceState): AttendanceRow[] {
  const rows: AttendanceRow[] = [];
  for (const id of state.ids) {
    const row = state.byId.get(id);
    if (row) rows.push(row);
  }
  return rows;
}
