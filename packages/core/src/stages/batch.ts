import { Observable, type OperatorFunction } from 'rxjs';
import { allocateBlock, blockLength, copySamples, sliceBlock, type Block, type PixelArray } from '../block.js';
import { integer } from '../validate.js';

/** Options of `batch()`. */
export interface BatchOptions {
  /** Drop the last, smaller batch of each epoch. Default false (it is emitted). */
  dropLast?: boolean;
}

/**
 * Regroups samples into Blocks of exactly `size` samples, like a DataLoader's batches.
 *
 * A batch never mixes epochs: the last batch of an epoch may be smaller (or dropped with
 * `dropLast`). Where whole batches lie inside one incoming block they are views of it, not
 * copies (blocks are never modified once emitted, by any stage); the others are fresh.
 *
 * @param size Samples per batch (integer >= 1).
 * @param options See `BatchOptions`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(batch(128, { dropLast: true })).subscribe((b) => console.log(b.shape[0])); // 128 ...
 * ```
 */
export function batch<P extends PixelArray>(size: number, options: BatchOptions = {}): OperatorFunction<Block<P>, Block<P>> {
  integer('size', size, 1);
  const dropLast = options.dropLast ?? false;
  return (source) =>
    new Observable<Block<P>>((subscriber) => {
      let current: Block<P> | undefined;
      let filled = 0;
      const flush = (): void => {
        if (current && filled > 0 && (filled === size || !dropLast)) {
          subscriber.next(filled === size ? current : sliceBlock(current, 0, filled));
        }
        current = undefined;
        filled = 0;
      };
      return source.subscribe({
        next(block) {
          if (current && current.epoch !== block.epoch) flush();
          const n = blockLength(block);
          let at = 0;
          if (filled === 0) {
            for (; n - at >= size && !subscriber.closed; at += size) subscriber.next(sliceBlock(block, at, at + size));
          }
          while (at < n) {
            current ??= allocateBlock(block.images, size, block.shape[1], block.shape[2], block.epoch);
            const take = Math.min(size - filled, n - at);
            copySamples(block, at, current, filled, take);
            filled += take;
            at += take;
            if (filled === size) flush();
          }
        },
        error: (error) => subscriber.error(error),
        complete() {
          flush();
          subscriber.complete();
        },
      });
    });
}
