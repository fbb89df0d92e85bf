import { describe, expect, it } from 'vitest';
import { rosterFromCsv } from './session.routes';

describe('rosterFromCsv', () => {
  it('takes every email cell, whatever the columns, quoting, BOM or line endings', () => {
    const csv = '\uFEFFname,email\r\n"Lovelace, Ada",ada@uni.edu\r\n"Hopper, ""Amazing"" Grace",grace@uni.edu\r\n\r\n';
    expect(rosterFromCsv(csv)).toEqual({ entries: ['ada@uni.edu', 'grace@uni.edu'] });
    expect(rosterFromCsv('ada@uni.edu\nbob@uni.edu,extra,columns')).toEqual({
      entries: ['ada@uni.edu', 'bob@uni.edu'],
    });
  });
});
