import { RosterRequestSchema } from '@qrca/contract';
import { describe, expect, it } from 'vitest';
import { rosterFromCsv } from './session.routes';

describe('rosterFromCsv', () => {
  it('takes one student per row with an email, the first other cell as the name, whatever the quoting or BOM', () => {
    const csv = '\uFEFFname,email\r\n"Lovelace, Ada",ada@uni.edu\r\n"Hopper, ""Amazing"" Grace",grace@uni.edu\r\n\r\n';
    expect(rosterFromCsv(csv)).toEqual({
      entries: [
        { email: 'ada@uni.edu', name: 'Lovelace, Ada' },
        { email: 'grace@uni.edu', name: 'Hopper, "Amazing" Grace' },
      ],
    });
    expect(rosterFromCsv('ada@uni.edu\nbob@uni.edu,,Bob')).toEqual({
      entries: ['ada@uni.edu', { email: 'bob@uni.edu', name: 'Bob' }],
    });
  });

  it('keeps invalid emails in for the request schema to refuse, merges repeats, reads rows pasted from a spreadsheet', () => {
    const roster = rosterFromCsv('Ada\tada@uni.edu\nBob\tbob@\r\nada@UNI.edu\n');
    expect(roster).toEqual({ entries: [{ email: 'ada@uni.edu', name: 'Ada' }, 'bob@'] });
    expect(RosterRequestSchema.safeParse(roster).success).toBe(false);
    expect(RosterRequestSchema.safeParse(rosterFromCsv('email\nada@uni.edu')).success).toBe(true);
  });
});
