import { describe, expect, it } from 'vitest';
import { AppError } from '../middleware/errors';
import { StoreConflictError } from '../ports/table-store';
import { retryOnConflict } from './retry-on-conflict';

const conflict = () => new StoreConflictError('exists', 'T', 'p', 'r');

describe('retryOnConflict', () => {
  it('runs again after a lost compare-and-swap and returns the first success', async () => {
    const seen: number[] = [];
    const result = await retryOnConflict(async (attempt) => {
      seen.push(attempt);
      if (attempt < 3) throw conflict();
      return 'ok';
    });
    expect([result, seen]).toEqual(['ok', [1, 2, 3]]);
  });

  it('answers CONFLICT when every attempt lost, and passes other errors through at once', async () => {
    await expect(retryOnConflict(async () => Promise.reject(conflict()), 2)).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    const other = new AppError('BATON_TAKEN', 'taken');
    let runs = 0;
    await expect(
      retryOnConflict(async () => {
        runs++;
        throw other;
      }),
    ).rejects.toBe(other);
    expect(runs).toBe(1);
  });
});
