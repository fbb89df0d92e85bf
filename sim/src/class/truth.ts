/**
 * The simulated truth of a class and its check against the teacher's CSV export, row by row: what each virtual
 * student did (and when, as a window between sending the request that did it and reading its answer), the final
 * status PRODUCT §4.5 gives for it, and every difference from the export. Pure.
 */
import { EXPORT_COLUMNS, type FinalStatus } from '@qrca/contract';
import { parse } from 'csv-parse/sync';

/** When something happened, as seen from the client: between the request leaving and its answer arriving. */
export interface Window {
  readonly from: number;
  readonly to: number;
}

export interface StudentTruth {
  readonly email: string;
  /** The id sign-in answered with (absent for students who never signed in). */
  readonly studentId?: string;
  readonly entry: 'on_time' | 'late' | null;
  readonly entryMethod: 'chain' | 'teacher_close' | 'projector' | null;
  readonly entryAt?: Window;
  readonly earlyLeaveAt?: Window;
  readonly exitVerified: boolean;
  readonly exitAt?: Window;
}

/** PRODUCT §4.5, written again from the table (the simulator's own reading, not the server's code). */
export function expectedFinal(truth: StudentTruth, exitRun: boolean): FinalStatus {
  if (truth.earlyLeaveAt) return 'early_leave';
  if (truth.entry === null) return 'absent';
  const fromEntry = truth.entry === 'late' ? 'late' : 'present';
  return truth.exitVerified || !exitRun ? fromEntry : 'left_early';
}

export interface ExportCheck {
  readonly matches: boolean;
  /** Rows in the export. */
  readonly rows: number;
  /** Each difference, as a sentence (the first 50). */
  readonly mismatches: readonly string[];
  /** Suspicion flags the export shows, by kind (not part of the truth: the simulator does not predict them). */
  readonly flags: Readonly<Record<string, number>>;
  /** Rows with any flag. */
  readonly flaggedRows: number;
}

export interface CompareOptions {
  /** Exit verification was run (exit chains or the exit code). */
  readonly exitRun: boolean;
  /** Allowed distance of a recorded time from the client's window (clock skew, rounding). */
  readonly toleranceMs: number;
}

const MAX_MISMATCHES = 50;

/**
 * Compares the CSV export (RFC 4180, header row of EXPORT_COLUMNS) with the truth: one row per student of the
 * roster, the same id, entry, method, early leave, exit and final status, no override, and every recorded time
 * inside its window. Throws nothing (an unreadable file is a mismatch).
 */
export function compareExport(csv: string, truths: readonly StudentTruth[], options: CompareOptions): ExportCheck {
  const mismatches: string[] = [];
  const flags: Record<string, number> = {};
  let flaggedRows = 0;
  const differ = (line: string) => {
    if (mismatches.length < MAX_MISMATCHES) mismatches.push(line);
  };
  let records: string[][];
  try {
    records = parse(csv, { bom: true, relax_column_count: false, skip_empty_lines: true }) as string[][];
  } catch (error) {
    return {
      matches: false,
      rows: 0,
      mismatches: [`the export is not CSV: ${(error as Error).message}`],
      flags,
      flaggedRows,
    };
  }
  const [header, ...body] = records;
  if (!header || header.join(',') !== EXPORT_COLUMNS.join(',')) {
    return {
      matches: false,
      rows: body.length,
      mismatches: [`unexpected header: ${header?.join(',')}`],
      flags,
      flaggedRows,
    };
  }
  const rows = new Map<string, Record<string, string>>();
  for (const record of body) {
    const row = Object.fromEntries(header.map((column, i) => [column, record[i] ?? '']));
    const email = row.email ?? '';
    if (rows.has(email)) differ(`${email}: two rows`);
    rows.set(email, row);
    // Flags are `kind` or `kind: evidence`, separated by semicolons; counted by kind.
    const kinds = new Set((row.flags ?? '').split(';').flatMap((item) => /^\s*([a-z_]+)/.exec(item)?.[1] ?? []));
    for (const kind of kinds) flags[kind] = (flags[kind] ?? 0) + 1;
    if (kinds.size > 0) flaggedRows++;
  }
  const expected = new Set(truths.map((t) => t.email));
  for (const email of rows.keys()) if (!expected.has(email)) differ(`${email}: in the export, not in the class`);

  const inside = (email: string, column: string, value: string, window: Window | undefined) => {
    if (!window) {
      if (value !== '') differ(`${email}: ${column} is ${value}, expected none`);
      return;
    }
    const at = Date.parse(value);
    if (Number.isNaN(at)) {
      differ(`${email}: ${column} is "${value}", expected a time`);
      return;
    }
    const { from, to } = window;
    if (at < from - options.toleranceMs || at > to + options.toleranceMs) {
      differ(`${email}: ${column} ${value} outside ${new Date(from).toISOString()} … ${new Date(to).toISOString()}`);
    }
  };
  for (const truth of truths) {
    const row = rows.get(truth.email);
    if (!row) {
      differ(`${truth.email}: missing from the export`);
      continue;
    }
    const same = (column: string, want: string) => {
      if ((row[column] ?? '') !== want)
        differ(`${truth.email}: ${column} is "${row[column] ?? ''}", expected "${want}"`);
    };
    if (truth.studentId) same('student_id', truth.studentId);
    same('entry', truth.entry ?? '');
    same('entry_method', truth.entryMethod ?? '');
    inside(truth.email, 'entry_at', row.entry_at ?? '', truth.entryAt);
    inside(truth.email, 'early_leave_at', row.early_leave_at ?? '', truth.earlyLeaveAt);
    same('exit_verified', String(truth.exitVerified));
    inside(truth.email, 'exit_at', row.exit_at ?? '', truth.exitAt);
    const minutesLate = row.minutes_late ?? '';
    if (truth.entry === 'late' ? !/^\d+$/.test(minutesLate) : minutesLate !== '') {
      differ(`${truth.email}: minutes_late is "${minutesLate}"`);
    }
    same('final', expectedFinal(truth, options.exitRun));
    same('override', '');
    same('override_reason', '');
  }
  if (rows.size !== truths.length) differ(`the export has ${rows.size} rows, the class ${truths.length} students`);
  return { matches: mismatches.length === 0, rows: rows.size, mismatches, flags, flaggedRows };
}
