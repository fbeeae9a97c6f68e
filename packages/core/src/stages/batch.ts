import type { OperatorFunction } from 'rxjs';
import type { Block, PixelArray } from '../block.js';
import { integer } from '../validate.js';
import { blockItems, regroup } from './regroup.js';
import { keepRows, rowItems } from './rows.js';

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
 * After `shuffle()`, a stage such as `augment()` or `normalize()` that reads every pixel gathers
 * the batch's samples in its own pass (see `deferredRows`).
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
  return (source) => keepRows(source, source.pipe(regroup(size, dropLast, blockItems<P>())), regroup(size, dropLast, rowItems<P>()));
}
