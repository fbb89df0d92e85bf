/**
 * The roster table: every student with status, entry (on time / late, time, method), minutes late, exit,
 * early leave, flags (each badge opens its evidence) and override; searchable, filterable, sortable. Virtualised
 * (only the rows in view are in the DOM) with ARIA table semantics (`aria-rowcount`, `aria-rowindex`) so screen
 * readers still hear a table of all rows; rows are memoised, so a live change re-renders only the rows it touched.
 * The view (search, filter, sort) is carried forward from batch to batch (`updateRosterView`): a batch of live
 * changes looks at the rows it changed, not all 1,000, and while no row moves the virtualiser keeps its
 * measurements.
 */
import type { AttendanceRow } from '@qrca/contract';
import { defaultRangeExtractor, useVirtualizer, type Range } from '@tanstack/react-virtual';
import { memo, useCallback, useId, useLayoutEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import {
  ENTRY_METHOD_LABEL,
  FLAG_ORDER,
  flagText,
  formatTime,
  spotCheckLabel,
  STATUS_LABEL,
  type DisplayStatus,
} from '../lib/labels';
import {
  displayStatus,
  minutesLate,
  positionIn,
  ROSTER_FILTERS,
  toggleSort,
  updateRosterView,
  type RosterFilter,
  type RosterSort,
  type RosterView,
  type SortKey,
} from '../lib/roster-view';
import { FlagEvidence, NATIVE_POPOVER, placeNear, type FlagTarget } from './flag-evidence';

const FILTER_LABEL: Record<RosterFilter, string> = {
  all: 'All',
  waiting: 'Waiting',
  present: 'Present',
  late: 'Late',
  early_leave: 'Early leave',
  left_early: 'Left early',
  absent: 'Absent',
  flagged: 'Flagged',
};

const COLUMNS: readonly { label: string; sort?: SortKey }[] = [
  { label: 'Student', sort: 'name' },
  { label: 'Status', sort: 'status' },
  { label: 'Entry', sort: 'entry' },
  { label: 'Minutes late', sort: 'minutesLate' },
  { label: 'Exit' },
  { label: 'Early leave' },
  { label: 'Flags' },
  { label: 'Override' },
];

const ROW_ESTIMATE_PX = 64;

interface RowProps {
  readonly row: AttendanceRow;
  readonly status: DisplayStatus;
  readonly late: number | null;
  readonly index: number;
  readonly start: number;
  readonly measure: (element: HTMLElement | null) => void;
  readonly onOverride: (studentId: string) => void;
  readonly onFocusRow: (studentId: string) => void;
  /** The id of the evidence box each flag badge opens. */
  readonly evidenceId: string;
  readonly onFlag: (event: MouseEvent<HTMLButtonElement>, studentId: string, flag: string) => void;
}

const RosterRow = memo(function RosterRow({
  row,
  status,
  late,
  index,
  start,
  measure,
  onOverride,
  onFocusRow,
  evidenceId,
  onFlag,
}: RowProps) {
  const name = row.name ?? row.email;
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      data-index={index}
      ref={measure}
      className="dash-row"
      style={{ transform: `translateY(${start}px)` }}
      onFocus={() => onFocusRow(row.studentId)}
    >
      <div role="cell" className="dash-cell-student">
        <span className="dash-name">{name}</span>
        {row.name && <span className="dash-email">{row.email}</span>}
        {!row.joined && <span className="dash-email">Not joined</span>}
      </div>
      <div role="cell">
        <span className={`dash-status-badge dash-st-${status}`}>{STATUS_LABEL[status]}</span>
      </div>
      <div role="cell">
        {row.entry ? (
          <>
            <span>{row.entry === 'late' ? 'Late' : 'On time'}</span>
            {row.entryAt && <time dateTime={row.entryAt}> {formatTime(row.entryAt)}</time>}
            {row.entryMethod && <span className="dash-email">by {ENTRY_METHOD_LABEL[row.entryMethod]}</span>}
          </>
        ) : (
          <span className="dash-none">Not yet</span>
        )}
      </div>
      <div role="cell">{late === null ? <span className="dash-none">–</span> : `${late} min`}</div>
      <div role="cell">
        {row.exitVerified ? (
          <>Verified{row.exitAt && <time dateTime={row.exitAt}> {formatTime(row.exitAt)}</time>}</>
        ) : (
          <span className="dash-none">–</span>
        )}
      </div>
      <div role="cell">
        {row.earlyLeaveAt ? (
          <time dateTime={row.earlyLeaveAt}>{formatTime(row.earlyLeaveAt)}</time>
        ) : (
          <span className="dash-none">–</span>
        )}
      </div>
      <div role="cell" className="dash-flags">
        {row.flags.length === 0 ? (
          <span className="dash-none">–</span>
        ) : (
          row.flags.map((flag) => (
            <button
              key={flag}
              type="button"
              className="dash-flag"
              popoverTarget={NATIVE_POPOVER ? evidenceId : undefined}
              aria-haspopup="dialog"
              onClick={(event) => onFlag(event, row.studentId, flag)}
            >
              {flagText(flag).label}
            </button>
          ))
        )}
      </div>
      <div role="cell" className="dash-cell-override">
        {row.spotCheck && <span className="dash-spot-mark">{spotCheckLabel(row.spotCheck.answer)}</span>}
        {row.override && (
          <span className="dash-override">
            {STATUS_LABEL[row.override.final]}: “{row.override.reason}”
          </span>
        )}
        <button type="button" className="secondary dash-small" onClick={() => onOverride(row.studentId)}>
          Override<span className="dash-sr-only"> {name}</span>
        </button>
      </div>
    </div>
  );
});

