import type { AttendanceRow } from '@qrca/contract';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  displayStatus,
  foldForSearch,
  matchesFilter,
  matchesSearch,
  minutesLate,
  positionIn,
  ROSTER_FILTERS,
  SORT_KEYS,
  toggleSort,
  updateRosterView,
  viewRows,
  type RosterQuery,
  type SortDirection,
  type SortKey,
} from './roster-view';
import { buildRow } from './test-rows';

const closes = '2026-06-03T09:10:00.000Z';
const context = { entryClosesAt: closes, ended: false };

const ana = buildRow('s1', {
  name: 'Ana Lima',
  entry: 'on_time',
  entryAt: '2026-06-03T09:02:00.000Z',
  entryMethod: 'chain',
  final: 'present',
});
const ben = buildRow('s2', {
  name: 'Ben Ödegaard',
  entry: 'late',
  entryAt: '2026-06-03T09:14:30.000Z',
  entryMethod: 'projector',
  final: 'late',
  flags: ['off_network'],
});
const cy = buildRow('s3', { name: null, email: 'cy@students.example.edu' }); // joined, waiting
const dee = buildRow('s4', { name: 'Dee', joined: false }); // on the roster, never came
const eve = buildRow('s5', {
  name: 'Eve',
  entry: 'late',
  entryAt: '2026-06-03T09:11:00.000Z',
  final: 'late',
  override: { final: 'present', reason: 'Bus was late', by: 't@staff.example.edu', at: closes },
});
const rows = [dee, cy, ben, ana, eve];

const query = (overrides: Partial<RosterQuery> = {}): RosterQuery => ({
  search: '',
  filter: 'all',
  sort: { key: 'name', direction: 'ascending' },
  ...overrides,
});
const ids = (selected: readonly { studentId: string }[]) => selected.map((row) => row.studentId);

describe('a row’s display status', () => {
  it('is "waiting" for a joined student not verified yet, while the session runs', () => {
    expect(displayStatus(cy, false)).toBe('waiting');
    expect(displayStatus(cy, true)).toBe('absent');
    expect(displayStatus(dee, false)).toBe('absent');
  });

  it('is the override when there is one, else the final status', () => {
    expect(displayStatus(eve, false)).toBe('present');
    expect(displayStatus(ben, false)).toBe('late');
  });
});

describe('minutes late', () => {
  it('counts whole minutes, rounded up, after on-time entry closed; only for late entries', () => {
    expect(minutesLate(ben, closes)).toBe(5);
    expect(minutesLate(eve, closes)).toBe(1);
    expect(minutesLate(ana, closes)).toBeNull();
    expect(minutesLate(cy, closes)).toBeNull();
  });

  it("takes the server's figure when the row has one (the export's)", () => {
    expect(minutesLate({ ...ben, minutesLate: 7 }, closes)).toBe(7);
    expect(minutesLate({ ...ana, minutesLate: null }, closes)).toBeNull();
  });
});

describe('search', () => {
  it('matches name or email, any case, accents ignored, every word', () => {
    expect(matchesSearch(ben, 'odegaard')).toBe(true);
    expect(matchesSearch(ben, 'BEN öde')).toBe(true);
    expect(matchesSearch(cy, 'cy@students')).toBe(true);
    expect(matchesSearch(ana, 'ana ben')).toBe(false);
    expect(matchesSearch(ana, '   ')).toBe(true);
    expect(foldForSearch('Ödegaard')).toBe('odegaard');
  });
});

describe('filters', () => {
  it('select by display status, or flagged', () => {
    expect(ids(viewRows(rows, query({ filter: 'waiting' }), context))).toEqual(['s3']);
    expect(ids(viewRows(rows, query({ filter: 'present' }), context))).toEqual(['s1', 's5']);
    expect(ids(viewRows(rows, query({ filter: 'late' }), context))).toEqual(['s2']);
    expect(ids(viewRows(rows, query({ filter: 'absent' }), context))).toEqual(['s4']);
    expect(ids(viewRows(rows, query({ filter: 'flagged' }), context))).toEqual(['s2']);
    expect(matchesFilter(cy, 'absent', true)).toBe(true);
  });

  it('combine with the search', () => {
    expect(ids(viewRows(rows, query({ filter: 'present', search: 'eve' }), context))).toEqual(['s5']);
  });
});

describe('sorting', () => {
  it('by name (the email when there is none), both ways', () => {
    expect(ids(viewRows(rows, query(), context))).toEqual(['s1', 's2', 's3', 's4', 's5']);
    expect(ids(viewRows(rows, query({ sort: { key: 'name', direction: 'descending' } }), context))).toEqual([
      's5',
      's4',
      's3',
      's2',
      's1',
    ]);
  });

  it('by status: waiting first, then absent, late, …, present; ties by name', () => {
    expect(ids(viewRows(rows, query({ sort: { key: 'status', direction: 'ascending' } }), context))).toEqual([
      's3',
      's4',
      's2',
      's1',
      's5',
    ]);
  });

  it('by entry time and minutes late, rows without one last in either direction', () => {
    expect(ids(viewRows(rows, query({ sort: { key: 'entry', direction: 'ascending' } }), context))).toEqual([
      's1',
      's5',
      's2',
      's3',
      's4',
    ]);
    expect(ids(viewRows(rows, query({ sort: { key: 'minutesLate', direction: 'descending' } }), context))).toEqual([
      's2',
      's5',
      's1',
      's3',
      's4',
    ]);
  });

  it('does not change the rows it is given', () => {
    const before = [...rows];
    viewRows(rows, query({ sort: { key: 'status', direction: 'descending' } }), context);
    expect(rows).toEqual(before);
  });

  it('a header toggles its direction, another header starts ascending', () => {
    expect(toggleSort({ key: 'name', direction: 'ascending' }, 'name')).toEqual({
      key: 'name',
      direction: 'descending',
    });
    expect(toggleSort({ key: 'name', direction: 'descending' }, 'entry')).toEqual({
      key: 'entry',
      direction: 'ascending',
    });
  });
});

