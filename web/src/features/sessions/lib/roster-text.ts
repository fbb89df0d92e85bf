/** Roster text in the browser: a CSV file's bytes to text, and text (pasted or loaded) to the students it names. */
import {
  MAX_ROSTER,
  rosterCsvOptions,
  rosterFromRows,
  rosterRowsFromCsv,
  type CsvRecordWithInfo,
  type RosterReading,
} from '@qrca/contract';
import { parse } from 'csv-parse/browser/esm/sync';

/** Roster files larger than this are refused before reading (a full roster of 2,000 is ~100 KB). */
export const MAX_ROSTER_FILE_BYTES = 2 * 1024 * 1024;

/** What a roster text says: the reading, or why it could not be read at all. */
export type RosterTextResult = { readonly reading: RosterReading } | { readonly error: string };

function csvProblem(error: unknown): string {
  const { code, lines } = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const line = typeof lines === 'number' ? lines : undefined;
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return `A quotation mark (") is never closed${line ? `: check the quotes before line ${line}` : ''}.`;
  }
  if (code === 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE' || code === 'CSV_INVALID_CLOSING_QUOTE') {
    return `${line ? `Line ${line}` : 'A line'} has text after a closing quotation mark ("). Put the whole cell in quotes, or remove them.`;
  }
  return `${line ? `Line ${line}` : 'The roster'} could not be read as CSV.`;
}

/**
 * Reads roster text with the contract's rules (one student per line; the cell with an '@' is the email, the
 * first other cell the name). Throws nothing: unreadable CSV comes back as `error`.
 */
export function readRosterText(text: string): RosterTextResult {
  if (text.trim() === '') return { reading: { entries: [], rejected: [] } };
  let records: CsvRecordWithInfo[];
  try {
    // With `info: true` csv-parse returns records with their info, which its types do not say.
    records = parse(text, rosterCsvOptions(text)) as unknown as CsvRecordWithInfo[];
  } catch (error) {
    return { error: csvProblem(error) };
  }
  return { reading: rosterFromRows(rosterRowsFromCsv(records)) };
}

/** Why a roster reading cannot be saved (none of its lines has a student, or too many), else undefined. */
export function rosterProblem(result: RosterTextResult): string | undefined {
  if ('error' in result) return result.error;
  const { entries, rejected, heading } = result.reading;
  if (entries.length === 0 && (rejected.length > 0 || heading !== undefined)) {
    return 'No line of the roster has an email address. Put one student on each line, with their email.';
  }
  if (entries.length > MAX_ROSTER) {
    return `A roster holds at most ${MAX_ROSTER.toLocaleString()} students; this one has ${entries.length.toLocaleString()}.`;
  }
  return undefined;
}

/**
 * A roster file's bytes as text: UTF-8 (with or without a BOM), else Windows-1252, which spreadsheets on
 * Windows often save. Throws nothing.
 */
export function decodeRosterBytes(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder('windows-1252').decode(bytes);
  }
}