export interface RosterTableProps {
  readonly rows: readonly AttendanceRow[];
  readonly entryClosesAt: string;
  readonly ended: boolean;
  readonly onOverride: (studentId: string) => void;
}

/** Throws nothing. */
export const RosterTable = memo(function RosterTable({ rows, entryClosesAt, ended, onOverride }: RosterTableProps) {
  const [search, setSearch] = useState('');
  const [filter, setFilter] = useState<RosterFilter>('all');
  const [sort, setSort] = useState<RosterSort>({ key: 'name', direction: 'ascending' });
  const searchId = useId();
  const filterId = useId();
  const countId = useId();
  const scroller = useRef<HTMLDivElement>(null);
  const header = useRef<HTMLDivElement>(null);
  const [headerHeight, setHeaderHeight] = useState(48);
  const focused = useRef<string | undefined>(undefined);

  const context = useMemo(() => ({ entryClosesAt, ended }), [entryClosesAt, ended]);
  const query = useMemo(() => ({ search, filter, sort }), [search, filter, sort]);
  // The previous view, carried forward: only the rows a batch changed are filtered and placed again.
  const lastView = useRef<RosterView | undefined>(undefined);
  const current = useMemo(
    () => (lastView.current = updateRosterView(lastView.current, rows, query, context)),
    [rows, query, context],
  );
  const view = current.rows;
  const order = current.order;

  useLayoutEffect(() => {
    const element = header.current;
    if (!element) return;
    const update = () => setHeaderHeight(element.offsetHeight);
    update();
    const observer = new ResizeObserver(update);
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  // The row holding focus stays rendered when scrolled away, so keyboard focus is never lost.
  const rangeExtractor = useCallback(
    (range: Range) => {
      const indexes = defaultRangeExtractor(range);
      const pinned = focused.current === undefined ? undefined : positionIn(order, focused.current);
      if (pinned === undefined || indexes.includes(pinned)) return indexes;
      return [...indexes, pinned].sort((a, b) => a - b);
    },
    [order],
  );
  // Keys by position change only when the order does; the virtualiser measures afresh only then.
  const getItemKey = useCallback((index: number) => order[index] ?? index, [order]);

  const virtualizer = useVirtualizer({
    count: view.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_ESTIMATE_PX,
    overscan: 8,
    scrollMargin: headerHeight,
    getItemKey,
    rangeExtractor,
  });
  const onFocusRow = useCallback((studentId: string) => {
    focused.current = studentId;
  }, []);

  // One evidence box for the table: a badge opens it with its flag; another badge, while open, moves it there.
  const evidenceId = useId();
  const [evidence, setEvidence] = useState<{ target?: FlagTarget; open: boolean }>({ open: false });
  const evidenceNow = useRef(evidence);
  evidenceNow.current = evidence;
  const onFlag = useCallback((event: MouseEvent<HTMLButtonElement>, studentId: string, flag: string) => {
    const { target, open } = evidenceNow.current;
    const same = target?.studentId === studentId && target.flag === flag;
    // The badge toggles the native popover after this handler: keep it open when it moves to another badge.
    if (open && !same && NATIVE_POPOVER) event.preventDefault();
    const next = { studentId, flag, place: placeNear(event.currentTarget) };
    setEvidence(NATIVE_POPOVER ? { target: next, open } : { target: next, open: !(open && same) });
  }, []);
  const onEvidenceOpen = useCallback((open: boolean) => setEvidence((current) => ({ ...current, open })), []);
  const evidenceRow = useMemo(
    () => (evidence.target ? rows.find((row) => row.studentId === evidence.target?.studentId) : undefined),
    [rows, evidence.target],
  );

  const items = virtualizer.getVirtualItems();
  return (
    <section className="dash-roster" aria-labelledby="roster-title">
      <h2 id="roster-title">Roster</h2>
      <div className="dash-roster-tools">
        <div>
          <label htmlFor={searchId}>Search by name or email</label>
          <input
            id={searchId}
            type="search"
            value={search}
            autoComplete="off"
            onChange={(event) => setSearch(event.target.value)}
          />
        </div>
        <div>
          <label htmlFor={filterId}>Show</label>
          <select id={filterId} value={filter} onChange={(event) => setFilter(event.target.value as RosterFilter)}>
            {ROSTER_FILTERS.map((option) => (
              <option key={option} value={option}>
                {FILTER_LABEL[option]}
              </option>
            ))}
          </select>
        </div>
        <p id={countId} className="dash-hint" aria-live="polite">
          {view.length === rows.length
            ? `${rows.length} ${rows.length === 1 ? 'student' : 'students'}`
            : `${view.length} of ${rows.length} students`}
        </p>
      </div>
      <div
        ref={scroller}
        className="dash-table-scroll"
        role="table"
        aria-labelledby="roster-title"
        aria-describedby={countId}
        aria-rowcount={view.length + 1}
        tabIndex={0}
      >
        <div role="rowgroup" className="dash-thead" ref={header}>
          <div role="row" aria-rowindex={1} className="dash-row dash-head-row">
            {COLUMNS.map((column) => {
              if (!column.sort) {
                return (
                  <div key={column.label} role="columnheader">
                    {column.label}
                  </div>
                );
              }
              const key = column.sort;
              const active = sort.key === key;
              return (
                <div key={column.label} role="columnheader" aria-sort={active ? sort.direction : 'none'}>
                  <button
                    type="button"
                    className="dash-sort"
                    onClick={() => setSort((current) => toggleSort(current, key))}
                  >
                    {column.label}
                    <span aria-hidden="true" className="dash-sort-mark">
                      {active ? (sort.direction === 'ascending' ? '▲' : '▼') : '↕'}
                    </span>
                  </button>
                </div>
              );
            })}
          </div>
        </div>
        <div role="rowgroup" className="dash-tbody" style={{ height: virtualizer.getTotalSize() }}>
          {view.length === 0 && (
            <div role="row" aria-rowindex={2} className="dash-row dash-empty">
              <div role="cell">{rows.length === 0 ? 'Nobody has joined yet.' : 'No student matches.'}</div>
            </div>
          )}
          {items.map((item) => {
            const row = view[item.index];
            if (!row) return null;
            return (
              <RosterRow
                key={item.key}
                row={row}
                status={displayStatus(row, ended)}
                late={minutesLate(row, entryClosesAt)}
                index={item.index}
                start={item.start - headerHeight}
                measure={virtualizer.measureElement}
                onOverride={onOverride}
                onFocusRow={onFocusRow}
                evidenceId={evidenceId}
                onFlag={onFlag}
              />
            );
          })}
        </div>
      </div>
      <FlagEvidence
        id={evidenceId}
        target={evidence.target}
        row={evidenceRow}
        open={evidence.open}
        onOpenChange={onEvidenceOpen}
      />
      <details className="dash-flag-help">
        <summary>What the flags mean</summary>
        <dl>
          {FLAG_ORDER.map((flag) => (
            <div key={flag}>
              <dt>{flagText(flag).label}</dt>
              <dd>{flagText(flag).explanation}</dd>
            </div>
          ))}
        </dl>
        <p className="dash-hint">
          Select a flag on a row to see what was seen, and when. Flags are evidence to look at, not proof: confirm with
          the student before you override.
        </p>
      </details>
    </section>
  );
});
