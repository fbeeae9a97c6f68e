// Rows: samples selected from an epoch but not copied yet. `shuffleRows()` emits them, `batch()`
// and `shard()` regroup them by moving row numbers, and a stage that reads every pixel anyway
// (`augment()`, `normalize()`) gathers them in its own pass, on its workers: the main thread
// then copies no pixels, where a shuffle's gather (random 784-byte reads from a 47 MB epoch) is
// otherwise its largest cost. `gather()` turns them into Blocks for everything else.
import type { OperatorFunction } from 'rxjs';
import { Observable } from '../rx.js';
import { allocateBlock, blockLength, checkBlock, copySample, labelMatrixColumns, sharedArray, softLabelClasses, type Block, type PixelArray, type TypedArrayOf } from '../block.js';
import { operate } from '../operate.js';
import { BlockMismatchError } from '../errors.js';

/** Samples not copied yet: sample `i` is sample `rows[i]` of `from`. */
export interface Rows<P extends PixelArray = PixelArray> {
  /** The block gathered from: one whole epoch, its pixels and indices in shared memory. */
  readonly from: Block<P>;
  /** Positions in `from`, in output order. */
  readonly rows: Uint32Array;
}

/** What flows between `shuffleRows()` and the stage that gathers: Blocks, or Rows. */
export type Run<P extends PixelArray = PixelArray> = Block<P> | Rows<P>;

/** Whether `value` is Rows (not a Block). */
export function isRows<P extends PixelArray>(value: Run<P>): value is Rows<P> {
  return (value as Partial<Rows<P>>).rows !== undefined && (value as Partial<Rows<P>>).from !== undefined;
}

/** Number of samples in a Block or Rows. */
export function runLength(value: Run): number {
  return isRows(value) ? value.rows.length : blockLength(value);
}

/** The block whose samples (or sample layout) a Block or Rows carries. */
export function layoutOf<P extends PixelArray>(value: Run<P>): Block<P> {
  return isRows(value) ? value.from : value;
}

/**
 * The rows' samples as a Block: pixels, labels and indices gathered here.
 *
 * @param rows Which samples of which block, in order.
 *
 * ## Example
 * ```ts
 * const test = await loadBlock(mnist({ split: 'test' }));
 * const picked = gatherRows({ from: test, rows: Uint32Array.of(3, 2, 1) }); // samples 3, 2 and 1
 * ```
 */
export function gatherRows<P extends PixelArray>(rows: Rows<P>): Block<P>;
/**
 * The rows' samples as a Block whose pixels something gathered already (a worker); labels and
 * indices are gathered here.
 *
 * @param rows Which samples of which block, in order.
 * @param images The pixels of those samples, in the rows' order.
 */
export function gatherRows<Q extends PixelArray>(rows: Rows, images: Q): Block<Q>;
export function gatherRows({ from, rows }: Rows, images?: PixelArray): Block {
  const n = rows.length;
  if (images === undefined) {
    const block = allocateBlock(from, n);
    for (let i = 0; i < n; i++) copySample(from, rows[i], block, i);
    return block;
  }
  const labels = new Uint8Array(n);
  const indices = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = from.labels[rows[i]];
    indices[i] = from.indices[rows[i]];
  }
  const shape: [number, number, number] = [n, from.shape[1], from.shape[2]];
  const block: Block = { images, labels, indices, epoch: from.epoch, shape, ...(from.randomStages === undefined ? {} : { randomStages: from.randomStages }) };
  const soft = from.softLabels === undefined ? block : { ...block, softLabels: gatherSoftLabels(from, rows) };
  const matrix = from.labelMatrix === undefined ? soft : { ...soft, labelMatrix: gatherLabelMatrix(from, rows) };
  const ids = from.classIds === undefined ? matrix : { ...matrix, classIds: Uint16Array.from(rows, (r) => from.classIds![r]) };
  return from.tasks === undefined ? ids : { ...ids, tasks: Uint8Array.from(rows, (r) => from.tasks![r]) };
}

