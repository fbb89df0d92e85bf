import { describe, expect, it } from 'vitest';
import { decodeRosterBytes, readRosterText, rosterProblem } from './roster-text';

describe('readRosterText', () => {
  it('reads a CSV file: header left out, quoted names, line numbers of the text', () => {
    const csv = '\uFEFFname,email\r\n"Lovelace, Ada",ada@uni.edu\r\n\r\n"Hopper, Grace",grace@\r\nada@uni.edu\r\n';
    expect(readRosterText(csv)).toEqual({
      reading: {
        entries: [{ email: 'ada@uni.edu', name: 'Lovelace, Ada' }],
        heading: 'name,email',
        rejected: [
          { line: 4, text: '"Hopper, Grace",grace@', reason: 'invalid_email', email: 'grace@' },
          { line: 5, text: 'ada@uni.edu', reason: 'duplicate', email: 'ada@uni.edu' },
        ],
      },
    });
  });

  it('reads pasted lines: one email per line, or rows copied from a spreadsheet (tabs)', () => {
    expect(readRosterText('ada@uni.edu\n  bob@uni.edu  \n')).toEqual({
      reading: { entries: ['ada@uni.edu', 'bob@uni.edu'], rejected: [] },
    });
    expect(readRosterText('Lovelace, Ada\tada@uni.edu\nBob\tbob@uni.edu')).toEqual({
      reading: {
        entries: [
          { email: 'ada@uni.edu', name: 'Lovelace, Ada' },
          { email: 'bob@uni.edu', name: 'Bob' },
        ],
        rejected: [],
      },
    });
  });

  it('says why text that is not CSV cannot be read', () => {
    expect(readRosterText('ada@uni.edu\n"Bob,bob@uni.edu\ncarol@uni.edu')).toEqual({
      error: 'A quotation mark (") is never closed: check the quotes before line 3.',
    });
    expect(readRosterText('"Ada" Lovelace,ada@uni.edu')).toEqual({
      error: 'Line 1 has text after a closing quotation mark ("). Put the whole cell in quotes, or remove them.',
    });
    expect(readRosterText('  \n')).toEqual({ reading: { entries: [], rejected: [] } });
  });
});

describe('rosterProblem', () => {
  it('refuses a roster without students or with too many', () => {
    expect(rosterProblem(readRosterText('name,email\n'))).toMatch(/No line of the roster has an email/);
    const many = Array.from({ length: 2001 }, (_, i) => `s${i}@uni.edu`).join('\n');
    expect(rosterProblem(readRosterText(many))).toMatch(/at most/);
    expect(rosterProblem(readRosterText('ada@uni.edu'))).toBeUndefined();
    expect(rosterProblem(readRosterText(''))).toBeUndefined();
    expect(rosterProblem({ error: 'broken' })).toBe('broken');
  });
});

describe('decodeRosterBytes', () => {
  it('reads UTF-8 (dropping a BOM) and falls back to Windows-1252', () => {
    expect(decodeRosterBytes(new TextEncoder().encode('\uFEFFZoë,zoe@uni.edu'))).toBe('Zoë,zoe@uni.edu');
    expect(decodeRosterBytes(new Uint8Array([0x5a, 0x6f, 0xeb]))).toBe('Zoë');
  });
});
