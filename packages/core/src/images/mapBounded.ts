// At most `limit` promises under way at once, results in input order: decoding a block of images
// with Promise.all would hold every decoder's buffers at the same time.

/**
 * Maps `items` through `work`, at most `limit` at a time, results in the items' order.
 *
 * @internal
 */
export async function mapBounded<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
