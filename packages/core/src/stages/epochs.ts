import { Observable, type OperatorFunction, type Subscription } from 'rxjs';
import type { Block, PixelArray } from '../block.js';

/**
 * Runs the source `count` times in a row, tagging the blocks of pass `e` with epoch `e`.
 *
 * Each pass resubscribes to the source, so a file source is read again rather than held
 * in memory. Put it before `shuffle()` and `augment()`: they draw from (seed, epoch), so
 * every epoch gets a new order and new augmentations.
 *
 * @param count Number of passes (integer >= 1, or Infinity).
 *
 * ## Example
 * ```ts
 * mnist().pipe(epochs(3), shuffle({ seed: 7 }), batch(128));
 * ```
 */
export function epochs<P extends PixelArray>(count: number): OperatorFunction<Block<P>, Block<P>> {
  if (!(count === Infinity || (Number.isInteger(count) && count >= 1))) {
    throw new RangeError(`Expected integer >= 1 or Infinity for count but received ${String(count)} of type ${typeof count}`);
  }
  return (source) =>
    new Observable<Block<P>>((subscriber) => {
      let inner: Subscription | undefined;
      let epoch = 0;
      const run = (): void => {
        inner = source.subscribe({
          next: (block) => subscriber.next(block.epoch === epoch ? block : { ...block, epoch }),
          error: (error) => subscriber.error(error),
          complete: () => {
            if (++epoch < count && !subscriber.closed) run();
            else subscriber.complete();
          },
        });
      };
      run();
      return () => inner?.unsubscribe();
    });
}
