import { describe, expect, it } from 'vitest';
import { contentDisposition, isFormulaLike } from './attendance.routes';

describe('isFormulaLike (CSV injection)', () => {
  it.each([
    '=1+1',
    '+1',
    '-1',
    '@SUM(A1)',
    '|calc',
    '\t=1',
    '\r=1',
    '\n1',
    ' =1',
    '\u200b=1',
    '\ufeff@x',
    '\u202e=1',
    '\uff1d1+1', // full-width equals sign
    '\uff0b1',
    '\uff20x',
  ])('neutralises %j', (cell) => {
    expect(isFormulaLike(cell)).toBe(true);
  });

  it.each(['', 'Ada Lovelace', 'ada@students.example.edu', '2026-11-26T09:00:00.000Z', '12', 'a=b', 'on_time'])(
    'leaves %j alone',
    (cell) => {
      expect(isFormulaLike(cell)).toBe(false);
    },
  );
});

describe('contentDisposition', () => {
  it('survives a title stored with a lone surrogate', () => {
    const header = contentDisposition('Physics \ud800', '2026-11-26T09:00:00Z', 'csv');
    expect(header).toContain('filename="Physics-2026-11-26.csv"');
    expect(decodeURIComponent(header.split("UTF-8''")[1] ?? '')).toBe('Physics \ufffd-2026-11-26.csv');
  });
});
