import type { OperatorFunction } from 'rxjs';
import { Observable } from '../rx.js';
import { operate } from '../operate.js';
import { integer } from '../validate.js';
import { runItems } from './regroup.js';
import type { Run } from './rows.js';

/**
 * Drops the first `count` samples of the stream (Blocks or Rows), cutting a block where the
 * count ends: how a trainer resumes mid-epoch. Every sample is a pure function of
 * (seed, stage, epoch, index), so a stream that skips the `count` samples a trainer has already
 * consumed continues it exactly, with nothing stored anywhere.
 *
 * @param count Samples to drop (integer >= 0).
 *
 * ## Example
 * ```ts
 * const train = await loadBlock(mnist({ split: 'train' })); // the whole set in one Block
 * of(train).pipe(shuffleRows({ seed: 1 }), skipSamples(12_345), batch(128)); // resume at sample 12,345 of the epoch
 * ```
 */
export function skipSamples<T extends Run>(count: number): OperatorFunction<T, T> {
  integer('count', count, 0);
  return (source) =>
    new Observable<T>((subscriber) => {
      let left = count;
      operate(source, subscriber, {
        next(value) {
          if (left === 0) return subscriber.next(value);
          const n = runItems.length(value);
          if (n <= left) {
            left -= n;
            return;
          }
          const rest = runItems.slice(value, left, n);
          left = 0;
          subscriber.next(rest);
        },
      });
    });
}
