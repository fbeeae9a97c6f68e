import type { OperatorFunction } from 'rxjs';
import { Observable } from '../rx.js';
import { allocateBlock, checkBlock, copySamples, sliceBlock, type Block } from '../block.js';
import { BlockMismatchError } from '../errors.js';
import { operate } from '../operate.js';
import { checkRows, isRows, layoutOf, runLength, type Rows, type Run } from './rows.js';

/** How `regroup` and `shard()` read and build runs of samples: Blocks, or Rows of one epoch block. */
export const runItems = {
  length: runLength,
  epoch: (value: Run): number => layoutOf(value).epoch,
  /** A view of samples `[start, end)`. */
  slice<T extends Run>(value: T, start: number, end: number): T {
    return (isRows(value) ? { from: value.from, rows: value.rows.subarray(start, end) } : sliceBlock(value, start, end)) as T;
  },
  /** An empty run of `n` samples like `like`: same layout and epoch (for Rows, the same epoch block). */
  allocate<T extends Run>(like: T, n: number): T {
    return (isRows(like) ? { from: like.from, rows: new Uint32Array(n) } : allocateBlock(like, n)) as T;
  },
  /** Copies `count` samples of `src` from `from` into `dst` at `to` (both Blocks, or Rows of one epoch block). */
  copy<T extends Run>(src: T, from: number, dst: T, to: number, count: number): void {
    const source: Run = src;
    if (isRows(source)) (dst as Rows).rows.set(source.rows.subarray(from, from + count), to);
    else copySamples(source, from, dst as Block, to, count);
  },
};

/**
 * Checks a run that `stage` is about to join with `like` (the first run of the stream, or of
 * the epoch): both Blocks or both Rows, with samples of one layout, and Rows of one epoch drawn
 * from one epoch block. Throws `BlockMismatchError` naming both.
 */
export function checkRun(stage: string, value: Run, like: Run | undefined): void {
  if (isRows(value)) checkRows(stage, value);
  else checkBlock(stage, value);
  if (like === undefined) return;
  if (isRows(value) !== isRows(like)) {
    const kind = (v: Run): string => (isRows(v) ? 'Rows (from shuffleRows())' : 'Blocks');
    throw new BlockMismatchError({ file: stage, expected: `${kind(like)} like the values before`, found: kind(value) });
  }
  checkBlock(stage, layoutOf(value), layoutOf(like));
  if (isRows(value) && isRows(like) && value.from.epoch === like.from.epoch && value.from !== like.from) {
    throw new BlockMismatchError({
      file: stage,
      expected: `the rows of epoch ${like.from.epoch} to come from one epoch block`,
      found: 'rows of another block in the same epoch',
    });
  }
}

/** Passes runs on, checking each against the first as `checkRun` does. */
export function checked<T extends Run>(stage: string): OperatorFunction<T, T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let like: T | undefined;
      operate(source, subscriber, {
        next(value) {
          checkRun(stage, value, like);
          like ??= value;
          subscriber.next(value);
        },
      });
    });
}

/**
 * Regroups a stream of runs of samples into runs of exactly `size` that never mix epochs: the
 * engine of `batch()`. Whole groups inside one incoming value are views of it; the others are
 * filled by copying. The last group of an epoch may be smaller, or dropped with `dropLast`.
 */
export function regroup<T extends Run>(stage: string, size: number, dropLast: boolean): OperatorFunction<T, T> {
  return (source) =>
    new Observable<T>((subscriber) => {
      let current: T | undefined;
      let filled = 0;
      let like: T | undefined; // the first value of the epoch being grouped
      const flush = (): void => {
        if (current !== undefined && filled > 0 && (filled === size || !dropLast)) {
          subscriber.next(filled === size ? current : runItems.slice(current, 0, filled));
        }
        current = undefined;
        filled = 0;
      };
      operate(source, subscriber, {
        next(value) {
          checkRun(stage, value, like);
          if (like === undefined || runItems.epoch(like) !== runItems.epoch(value)) {
            flush();
            like = value;
          }
          const n = runItems.length(value);
          let at = 0;
          if (filled === 0) {
            for (; n - at >= size && !subscriber.closed; at += size) subscriber.next(runItems.slice(value, at, at + size));
          }
          while (at < n && !subscriber.closed) {
            current ??= runItems.allocate(value, size);
            const take = Math.min(size - filled, n - at);
            runItems.copy(value, at, current, filled, take);
            filled += take;
            at += take;
            if (filled === size) flush();
          }
        },
        complete() {
          flush();
          subscriber.complete();
        },
      });
    });
}
