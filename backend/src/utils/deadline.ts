/** A bound on how long work may take, for work that could hang without a timeout of its own. */

/**
 * `work`'s result, or the error `late()` makes once `ms` have passed: then `work`'s signal is aborted with that error
 * and the caller is answered at once, even if `work` ignores the signal (it is left to settle on its own).
 * @throws what `work` throws, or `late()`'s error.
 */
export async function withDeadline<T>(
  ms: number,
  late: () => Error,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = late();
      controller.abort(error);
      reject(error);
    }, ms);
  });
  try {
    return await Promise.race([work(controller.signal), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
