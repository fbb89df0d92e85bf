import { describe, expect, it } from 'vitest';
import { rosterCsvDelimiter, rosterFromRows, rosterRowsFromCsv, type RosterRow } from './roster';

const rows = (...lines: string[][]): RosterRow[] => lines.map((cells, i) => ({ line: i + 1, cells }));

describe('rosterFromRows', () => {
  it('takes the cell with an @ as the email and the first other non-empty cell as the name', () => {
    expect(
      rosterFromRows(rows(['Lovelace, Ada', 'ada@uni.edu'], ['bob@uni.edu', '', 'Bob'], ['carol@uni.edu'])),
    ).toEqual({
      entries: [
        { email: 'ada@uni.edu', name: 'Lovelace, Ada' },
        { email: 'bob@uni.edu', name: 'Bob' },
        'carol@uni.edu',
      ],
      rejected: [],
    });
  });

  it('lower-cases and trims emails, and cuts very long names', () => {
    const long = 'x'.repeat(300);
    expect(rosterFromRows(rows([' Ada@UNI.edu ', long])).entries).toEqual([
      { email: 'ada@uni.edu', name: 'x'.repeat(200) },
    ]);
  });

  it('skips blank rows and a heading; leaves out later rows without an email with their line and text', () => {
    expect(rosterFromRows(rows(['', ''], ['name', 'email'], ['', ''], ['ada@uni.edu'], ['Bob']))).toEqual({
      entries: ['ada@uni.edu'],
      rejected: [{ line: 5, text: 'Bob', reason: 'no_email' }],
      heading: 'name,email',
    });
    expect(rosterFromRows(rows(['ada@uni.edu'], ['Bob'])).heading).toBeUndefined();
  });

  it('leaves out invalid emails, naming the cell', () => {
    const { entries, rejected } = rosterFromRows(rows(['Bob', 'bob@'], ['@uni.edu'], ['a b@uni.edu', 'Ann']));
    expect(entries).toEqual([]);
    expect(rejected).toEqual([
      { line: 1, text: 'Bob,bob@', reason: 'invalid_email', email: 'bob@' },
      { line: 2, text: '@uni.edu', reason: 'invalid_email', email: '@uni.edu' },
      { line: 3, text: 'a b@uni.edu,Ann', reason: 'invalid_email', email: 'a b@uni.edu' },
    ]);
  });

  it('keeps the first of repeated emails (whatever the case) and fills in a missing name from a repeat', () => {
    const { entries, rejected } = rosterFromRows(
      rows(['ada@uni.edu'], ['Ada Lovelace', 'ADA@uni.edu'], ['Someone else', 'ada@uni.edu']),
    );
    expect(entries).toEqual([{ email: 'ada@uni.edu', name: 'Ada Lovelace' }]);
    expect(rejected).toEqual([
      { line: 2, text: 'Ada Lovelace,ADA@uni.edu', reason: 'duplicate', email: 'ada@uni.edu' },
      { line: 3, text: 'Someone else,ada@uni.edu', reason: 'duplicate', email: 'ada@uni.edu' },
    ]);
  });

  it('shows cells with commas or quotes quoted, as in CSV', () => {
    expect(rosterFromRows(rows(['Hopper, "Amazing" Grace', 'x@'])).rejected[0]?.text).toBe(
      '"Hopper, ""Amazing"" Grace",x@',
    );
  });
});

describe('rosterRowsFromCsv', () => {
  it('numbers each row by the line it starts on, also after a cell spanning lines', () => {
    expect(
      rosterRowsFromCsv([
        { record: ['name', 'email'], info: { lines: 1 } },
        { record: ['Lovelace,\nAda', 'ada@uni.edu'], info: { lines: 3 } },
        { record: ['bob@uni.edu'], info: { lines: 6 } },
      ]),
    ).toEqual([
      { line: 1, cells: ['name', 'email'] },
      { line: 2, cells: ['Lovelace,\nAda', 'ada@uni.edu'] },
      { line: 6, cells: ['bob@uni.edu'] },
    ]);
  });
});

describe('rosterCsvDelimiter', () => {
  it('reads tabs (pasted from a spreadsheet), semicolons without commas, else commas', () => {
    expect(rosterCsvDelimiter('\n\nAda Lovelace\tada@uni.edu\n')).toBe('\t');
    expect(rosterCsvDelimiter('\uFEFFname;email\nAda;ada@uni.edu')).toBe(';');
    expect(rosterCsvDelimiter('"Lovelace; Ada",ada@uni.edu')).toBe(',');
    expect(rosterCsvDelimiter('ada@uni.edu\nbob@uni.edu')).toBe(',');
    expect(rosterCsvDelimiter('')).toBe(',');
  });
});
