/**
 * The roster table's view of the attendance list: each row's display status and minutes late, and the rows a
 * search, a status filter and a sort select, in order. Pure functions. Live changes come in batches of a few
 * rows (50 a second in a big class, applied every 100 ms): {@link updateRosterView} carries the previous view
 * forward with only those rows looked at, instead of filtering and sorting all 1,000 again.
 */
import type { AttendanceRow } from '@qrca/contract';
import type { DisplayStatus } from './labels';

/** The status filter's choices. */
export const ROSTER_FILTERS = [
  'all',
  'waiting',
  'present',
  'late',
  'early_leave',
  'left_early',
  'absent',
  'flagged',
] as const;
export type RosterFilter = (typeof ROSTER_FILTERS)[number];

export const SORT_KEYS = ['name', 'status', 'entry', 'minutesLate'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDirection = 'ascending' | 'descending';

export interface RosterSort {
  readonly key: SortKey;
  readonly direction: SortDirection;
}

export interface RosterQuery {
  readonly search: string;
  readonly filter: RosterFilter;
  readonly sort: RosterSort;
}

/** What the view depends on besides the rows. */
export interface RosterContext {
  /** The session's `entryClosesAt`: minutes late count from it. */
  readonly entryClosesAt: string;
  /** Once ended, nobody is "waiting" any more: the frozen final status shows. */
  readonly ended: boolean;
}

/**
 * The status a row shows: a teacher's override, else "waiting" for a joined student not verified on entry
 * (while the session runs), else the final status. Throws nothing.
 */
export function displayStatus(row: AttendanceRow, ended: boolean): DisplayStatus {
  if (row.override) return row.override.final;
  if (!ended && row.joined && row.entry === null) return 'waiting';
  return row.final;
}

/**
 * Whole minutes a late entry came after the class began, as the server says (the export's figure); from an
 * older server without it, minutes (rounded up) after on-time entry closed. Null when not late. Throws nothing.
 */
export function minutesLate(row: AttendanceRow, entryClosesAt: string): number | null {
  if (row.minutesLate !== undefined) return row.minutesLate;
  if (row.entry !== 'late' || !row.entryAt) return null;
  const late = Date.parse(row.entryAt) - Date.parse(entryClosesAt);
  if (Number.isNaN(late)) return null;
  return Math.max(0, Math.ceil(late / 60_000));
}

/** Lower case without accents, for matching what people type against names. */
export function foldForSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}

// Folding 1,000 names on every batch would be wasted: rows keep their identity until they change.
const searchKeys = new WeakMap<AttendanceRow, string>();
function searchKeyOf(row: AttendanceRow): string {
  let key = searchKeys.get(row);
  if (key === undefined) {
    key = foldForSearch(`${row.name ?? ''}\n${row.email}`);
    searchKeys.set(row, key);
  }
  return key;
}

/** Whether the row's name or email contains every word of `search` (any case, accents ignored). */
export function matchesSearch(row: AttendanceRow, search: string): boolean {
  const words = foldForSearch(search).split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const key = searchKeyOf(row);
  return words.every((word) => key.includes(word));
}

/** Whether the row passes the status filter. */
export function matchesFilter(row: AttendanceRow, filter: RosterFilter, ended: boolean): boolean {
  if (filter === 'all') return true;
  if (filter === 'flagged') return row.flags.length > 0;
  return displayStatus(row, ended) === filter;
}

/** Display statuses in the order "by status" sorts them: who needs attention first. */
const STATUS_ORDER: Record<DisplayStatus, number> = {
  waiting: 0,
  absent: 1,
  late: 2,
  left_early: 3,
  early_leave: 4,
  present: 5,
};

const collator = new Intl.Collator(undefined, { sensitivity: 'base', numeric: true });
const nameOf = (row: AttendanceRow) => row.name ?? row.email;

/**
 * A comparator for `sort`; rows without the sorted value (no entry, not late) go last either way. A total order:
 * 0 only for two versions of one student's row that sort alike (ties end on the name, the email, the id).
 */
export function compareRows(sort: RosterSort, context: RosterContext): (a: AttendanceRow, b: AttendanceRow) => number {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const byName = (a: AttendanceRow, b: AttendanceRow) =>
    collator.compare(nameOf(a), nameOf(b)) ||
    collator.compare(a.email, b.email) ||
    (a.studentId < b.studentId ? -1 : a.studentId > b.studentId ? 1 : 0);
  const nullsLast = (x: number | null, y: number | null) => {
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    return sign * (x - y);
  };
  switch (sort.key) {
    case 'name':
      return (a, b) => sign * byName(a, b);
    case 'status':
      return (a, b) =>
        sign * (STATUS_ORDER[displayStatus(a, context.ended)] - STATUS_ORDER[displayStatus(b, context.ended)]) ||
        byName(a, b);
    case 'entry': {
      const at = (row: AttendanceRow) => (row.entryAt ? Date.parse(row.entryAt) : null);
      return (a, b) => nullsLast(at(a), at(b)) || byName(a, b);
    }
    case 'minutesLate':
      return (a, b) =>
        nullsLast(minutesLate(a, context.entryClosesAt), minutesLate(b, context.entryClosesAt)) || byName(a, b);
  }
}

/** The rows the query selects, sorted. A new array; `rows` is not changed. Throws nothing. */
export function viewRows(rows: readonly AttendanceRow[], query: RosterQuery, context: RosterContext): AttendanceRow[] {
  const selected = rows.filter(
    (row) => matchesFilter(row, query.filter, context.ended) && matchesSearch(row, query.search),
  );
  return selected.sort(compareRows(query.sort, context));
}

