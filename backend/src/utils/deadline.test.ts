import { describe, expect, it } from 'vitest';
import { withDeadline } from './deadline';

class Late extends Error {}

describe('withDeadline', () => {
  it('answers with the work when it is in time', async () => {
    await expect(
      withDeadline(
        1_000,
        () => new Late(),
        async () => 42,
      ),
    ).resolves.toBe(42);
  });

  it('answers with the late error once the time is up, and aborts the work’s signal with it', async () => {
    let seen: AbortSignal | undefined;
    const hanging = (signal: AbortSignal) => {
      seen = signal;
      return new Promise<never>(() => undefined);
    };
    await expect(withDeadline(10, () => new Late('too slow'), hanging)).rejects.toBeInstanceOf(Late);
    expect(seen?.aborted).toBe(true);
    expect(seen?.reason).toBeInstanceOf(Late);
  });

  it('passes the work’s own failure through', async () => {
    await expect(
      withDeadline(
        1_000,
        () => new Late(),
        () => Promise.reject(new Error('broken')),
      ),
    ).rejects.toThrow('broken');
  });
});