describe('the view carried forward through live changes', () => {
  const sortBy = (key: SortKey, direction: SortDirection = 'ascending') => query({ sort: { key, direction } });

  it('puts a changed row that sorts the same in its old place, keeping the order array', () => {
    const first = updateRosterView(undefined, rows, query(), context);
    const ana2 = { ...ana, flags: ['off_network'] };
    const next = updateRosterView(first, [dee, cy, ben, ana2, eve], query(), context);
    expect(next.rows).toEqual([ana2, ben, cy, dee, eve]);
    expect(next.rows[0]).toBe(ana2);
    expect(next.order).toBe(first.order);
  });

  it('moves a row whose sorted value changed, and takes in or out rows the filter now selects', () => {
    const byStatus = updateRosterView(undefined, rows, sortBy('status'), context);
    expect(ids(byStatus.rows)).toEqual(['s3', 's4', 's2', 's1', 's5']);
    const cyIn = { ...cy, entry: 'on_time' as const, entryAt: '2026-06-03T09:03:00.000Z', final: 'present' as const };
    const moved = updateRosterView(byStatus, [dee, cyIn, ben, ana, eve], sortBy('status'), context);
    expect(ids(moved.rows)).toEqual(['s4', 's2', 's1', 's3', 's5']);
    expect(moved.order).not.toBe(byStatus.order);

    const waiting = updateRosterView(undefined, rows, query({ filter: 'waiting' }), context);
    const fay = buildRow('s6', { name: 'Fay' });
    const next = updateRosterView(waiting, [dee, cyIn, ben, ana, eve, fay], query({ filter: 'waiting' }), context);
    expect(ids(next.rows)).toEqual(['s6']);
  });

  it('answers the previous view when the list is the same, and starts afresh for another query', () => {
    const first = updateRosterView(undefined, rows, query(), context);
    expect(updateRosterView(first, rows, query(), context)).toBe(first);
    const searched = updateRosterView(first, rows, query({ search: 'ben' }), context);
    expect(ids(searched.rows)).toEqual(['s2']);
    expect(positionIn(first.order, 's3')).toBe(2);
    expect(positionIn(first.order, 'nobody')).toBeUndefined();
  });

  it('always equals filtering and sorting the whole list afresh', () => {
    const names = ['Ana', 'ana', 'Ben', 'Émile', null, 'Zoë', 'Cy'];
    const arbitraryRow = (id: string) =>
      fc
        .record({
          name: fc.constantFrom(...names),
          joined: fc.boolean(),
          entry: fc.constantFrom(null, 'on_time', 'late'),
          minute: fc.integer({ min: 0, max: 30 }),
          final: fc.constantFrom('present', 'late', 'early_leave', 'left_early', 'absent'),
          flagged: fc.boolean(),
          overridden: fc.boolean(),
        })
        .map(({ name, joined, entry, minute, final, flagged, overridden }) =>
          buildRow(id, {
            name,
            joined,
            entry: entry as AttendanceRow['entry'],
            entryAt: entry ? `2026-06-03T09:${String(minute).padStart(2, '0')}:00.000Z` : null,
            final: final as AttendanceRow['final'],
            flags: flagged ? ['off_network'] : [],
            override: overridden ? { final: 'present', reason: 'seen', by: 't@staff.example.edu', at: closes } : null,
          }),
        );
    const arbitraryQuery = fc.record({
      search: fc.constantFrom('', 'a', 'ben', 's1'),
      filter: fc.constantFrom(...ROSTER_FILTERS),
      sort: fc.record({ key: fc.constantFrom(...SORT_KEYS), direction: fc.constantFrom('ascending', 'descending') }),
    }) as fc.Arbitrary<RosterQuery>;
    // A batch: rows replaced (by index into the list) and students appended.
    const arbitraryBatch = fc.record({
      changes: fc.array(fc.tuple(fc.nat(), fc.nat({ max: 1_000 })), { maxLength: 8 }),
      appended: fc.nat({ max: 2 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 40 }),
        arbitraryQuery,
        fc.boolean(),
        fc.array(arbitraryBatch, { maxLength: 6 }),
        fc.infiniteStream(arbitraryRow('x')),
        (size, rosterQuery, ended, batches, variants) => {
          const at = { entryClosesAt: closes, ended };
          const fresh = (id: string) => ({
            ...(variants.next().value as AttendanceRow),
            studentId: id,
            email: `${id}@x.edu`,
          });
          let list = Array.from({ length: size }, (_, i) => fresh(`s${i}`));
          let view = updateRosterView(undefined, list, rosterQuery, at);
          for (const { changes, appended } of batches) {
            list = [...list];
            for (const [index] of changes) {
              if (list.length > 0)
                list[index % list.length] = fresh((list[index % list.length] as AttendanceRow).studentId);
            }
            for (let i = 0; i < appended; i++) list.push(fresh(`s${list.length}`));
            view = updateRosterView(view, list, rosterQuery, at);
            const expected = viewRows(list, rosterQuery, at);
            expect(view.rows).toEqual(expected);
            view.rows.forEach((row, i) => expect(row).toBe(expected[i]));
            expect(view.order).toEqual(expected.map((row) => row.studentId));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
