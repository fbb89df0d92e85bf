/**
 * The roster table's view of the attendance list: each row's display status and minutes late, and the rows a
 * search, a status filter and a sort select, in order. Pure functions, fast enough to run on every batch of
 * live changes for 1,000 rows.
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

/** Whole minutes (rounded up) a late entry came after on-time entry closed; null when not late. Throws nothing. */
export function minutesLate(row: AttendanceRow, entryClosesAt: string): number | null {
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

/** A comparator for `sort`; rows without the sorted value (no entry, not late) go last either way. */
export function compareRows(sort: RosterSort, context: RosterContext): (a: AttendanceRow, b: AttendanceRow) => number {
  const sign = sort.direction === 'ascending' ? 1 : -1;
  const byName = (a: AttendanceRow, b: AttendanceRow) =>
    collator.compare(nameOf(a), nameOf(b)) ||
    collator.compare(a.email, b.email) ||
    (a.studentId < b.studentId ? -1 : 1);
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

/** The next sort when a column header is pressed: that column ascending, or the other way round. */
export function toggleSort(current: RosterSort, key: SortKey): RosterSort {
  if (current.key !== key) return { key, direction: 'ascending' };
  return { key, direction: current.direction === 'ascending' ? 'descending' : 'ascending' };
}