/** The label-matrix rows of `from` named by `rows`, in order. */
function gatherLabelMatrix(from: Block, rows: Uint32Array): Uint8Array {
  const k = labelMatrixColumns(from);
  const out = new Uint8Array(rows.length * k);
  for (let i = 0; i < rows.length; i++) out.set(from.labelMatrix!.subarray(rows[i] * k, (rows[i] + 1) * k), i * k);
  return out;
}

/** The soft-label rows of `from` named by `rows`, in order. */
function gatherSoftLabels(from: Block, rows: Uint32Array): Float32Array {
  const k = softLabelClasses(from);
  const out = new Float32Array(rows.length * k);
  for (let i = 0; i < rows.length; i++) out.set(from.softLabels!.subarray(rows[i] * k, (rows[i] + 1) * k), i * k);
  return out;
}

/**
 * Gathers Rows into Blocks on the main thread; Blocks pass through. Put it after
 * `shuffleRows()` (and `batch()`, `shard()`) where the next stage wants Blocks.
 *
 * ## Example
 * ```ts
 * mnist().pipe(shuffleRows({ seed: 1 }), batch(64), gather(), map((b) => b.labels));
 * ```
 */
export function gather<P extends PixelArray>(): OperatorFunction<Run<P>, Block<P>> {
  return (source) =>
    new Observable<Block<P>>((subscriber) => {
      operate(source, subscriber, {
        next(value) {
          if (!isRows(value)) {
            checkBlock('gather()', value);
            subscriber.next(value);
            return;
          }
          checkRows('gather()', value);
          subscriber.next(gatherRows(value));
        },
      });
    });
}

/**
 * Each block as Rows that select all its samples in their order (the block in shared memory):
 * the unshuffled counterpart of `shuffleRows()`, so that `batch()`, `shard()` and `augment()`
 * move row numbers and the augmentation's workers read the block in place.
 *
 * ## Example
 * ```ts
 * const train = await loadBlock(mnist({ split: 'train' })); // the whole set in one Block
 * of(train).pipe(asRows(), batch(128), augment({ rotate: 10 }, { workers: 2 }));
 * ```
 */
export function asRows<P extends PixelArray>(): OperatorFunction<Block<P>, Rows<P>> {
  return (source) =>
    new Observable<Rows<P>>((subscriber) => {
      operate(source, subscriber, {
        next(block) {
          checkBlock('asRows()', block);
          const rows = new Uint32Array(blockLength(block));
          for (let i = 0; i < rows.length; i++) rows[i] = i;
          subscriber.next({ from: sharedBlock(block), rows });
        },
      });
    });
}

/** Checks Rows as `checkBlock` checks a Block: a valid `from`, and rows inside it. */
export function checkRows(stage: string, value: Rows): void {
  checkBlock(stage, value.from);
  const n = blockLength(value.from);
  for (const row of value.rows) {
    if (row >= n) throw new BlockMismatchError(`${stage}: Expected rows below ${n} (the samples of the epoch block) but received row ${row}`);
  }
}

const sharedCopies = new WeakMap<object, Uint8Array | Float32Array | Uint32Array>();

/**
 * `array` in a SharedArrayBuffer: itself when it already is, else a copy, made once per
 * array (a source that replays the same block every epoch is copied once, not per epoch:
 * blocks are never modified once emitted).
 */
export function inSharedMemory<T extends Uint8Array | Float32Array | Uint32Array>(array: T): T {
  if (array.buffer instanceof SharedArrayBuffer) return array;
  let copy = sharedCopies.get(array) as T | undefined;
  if (copy === undefined) {
    copy = sharedArray(array.constructor as TypedArrayOf<T>, array.length);
    copy.set(array);
    sharedCopies.set(array, copy);
  }
  return copy;
}

/** `block` with its pixels and indices in shared memory (labels stay: workers do not read them). */
export function sharedBlock<P extends PixelArray>(block: Block<P>): Block<P> {
  if (blockLength(block) === 0) return block;
  return { ...block, images: inSharedMemory(block.images), indices: inSharedMemory(block.indices) };
}
