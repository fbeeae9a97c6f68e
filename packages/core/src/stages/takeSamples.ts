import type { OperatorFunction } from 'rxjs';
import { Observable } from '../rx.js';
import { operate } from '../operate.js';
import { integer } from '../validate.js';
import { runItems } from './regroup.js';
import type { Run } from './rows.js';

/**
 * Keeps the first `count` samples of the stream (Blocks or Rows), cutting a block where the
 * count ends, then completes and unsubscribes upstream: with `skipSamples()`, a range of
 * positions of a stream, such as one part of an export split across machines.
 *
 * @param count Samples to keep (integer >= 0).
 *
 * ## Example
 * ```ts
 * const train = await loadBlock(mnist({ split: 'train' })); // the whole set in one Block
 * of(train).pipe(epochs(10), shuffleRows({ seed: 1 }), skipSamples(200_000), takeSamples(100_000)); // positions 200,000 to 299,999
 * ```
 */
export function takeSamples<T extends Run>(count: number): OperatorFunction<T, T> {
  integer('count', count, 0);
  return (source) =>
    new Observable<T>((subscriber) => {
      if (count === 0) return subscriber.complete();
      let left = count;
      operate(source, subscriber, {
        next(value) {
          const n = runItems.length(value);
          if (n < left) {
            left -= n;
            return subscriber.next(value);
          }
          const last = n === left ? value : runItems.slice(value, 0, left);
          left = 0;
          subscriber.next(last);
          subscriber.complete();
        },
      });
    });
}
