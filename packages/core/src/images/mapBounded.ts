// At most `limit` promises under way at once, results in input order: decoding a block of images
// with Promise.all would hold every decoder's buffers at the same time, and could not stop.

/**
 * Maps `items` through `work`, at most `limit` at a time, results in the items' order. When
 * items fail, no further item is started and the error of the first failing item (in input
 * order, whichever failed first in time) is thrown: the same error on every run. No item is
 * started once `signal` has aborted (the promise rejects with its reason).
 *
 * @internal
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const failed: { index: number; error?: unknown } = { index: Infinity }; // Infinity: none yet
  const lane = async (): Promise<void> => {
    while (next < items.length && failed.index === Infinity) {
      signal?.throwIfAborted();
      const i = next++;
      try {
        results[i] = await work(items[i], i);
      } catch (error) {
        // Items are started in order, so every item before `i` has started: the lowest index wins.
        if (i < failed.index) Object.assign(failed, { index: i, error });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failed.index !== Infinity) throw failed.error;
  return results;
}
