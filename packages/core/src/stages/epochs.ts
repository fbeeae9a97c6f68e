import type { OperatorFunction } from 'rxjs';
import { Observable } from '../rx.js';
import type { Block, PixelArray } from '../block.js';
import { emit } from '../flow.js';
import { operate } from '../operate.js';
import { OptionError } from '../errors.js';

/**
 * Runs the source `count` times in a row, tagging the blocks of pass `e` with epoch `e`.
 *
 * Each pass resubscribes to the source, so a file source is read again rather than held
 * in memory. Put it before `shuffle()` and `augment()`: they draw from (seed, epoch), so
 * every epoch gets a new order and new augmentations.
 *
 * It is also a producer in the sense of flow control (see `holdUntil`): a pass starts only once
 * the stages after it have let go of the previous pass's blocks, so a synchronous source such as
 * `of(block)` replayed for ever still runs at the pace of the sink. Passes that complete
 * synchronously run in a loop, not by recursion, so any number of them is safe.
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
    throw new OptionError(`Expected integer >= 1 or Infinity for count but received ${String(count)} of type ${typeof count}`);
  }
  return (source) =>
    new Observable<Block<P>>((subscriber) => {
      let epoch = 0;

      /** Starts passes until one is still running, is held downstream, or the last has ended. */
      const run = (): void => {
        while (!subscriber.closed) {
          if (epoch >= count) return subscriber.complete();
          const pass = epoch;
          const holds: Promise<void>[] = [];
          let subscribing = true;
          let endedInside = false; // the pass completed during subscribe()
          operate(source, subscriber, {
            next(block) {
              const held = emit(subscriber, block.epoch === pass ? block : { ...block, epoch: pass });
              if (held) holds.push(held);
            },
            complete() {
              epoch = pass + 1;
              if (subscribing) endedInside = true;
              else next(holds);
            },
          });
          subscribing = false;
          if (!endedInside) return; // the pass goes on; its completion starts the next
          if (holds.length > 0) return next(holds);
        }
      };
      /** After a pass: the next one once every block it emitted has been let go. */
      const next = (holds: Promise<void>[]): void => {
        if (holds.length === 0) run();
        else void Promise.all(holds).then(run);
      };
      run();
    });
}
