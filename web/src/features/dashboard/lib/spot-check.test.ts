import type { SpotCheckStudent } from '@qrca/contract';
import { describe, expect, it } from 'vitest';
import {
  currentStudent,
  pickedBecause,
  progressText,
  recordAnswer,
  skipStudent,
  startRun,
  summaryText,
} from './spot-check';

const student = (id: string, flags: string[] = []): SpotCheckStudent => ({
  studentId: id,
  name: `Student ${id}`,
  email: `${id}@students.example.edu`,
  flags,
  reason: 'Picked at random among the students checked in; no flags.',
});

describe('a spot-check run', () => {
  it('walks through the students one at a time, with progress', () => {
    let run = startRun('sc1', [student('a'), student('b'), student('c')]);
    expect(currentStudent(run)?.studentId).toBe('a');
    expect(progressText(run)).toBe('1 of 3');
    run = recordAnswer(run, 'a', 'here');
    expect(currentStudent(run)?.studentId).toBe('b');
    expect(progressText(run)).toBe('2 of 3');
    run = recordAnswer(run, 'b', 'not_here');
    run = skipStudent(run);
    expect(currentStudent(run)).toBeUndefined();
    expect(progressText(run)).toBe('3 of 3');
    expect(summaryText(run)).toBe('Spot check done: 1 here, 1 not here (marked absent), 1 skipped.');
  });

  it('ignores an answer for a student not in the run, and a skip past the end', () => {
    const run = startRun('sc1', [student('a')]);
    expect(recordAnswer(run, 'zz', 'here')).toBe(run);
    const done = skipStudent(run);
    expect(skipStudent(done)).toBe(done);
  });

  it('says so when nobody could be picked', () => {
    expect(summaryText(startRun('sc1', []))).toMatch(/^Nobody to spot-check/);
  });

  it('says all here without a skipped part', () => {
    let run = startRun('sc1', [student('a'), student('b')]);
    run = recordAnswer(recordAnswer(run, 'a', 'here'), 'b', 'here');
    expect(summaryText(run)).toBe('Spot check done: 2 here, 0 not here.');
  });
});

describe('pickedBecause', () => {
  it('names the flags in the console’s words', () => {
    expect(pickedBecause({ flags: ['shared_device', 'too_fast', 'shared_device'] })).toBe(
      'Flagged — Shared phone, Too-fast hand-off: flagged students are picked more often.',
    );
    expect(pickedBecause({ flags: ['brand_new'] })).toContain('brand_new');
  });

  it('says a student without flags was picked at random', () => {
    expect(pickedBecause({ flags: [] })).toBe('Picked at random: no flags.');
  });
});
