/** Optimistic concurrency: run read-decide-write again when a compare-and-swap lost to another writer. */
import { AppError } from '../middleware/errors';
import { StoreConflictError } from '../ports/table-store';

/**
 * Runs `work(attempt)` and runs it again (fresh reads, a fresh decision) when it throws StoreConflictError,
 * at most `attempts` times in all.
 * @throws AppError CONFLICT when every attempt lost; anything else `work` throws, unchanged.
 */
export async function retryOnConflict<T>(work: (attempt: number) => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work(attempt);
    } catch (error) {
      if (!(error instanceof StoreConflictError)) throw error;
      if (attempt >= attempts) throw new AppError('CONFLICT', 'Too many changes at once. Try again.');
    }
  }
}
