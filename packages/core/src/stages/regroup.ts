import { Observable, type OperatorFunction } from 'rxjs';
import { allocateBlock, blockLength, copySamples, sliceBlock, type Block, type PixelArray } from '../block.js';

/** How `regroup` and `shard()` read and build runs of samples (Blocks, or Rows). */
export interface Groupable<T> {
  length(value: T): number;
  epoch(value: T): number;
  /** A view of items `[start, end)`. */
  slice(value: T, start: number, end: number): T;
  /** An empty value of `n` items of `like`'s epoch, like `like`. */
  allocate(like: T, n: number): T;
  /** Copies `count` items of `src` from `from` into `dst` at `to`. */
  copy(src: T, from: number, dst: T, to: number, count: number): void;
}

/** Blocks as runs of samples. */
export function blockItems<P extends PixelArray>(): Groupable<Block<P>> {
  return {
    length: blockLength,
    epoch: (b) => b.epoch,
    slice: sliceBlock,
    allocate: (like, n) => allocateBlock(like.images, n, like.shape[1], like.shape[2], like.epoch),
    copy: copySamples,
  };
}

/**
 * Regroups a stream of runs of items into runs of exactly `size` items that never mix epochs:
 * the engine of `batch()`. Whole groups inside one incoming value are views of it; the others
 * are filled by copying. The last group of an epoch may be smaller, or dropped with `dropLast`.
 */
export function regroup<T>(size: number, dropLast: boolean, ops: Groupable<T>): OperatorFunction<T, T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let current: T | undefined;
      let filled = 0;
      const flush = (): void => {
        if (current !== undefined && filled > 0 && (filled === size || !dropLast)) {
          subscriber.next(filled === size ? current : ops.slice(current, 0, filled));
        }
        current = undefined;
        filled = 0;
      };
      return source.subscribe({
        next(value) {
          if (current !== undefined && ops.epoch(current) !== ops.epoch(value)) flush();
          const n = ops.length(value);
          let at = 0;
          if (filled === 0) {
            for (; n - at >= size && !subscriber.closed; at += size) subscriber.next(ops.slice(value, at, at + size));
          }
          while (at < n) {
            current ??= ops.allocate(value, size);
            const take = Math.min(size - filled, n - at);
            ops.copy(value, at, current, filled, take);
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
