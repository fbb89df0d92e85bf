import { EXPORT_COLUMNS } from '@qrca/contract';
import { describe, expect, it } from 'vitest';
import { compareExport, expectedFinal, type StudentTruth } from './truth';

const T = Date.UTC(2030, 0, 10, 9, 0, 0);
const iso = (ms: number) => new Date(ms).toISOString();
const win = (ms: number) => ({ from: ms - 20, to: ms + 20 });

type Row = Partial<Record<(typeof EXPORT_COLUMNS)[number], string>>;
const quote = (cell: string) => (/[",\r\n]/.test(cell) ? `"${cell.replace(/"/g, '""')}"` : cell);
const csv = (rows: Row[], bom = false) =>
  (bom ? '\ufeff' : '') +
  [EXPORT_COLUMNS.join(','), ...rows.map((r) => EXPORT_COLUMNS.map((c) => quote(r[c] ?? '')).join(','))]
    .map((line) => `${line}\r\n`)
    .join('');

const present: StudentTruth = {
  email: 'ana@student.test',
  studentId: 'u_ana',
  entry: 'on_time',
  entryMethod: 'chain',
  entryAt: win(T + 1_000),
  exitVerified: true,
  exitAt: win(T + 60_000),
};
const late: StudentTruth = {
  email: 'ben@student.test',
  studentId: 'u_ben',
  entry: 'late',
  entryMethod: 'projector',
  entryAt: win(T + 30_000),
  exitVerified: false,
};
const absent: StudentTruth = { email: 'cleo@student.test', entry: null, entryMethod: null, exitVerified: false };
const leaver: StudentTruth = {
  email: 'dan@student.test',
  studentId: 'u_dan',
  entry: 'on_time',
  entryMethod: 'chain',
  entryAt: win(T + 2_000),
  earlyLeaveAt: win(T + 40_000),
  exitVerified: false,
};

const rowsFor = (): Row[] => [
  {
    student_id: 'u_ana',
    email: 'ana@student.test',
    entry: 'on_time',
    entry_at: iso(T + 1_010),
    entry_method: 'chain',
    exit_verified: 'true',
    exit_at: iso(T + 60_000),
    final: 'present',
    flags: 'too_fast',
  },
  {
    student_id: 'u_ben',
    email: 'ben@student.test',
    entry: 'late',
    entry_at: iso(T + 30_000),
    entry_method: 'projector',
    minutes_late: '1',
    exit_verified: 'false',
    final: 'left_early',
    flags: 'too_fast;late_code',
  },
  { student_id: 'u_x', email: 'cleo@student.test', exit_verified: 'false', final: 'absent' },
  {
    student_id: 'u_dan',
    email: 'dan@student.test',
    entry: 'on_time',
    entry_at: iso(T + 2_000),
    entry_method: 'chain',
    early_leave_at: iso(T + 40_000),
    exit_verified: 'false',
    final: 'early_leave',
  },
];

describe('expectedFinal', () => {
  it('follows PRODUCT §4.5', () => {
    expect(expectedFinal(present, true)).toBe('present');
    expect(expectedFinal(late, true)).toBe('left_early');
    expect(expectedFinal(late, false)).toBe('late');
    expect(expectedFinal(absent, true)).toBe('absent');
    expect(expectedFinal(leaver, true)).toBe('early_leave');
    expect(expectedFinal({ ...present, exitVerified: false }, false)).toBe('present');
  });
});

describe('compareExport', () => {
  const options = { exitRun: true, toleranceMs: 50 };

  it('matches an export that says what happened, BOM or not, and counts the flags it shows', () => {
    const truths = [present, late, absent, leaver];
    for (const bom of [false, true]) {
      const check = compareExport(csv(rowsFor(), bom), truths, options);
      expect(check).toEqual({
        matches: true,
        rows: 4,
        mismatches: [],
        flags: { too_fast: 2, late_code: 1 },
        flaggedRows: 2,
      });
    }
  });

  it('names every difference', () => {
    const rows = rowsFor();
    rows[0] = { ...rows[0], entry_method: 'teacher_close', entry_at: iso(T + 5_000) };
    rows[1] = { ...rows[1], final: 'late', override: 'late', override_reason: 'seen' };
    rows[3] = { ...rows[3], early_leave_at: '' };
    const check = compareExport(
      csv([...rows, { email: 'eve@student.test' }]),
      [present, late, absent, leaver],
      options,
    );
    expect(check.matches).toBe(false);
    expect(check.mismatches).toEqual([
      'eve@student.test: in the export, not in the class',
      'ana@student.test: entry_method is "teacher_close", expected "chain"',
      `ana@student.test: entry_at ${iso(T + 5_000)} outside ${iso(T + 980)} … ${iso(T + 1_020)}`,
      'ben@student.test: final is "late", expected "left_early"',
      'ben@student.test: override is "late", expected ""',
      'ben@student.test: override_reason is "seen", expected ""',
      'dan@student.test: early_leave_at is "", expected a time',
      'the export has 5 rows, the class 4 students',
    ]);
  });

  it('notices a missing student, a wrong id, a time where none belongs and a bad header', () => {
    const rows = rowsFor();
    rows[2] = { ...rows[2], entry_at: iso(T) };
    rows[0] = { ...rows[0], student_id: 'u_other' };
    const check = compareExport(csv(rows.slice(0, 3)), [present, late, absent, leaver], options);
    expect(check.mismatches).toEqual([
      'ana@student.test: student_id is "u_other", expected "u_ana"',
      `cleo@student.test: entry_at is ${iso(T)}, expected none`,
      'dan@student.test: missing from the export',
      'the export has 3 rows, the class 4 students',
    ]);
    expect(compareExport('a,b\r\n1,2\r\n', [present], options)).toMatchObject({
      matches: false,
      mismatches: ['unexpected header: a,b'],
    });
    expect(compareExport('"unterminated', [present], options).matches).toBe(false);
  });
});
