// At most `limit` promises under way at once, results in input order: decoding a block of images
// with Promise.all would hold every decoder's buffers at the same time, and could not stop.

/**
 * Maps `items` through `work`, at most `limit` at a time, results in the items' order; no item
 * is started once `signal` has aborted (the promise rejects with its reason).
 *
 * @internal
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>, signal?: AbortSignal): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      signal?.throwIfAborted();
      const i = next++;
      results[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
