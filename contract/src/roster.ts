/**
 * Roster text (a CSV file or pasted lines) → students: one student per row, the cell with an '@' is the email,
 * the row's first other non-empty cell the name. One rule for the backend's CSV rosters and the form's preview.
 */
import { EmailSchema } from './auth';
import type { RosterEntry } from './sessions';

/** The longest name a roster keeps (longer ones are cut). */
export const MAX_ROSTER_NAME = 200;

/** One row of roster text: its cells and the line of the text it starts on (1-based). */
export interface RosterRow {
  readonly line: number;
  readonly cells: readonly string[];
}

export type RosterRejectionReason = 'no_email' | 'invalid_email' | 'duplicate';

/** A row that did not become a student, and why. */
export interface RosterRejection {
  readonly line: number;
  /** The row's cells as one line of text, to show people. */
  readonly text: string;
  readonly reason: RosterRejectionReason;
  /** The cell taken for the email, when the row had one (invalid or repeated). */
  readonly email?: string;
}

/** What was understood: the students in order (an email, or an email with a name), and the rows left out. */
export interface RosterReading {
  readonly entries: RosterEntry[];
  readonly rejected: RosterRejection[];
  /** The heading row that was skipped (a first row without an '@'), as one line of text. */
  readonly heading?: string;
}

const asText = (cells: readonly string[]): string =>
  cells.map((cell) => (/[",\n\r]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell)).join(',');

/**
 * Reads roster rows: blank rows and a heading (a first row without an '@') are skipped; another row without an
 * '@' is left out as `no_email`, one whose email is not valid as `invalid_email`, a repeat of an earlier email
 * as `duplicate` (its name fills in a missing one). Emails come out trimmed and lower-cased. Throws nothing.
 */
export function rosterFromRows(rows: readonly RosterRow[]): RosterReading {
  const students = new Map<string, string | undefined>();
  const rejected: RosterRejection[] = [];
  let first = true;
  let heading: string | undefined;
  for (const { line, cells } of rows) {
    if (cells.every((cell) => cell.trim() === '')) continue;
    const isFirst = first;
    first = false;
    const text = asText(cells);
    const emailCell = cells.find((cell) => cell.includes('@'));
    if (emailCell === undefined) {
      if (isFirst) heading = text;
      else rejected.push({ line, text, reason: 'no_email' });
      continue;
    }
    const parsed = EmailSchema.safeParse(emailCell);
    if (!parsed.success) {
      rejected.push({ line, text, reason: 'invalid_email', email: emailCell });
      continue;
    }
    const name = cells
      .find((cell) => cell !== emailCell && cell.trim() !== '')
      ?.trim()
      .slice(0, MAX_ROSTER_NAME);
    const email = parsed.data;
    if (students.has(email)) {
      rejected.push({ line, text, reason: 'duplicate', email });
      if (name && !students.get(email)) students.set(email, name);
      continue;
    }
    students.set(email, name);
  }
  const entries = [...students].map(([email, name]): RosterEntry => (name ? { email, name } : email));
  return heading === undefined ? { entries, rejected } : { entries, rejected, heading };
}

/** A record of csv-parse with its `info: true` option: the cells and the line the record ends on. */
export interface CsvRecordWithInfo {
  readonly record: readonly string[];
  readonly info: { readonly lines: number };
}

/** Roster rows from csv-parse records (parsed with {@link rosterCsvOptions}); a row's line is where it starts. Throws nothing. */
export function rosterRowsFromCsv(records: readonly CsvRecordWithInfo[]): RosterRow[] {
  return records.map(({ record, info }) => {
    const breaks = record.reduce((sum, cell) => sum + (cell.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
    return { line: info.lines - breaks, cells: record };
  });
}

/**
 * The cell delimiter of roster text, from its first non-empty line: a tab (rows pasted from a spreadsheet),
 * a semicolon when the line has semicolons and no comma (spreadsheets saving CSV in some languages), else a comma. Throws nothing.
 */
export function rosterCsvDelimiter(text: string): string {
  const first =
    text
      .replace(/^\uFEFF/, '')
      .split(/\r\n|\r|\n/)
      .find((line) => line.trim() !== '') ?? '';
  if (first.includes('\t')) return '\t';
  if (first.includes(';') && !first.includes(',')) return ';';
  return ',';
}

/**
 * The csv-parse options for roster text (the same in the backend and the browser): a BOM ignored, any line
 * ending, rows of any length, cells trimmed, blank lines skipped, stray quotes inside cells kept, and each
 * record with its line (`info`). Throws nothing.
 */
export function rosterCsvOptions(text: string) {
  return {
    bom: true,
    delimiter: rosterCsvDelimiter(text),
    record_delimiter: ['\r\n', '\n', '\r'],
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    trim: true,
    info: true,
  };
}
