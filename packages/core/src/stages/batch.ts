import type { OperatorFunction } from 'rxjs';
import { integer } from '../validate.js';
import { regroup } from './regroup.js';
import type { Run } from './rows.js';

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
 * copies (blocks are never modified once emitted, by any stage); the others are fresh. Blocks
 * whose samples differ in height, width, pixel type or random-stage count cannot share a batch:
 * the stream errors with a `BlockMismatchError` naming both. After `shuffleRows()` it regroups
 * the Rows (row numbers, not pixels) in the same way.
 *
 * @param size Samples per batch (integer >= 1).
 * @param options See `BatchOptions`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(batch(128, { dropLast: true })).subscribe((b) => console.log(b.shape[0])); // 128 ...
 * ```
 */
export function batch<T extends Run>(size: number, options: BatchOptions = {}): OperatorFunction<T, T> {
  integer('size', size, 1);
  const dropLast = options.dropLast ?? false;
  return regroup<T>(`batch(${size})`, size, dropLast);
}