/** The rows a query selects, in order, with what they were computed from (see {@link updateRosterView}). */
export interface RosterView {
  /** The list the view was computed from (rows in the server's order, new students appended). */
  readonly source: readonly AttendanceRow[];
  readonly query: RosterQuery;
  readonly context: RosterContext;
  /** The rows selected, sorted. */
  readonly rows: readonly AttendanceRow[];
  /** The student ids of `rows`, in order: the same array for as long as the order stays the same. */
  readonly order: readonly string[];
}

/** Beyond this many changed rows in one update, a full filter and sort is cheaper than placing each one. */
const INCREMENTAL_MAX_CHANGES = 64;

const sameQuery = (a: RosterQuery, b: RosterQuery) =>
  a.search === b.search && a.filter === b.filter && a.sort.key === b.sort.key && a.sort.direction === b.sort.direction;
const sameContext = (a: RosterContext, b: RosterContext) => a.entryClosesAt === b.entryClosesAt && a.ended === b.ended;

// Where each student is in an order; built when first asked, once per order.
const positions = new WeakMap<readonly string[], ReadonlyMap<string, number>>();

/** The index of `studentId` in `order` (a {@link RosterView}'s), or undefined. O(1) after the first call per order. */
export function positionIn(order: readonly string[], studentId: string): number | undefined {
  let map = positions.get(order);
  if (!map) {
    map = new Map(order.map((id, index) => [id, index]));
    positions.set(order, map);
  }
  return map.get(studentId);
}

function fullView(source: readonly AttendanceRow[], query: RosterQuery, context: RosterContext): RosterView {
  const rows = viewRows(source, query, context);
  return { source, query, context, rows, order: rows.map((row) => row.studentId) };
}

/** The first index of `rows` whose row sorts after `row` (binary search; `rows` sorted by `compare`). */
function insertionPoint(
  rows: readonly AttendanceRow[],
  row: AttendanceRow,
  compare: (a: AttendanceRow, b: AttendanceRow) => number,
): number {
  let low = 0;
  let high = rows.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compare(rows[middle] as AttendanceRow, row) <= 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The view of `source` for `query` and `context`, equal to {@link viewRows}'s, computed from `previous` when
 * only a few rows changed since (rows are compared by identity: unchanged rows keep theirs). A changed row that
 * still matches and sorts the same takes its old place (O(1)); one that moves, enters or leaves is taken out and
 * placed by binary search. The order (`order`) stays the same array when no row moved, entered or left. A
 * different query or context, a shorter or reordered list, or many changes compute the view afresh. Returns
 * `previous` itself when nothing changed. Throws nothing.
 */
export function updateRosterView(
  previous: RosterView | undefined,
  source: readonly AttendanceRow[],
  query: RosterQuery,
  context: RosterContext,
): RosterView {
  if (!previous || !sameQuery(previous.query, query) || !sameContext(previous.context, context)) {
    return fullView(source, query, context);
  }
  if (previous.source === source) return previous;
  const before = previous.source;
  if (source.length < before.length || source.length - before.length > INCREMENTAL_MAX_CHANGES) {
    return fullView(source, query, context);
  }
  // Changed rows (same place in the list, another object) and appended ones.
  const changed: [AttendanceRow | undefined, AttendanceRow][] = [];
  for (let i = 0; i < source.length; i++) {
    const row = source[i] as AttendanceRow;
    const old = before[i];
    if (old === row) continue;
    if (old && old.studentId !== row.studentId) return fullView(source, query, context);
    changed.push([old, row]);
    if (changed.length > INCREMENTAL_MAX_CHANGES) return fullView(source, query, context);
  }
  if (changed.length === 0) return { ...previous, source };

  const compare = compareRows(query.sort, context);
  const matches = (row: AttendanceRow) =>
    matchesFilter(row, query.filter, context.ended) && matchesSearch(row, query.search);
  const inPlace = new Map<number, AttendanceRow>(); // index in the previous view → its new row
  const leaving = new Set<string>();
  const entering: AttendanceRow[] = [];
  for (const [old, row] of changed) {
    const at = old ? positionIn(previous.order, old.studentId) : undefined;
    const shown = matches(row);
    if (at !== undefined && shown && compare(old as AttendanceRow, row) === 0) {
      inPlace.set(at, row);
      continue;
    }
    if (at !== undefined) leaving.add(row.studentId);
    if (shown) entering.push(row);
  }
  if (leaving.size === 0 && entering.length === 0) {
    if (inPlace.size === 0) return { ...previous, source };
    const rows = previous.rows.slice();
    for (const [at, row] of inPlace) rows[at] = row;
    return { source, query, context, rows, order: previous.order };
  }
  const rows: AttendanceRow[] = [];
  previous.rows.forEach((row, at) => {
    if (!leaving.has(row.studentId)) rows.push(inPlace.get(at) ?? row);
  });
  for (const row of entering) rows.splice(insertionPoint(rows, row, compare), 0, row);
  return { source, query, context, rows, order: rows.map((row) => row.studentId) };
}

/** The next sort when a column header is pressed: that column ascending, or the other way round. */
export function toggleSort(current: RosterSort, key: SortKey): RosterSort {
  if (current.key !== key) return { key, direction: 'ascending' };
  return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
}
