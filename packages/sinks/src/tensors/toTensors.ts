import { validate, type Block } from '@idxflow/core/internal';
import type { Observable } from 'rxjs';
import { iterateBlocks } from './iterateBlocks.js';
import { refuseUnstored } from '../stores.js';
import { BlockMismatchError, OptionError } from '@idxflow/core';

/** Axis order of the image tensors. */
export type Layout = 'NCHW' | 'NHWC';

const LAYOUTS: readonly Layout[] = ['NCHW', 'NHWC'];

/** Options of `toTensors()`. */
export interface TensorOptions {
  /** `'NCHW'` (PyTorch's `[n, 1, h, w]`) or `'NHWC'` (TensorFlow's `[n, h, w, 1]`). Default `'NCHW'`. */
  layout?: Layout;
  /**
   * Labels as one-hot Float32 rows (`n * classes`) instead of Int32 class ids; a block with soft
   * labels (after `mixup()` or `cutmix()`) gives those rows instead. Without it such a block is
   * refused (`UnstorableFieldError`): class ids cannot hold a mixture. Default false.
   */
  oneHot?: boolean;
  /** Number of classes, the width of a one-hot row. Default 10. */
  classes?: number;
}

/** One batch as flat typed arrays and shapes, ready for any tensor library. */
export interface TensorBatch<Y extends Int32Array | Float32Array = Int32Array | Float32Array> {
  /** Pixels in [0, 1] (or as normalised upstream), `n * h * w` floats. */
  readonly x: Float32Array;
  /** Class ids (`Int32Array`, `n`: `Block.classIds` when the block has them, past 255) or one-hot rows (`Float32Array`, `n * classes`). */
  readonly y: Y;
  /** `[n, 1, h, w]` (NCHW) or `[n, h, w, 1]` (NHWC). */
  readonly shape: [number, number, number, number];
  /** `[n]` for class ids, `[n, classes]` for one-hot rows. */
  readonly yShape: [number] | [number, number];
  /** The epoch of the block. */
  readonly epoch: number;
  /** Source index of each sample (a view of the block's). */
  readonly indices: Uint32Array;
}

// v / 255 for every byte, rounded to float32 once: the same bits as ToTensor()'s division.
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

function unitFloats(images: Uint8Array | Float32Array): Float32Array {
  if (images instanceof Float32Array) return images;
  const x = new Float32Array(images.length);
  for (let i = 0; i < images.length; i++) x[i] = UNIT[images[i]];
  return x;
}

function oneHotRows(labels: Uint8Array, classes: number): Float32Array {
  const y = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label >= classes) {
      throw new BlockMismatchError(`Expected labels below classes (${classes}) but received ${label} of type number at sample ${i} of a block`);
    }
    y[i * classes + label] = 1;
  }
  return y;
}

/** A block's soft labels as the one-hot rows they replace: `classes` wide. */
function softRows(block: Block, classes: number): Float32Array {
  const n = block.shape[0];
  if (block.softLabels!.length !== n * classes) {
    throw new BlockMismatchError(`Expected soft labels of classes (${classes}) per sample but received ${n === 0 ? 0 : block.softLabels!.length / n} of type number in a block`);
  }
  return block.softLabels!;
}

function tensorBatch(block: Block, layout: Layout, oneHot: boolean, classes: number): TensorBatch {
  refuseUnstored(oneHot ? 'toTensors(oneHot)' : 'toTensors', oneHot ? 'toTensors({ oneHot: true })' : 'toTensors()', block);
  const [n, h, w] = block.shape;
  return {
    x: unitFloats(block.images),
    y: oneHot ? (block.softLabels === undefined ? oneHotRows(block.labels, classes) : softRows(block, classes)) : Int32Array.from(block.classIds ?? block.labels),
    // One channel: [n, 1, h, w] and [n, h, w, 1] index the same memory, so only the shape differs.
    shape: layout === 'NCHW' ? [n, 1, h, w] : [n, h, w, 1],
    yShape: oneHot ? [n, classes] : [n],
    epoch: block.epoch,
    indices: block.indices,
  };
}

/**
 * Turns a pipeline into an async iterable of batches as Float32 images and Int32 or one-hot
 * labels, the arrays a tensor library builds its tensors from.
 *
 * Byte images become `v / 255`; Float32 images (after `normalize()`) are passed on without a
 * copy, so `x` may be a view that shares memory with the block (blocks are never modified
 * once emitted). With one channel the NCHW and NHWC layouts are the same memory order: the
 * layout only chooses `shape`. The pipeline is paused while the consumer is busy (at most two
 * batches wait ahead of it, see `iterateBlocks()`), unsubscribed when the loop ends early,
 * and its errors are thrown from the loop. Each `for await` runs the pipeline afresh.
 *
 * @param source The pipeline, usually ending in `batch(n)`.
 * @param options See `TensorOptions`.
 *
 * ## Example
 * ```ts
 * import { mnist, shuffle, batch } from '@idxflow/core';
 * for await (const { x, y, shape } of toTensors(mnist().pipe(shuffle({ seed: 1 }), batch(64)))) {
 *   console.log(shape, x.length, y.length); // [64, 1, 28, 28] 50176 64
 * }
 * ```
 */
export function toTensors(source: Observable<Block>, options: TensorOptions & { oneHot: true }): AsyncIterable<TensorBatch<Float32Array>>;
export function toTensors(source: Observable<Block>, options?: TensorOptions & { oneHot?: false }): AsyncIterable<TensorBatch<Int32Array>>;
export function toTensors(source: Observable<Block>, options?: TensorOptions): AsyncIterable<TensorBatch>;
export function toTensors(source: Observable<Block>, options: TensorOptions = {}): AsyncIterable<TensorBatch> {
  const layout = validate.oneOf('layout', options.layout ?? 'NCHW', LAYOUTS);
  const oneHot = options.oneHot ?? false;
  if (typeof oneHot !== 'boolean') {
    throw new OptionError(`Expected boolean for oneHot but received ${String(oneHot)} of type ${typeof oneHot}`);
  }
  const classes = validate.integer('classes', options.classes ?? 10, 1);
  return {
    async *[Symbol.asyncIterator]() {
      for await (const block of iterateBlocks(source)) yield tensorBatch(block, layout, oneHot, classes);
    },
  };
}
