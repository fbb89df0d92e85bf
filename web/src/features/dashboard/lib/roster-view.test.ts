import { describe, expect, it } from 'vitest';
import {
  displayStatus,
  foldForSearch,
  matchesFilter,
  matchesSearch,
  minutesLate,
  toggleSort,
  viewRows,
  type RosterQuery,
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
