import { BlockMismatchError } from './errors.js';

/** Pixel storage of a Block: raw bytes as decoded, or floats after normalisation. */
export type PixelArray = Uint8Array | Float32Array;

/**
 * A contiguous run of samples: the one unit that flows through an idxflow pipeline.
 *
 * Like an Arrow record batch, a Block keeps each field in one typed array so a stage
 * touches millions of samples without allocating an object per sample. A batch is a
 * Block whose length is the batch size.
 */
export interface Block<P extends PixelArray = PixelArray> {
  /** `n * height * width` pixels, one channel, row-major, sample after sample. */
  readonly images: P;
  /** One label per sample. */
  readonly labels: Uint8Array;
  /** The index of each sample in its source file, kept through shuffle and augment. */
  readonly indices: Uint32Array;
  /** The pass over the source this block belongs to, from 0. */
  readonly epoch: number;
  /** `[n, height, width]`. */
  readonly shape: readonly [number, number, number];
  /**
   * How many random stages (`augment()`, `rotate()`, ...) these samples have passed through: 0
   * or absent from a source. A random stage keys its draws by this count and emits the count
   * plus one, so two stages in one pipeline never draw the same parameters, while a `tap()` or
   * `map(b => b)` between them changes nothing. A `map()` that builds a new Block keeps it by
   * spreading the old one (`{ ...block, images }`).
   */
  readonly randomStages?: number;
  /**
   * Soft labels, from `mixup()` or `cutmix()`: `n * classes` weights, row `i` the share of each
   * class in sample `i` (a row sums to 1). Absent when every sample is its own source's label
   * alone. `labels` stays each sample's own source label. Blocks with and without soft labels,
   * or with different numbers of classes, are never joined (`checkBlock()`). A sink stores them
   * or refuses the block, never drops them (`SINK_STORES` in `@idxflow/sinks`).
   */
  readonly softLabels?: Float32Array;
  /**
   * Multi-label targets (ChestMNIST's 14 findings): `n * columns` bytes, row `i` sample `i`'s
   * 0 or 1 for each column. Absent when each sample has one class. `labels` stays the sample's
   * single label (for ChestMNIST, 1 when any column is 1). Blocks with and without a label matrix,
   * or with different numbers of columns, are never joined (`checkBlock()`). A sink stores it
   * (NPY/NPZ `label_matrix`, a WebDataset `.labels.npy`, a Parquet column) or refuses the block
   * (IDX, PNG, the batch server), never drops it (`SINK_STORES` in `@idxflow/sinks`).
   */
  readonly labelMatrix?: Uint8Array;
  /**
   * The class of each sample when a dataset has more classes than a byte holds (Kuzushiji-Kanji's
   * 3,832): `n` values, and `labels` is then 0. Absent otherwise. Blocks with and without it are
   * never joined. A sink stores it (NPY/NPZ `class_ids`, WebDataset's `.cls`, Parquet's `label`,
   * PNG folder names) or refuses the block (IDX, the batch server), never drops it (`SINK_STORES`
   * in `@idxflow/sinks`).
   */
  readonly classIds?: Uint16Array;
  /**
   * The continual-learning task of each sample (`permutedTasks()`, `rotatedTasks()`,
   * `splitTasks()`): `n` task numbers from 0. Absent outside a task stream. Blocks with and
   * without it are never joined; a sink stores it or refuses the block, never drops it
   * (`SINK_STORES` in `@idxflow/sinks`).
   */
  readonly tasks?: Uint8Array;
}

/** Number of samples in a block. */
export function blockLength(block: Block): number {
  return block.shape[0];
}

/**
 * Columns of a block's soft labels: the number of classes, or 0 when it has none (or no samples).
 *
 * ## Example
 * ```ts
 * declare const batch: Block, i: number; // a batch, and a sample of it
 * const k = softLabelClasses(batch); // 10 after mixup({ alpha: 0.2, classes: 10 })
 * const row = batch.softLabels?.subarray(i * k, (i + 1) * k);
 * ```
 */
export function softLabelClasses(block: Pick<Block, 'shape' | 'softLabels'>): number {
  const n = block.shape[0];
  return block.softLabels === undefined || n === 0 ? 0 : block.softLabels.length / n;
}

/** `{ softLabels }` for `n` samples laid out like `like`'s, or nothing when it has none. */
function softLabelsLike(like: Block, n: number): { softLabels?: Float32Array } {
  return like.softLabels === undefined ? {} : { softLabels: new Float32Array(n * softLabelClasses(like)) };
}

/**
 * Columns of a block's label matrix, or 0 when it has none (or no samples).
 *
 * ## Example
 * ```ts
 * declare const block: Block, i: number;
 * const k = labelMatrixColumns(block); // 14 for ChestMNIST
 * const findings = block.labelMatrix?.subarray(i * k, (i + 1) * k);
 * ```
 */
export function labelMatrixColumns(block: Pick<Block, 'shape' | 'labelMatrix'>): number {
  const n = block.shape[0];
  return block.labelMatrix === undefined || n === 0 ? 0 : block.labelMatrix.length / n;
}

/** `{ labelMatrix }` for `n` samples laid out like `like`'s, or nothing when it has none. */
function labelMatrixLike(like: Block, n: number): { labelMatrix?: Uint8Array } {
  return like.labelMatrix === undefined ? {} : { labelMatrix: new Uint8Array(n * labelMatrixColumns(like)) };
}

/** Pixels per sample (`height * width`). */
export function sampleSize(block: Block): number {
  return block.shape[1] * block.shape[2];
}

/** A typed array constructor, e.g. `Uint8Array`. */
export type TypedArrayOf<T> = { new (length: number): T; new (buffer: SharedArrayBuffer): T; BYTES_PER_ELEMENT: number };

/** `length` elements of `Typed` in a new SharedArrayBuffer (zeroed), which worker threads read in place. */
export function sharedArray<T>(Typed: TypedArrayOf<T>, length: number): T {
  return new Typed(new SharedArrayBuffer(length * Typed.BYTES_PER_ELEMENT));
}

/**
 * Allocates an empty block of `n` samples laid out like `like`'s (height, width, pixel type,
 * random-stage count), of `like`'s epoch; with `shared`, its pixels and indices are in a
 * SharedArrayBuffer (which worker threads read in place).
 */
export function allocateBlock<P extends PixelArray>(like: Block<P>, n: number, shared = false): Block<P> {
  const [, height, width] = like.shape;
  const Pixels = like.images.constructor as TypedArrayOf<P>;
  const size = n * height * width;
  return {
    images: shared ? sharedArray(Pixels, size) : new Pixels(size),
    labels: new Uint8Array(n),
    indices: shared ? sharedArray(Uint32Array, n) : new Uint32Array(n),
    epoch: like.epoch,
    shape: [n, height, width],
    ...(like.randomStages === undefined ? {} : { randomStages: like.randomStages }),
    ...softLabelsLike(like, n),
    ...labelMatrixLike(like, n),
    ...(like.classIds === undefined ? {} : { classIds: new Uint16Array(n) }),
    ...(like.tasks === undefined ? {} : { tasks: new Uint8Array(n) }),
  };
}

/** The random-stage count of a block (0 when absent). */
export function randomStagesOf(block: Pick<Block, 'randomStages'>): number {
  return block.randomStages ?? 0;
}

/** `pixels` described as they appear in messages: `28 x 28 uint8`. */
function describeSamples(block: Block): string {
  const stages = randomStagesOf(block);
  const dtype = block.images instanceof Float32Array ? 'float32' : 'uint8';
  const soft = block.softLabels === undefined ? '' : ` with soft labels${block.shape[0] > 0 ? ` of ${softLabelClasses(block)} classes` : ''}`;
  const matrix = block.labelMatrix === undefined ? '' : ` with a label matrix${block.shape[0] > 0 ? ` of ${labelMatrixColumns(block)} columns` : ''}`;
  const ids = block.classIds === undefined ? '' : ' with class ids';
  const tasks = block.tasks === undefined ? '' : ' with tasks';
  return `${block.shape[1]} x ${block.shape[2]} ${dtype}${stages > 0 ? ` after ${stages} random stage${stages > 1 ? 's' : ''}` : ''}${soft}${matrix}${ids}${tasks}`;
}

/** Whether `block`'s soft labels can be joined with `like`'s: both absent, or both over the same classes. */
function sameSoftLabels(block: Block, like: Block): boolean {
  if ((block.softLabels === undefined) !== (like.softLabels === undefined)) return false;
  return block.shape[0] === 0 || like.shape[0] === 0 || softLabelClasses(block) === softLabelClasses(like);
}

/** Whether `block`'s label matrix can be joined with `like`'s: both absent, or both of the same columns. */
function sameLabelMatrix(block: Block, like: Block): boolean {
  if ((block.labelMatrix === undefined) !== (like.labelMatrix === undefined)) return false;
  return block.shape[0] === 0 || like.shape[0] === 0 || labelMatrixColumns(block) === labelMatrixColumns(like);
}

/** Checks that a block's label matrix, if any, is bytes in rows of one width for its samples. */
function checkLabelMatrix(stage: string, block: Block): void {
  const matrix = block.labelMatrix;
  if (matrix === undefined) return;
  const n = block.shape[0];
  if (!(matrix instanceof Uint8Array) || (n === 0 ? matrix.length !== 0 : matrix.length === 0 || matrix.length % n !== 0)) {
    throw new BlockMismatchError({
      file: stage,
      expected: `a label matrix in a Uint8Array of ${n} rows (n * columns values) for a block of ${n} samples`,
      found: matrix instanceof Uint8Array ? `${matrix.length} values` : Object.prototype.toString.call(matrix),
    });
  }
}

/** Checks that a block's soft labels, if any, are Float32 rows of one width for its samples. */
function checkSoftLabels(stage: string, block: Block): void {
  const soft = block.softLabels;
  if (soft === undefined) return;
  const n = block.shape[0];
  if (!(soft instanceof Float32Array) || (n === 0 ? soft.length !== 0 : soft.length === 0 || soft.length % n !== 0)) {
    throw new BlockMismatchError({
      file: stage,
      expected: `soft labels in a Float32Array of ${n} rows (n * classes values) for a block of ${n} samples`,
      found: soft instanceof Float32Array ? `${soft.length} values` : Object.prototype.toString.call(soft),
    });
  }
}

/**
 * Checks that a block's arrays agree with its shape, and (with `like`) that its samples can be
 * joined with `like`'s: same height, width, pixel type and random-stage count, and soft labels
 * over the same classes in both or in neither. Throws a
 * `BlockMismatchError` naming `stage` and both shapes; O(1), run on every block a stage joins.
 *
 * @param stage The stage checking, for the message (e.g. `batch(128)`).
 * @param block The block that arrived.
 * @param like A block seen before it, whose samples it will be joined with.
 *
 * ## Example
 * ```ts
 * declare const first: Block, block: Block; // a batch's first block, and one to join to it
 * checkBlock('batch(3)', block, first); // BlockMismatchError: batch(3): expected samples of 28 x 28 uint8 ...
 * ```
 */
export function checkBlock(stage: string, block: Block, like?: Block): void {
  const [n, height, width] = block.shape;
  if (!(block.images instanceof Uint8Array || block.images instanceof Float32Array)) {
    throw new BlockMismatchError({ file: stage, expected: 'images in a Uint8Array or Float32Array', found: Object.prototype.toString.call(block.images) });
  }
  if (block.images.length !== n * height * width || block.labels.length !== n || block.indices.length !== n) {
    throw new BlockMismatchError({
      file: stage,
      expected: `${n * height * width} pixels, ${n} labels and ${n} indices for a block of shape [${n}, ${height}, ${width}]`,
      found: `${block.images.length}, ${block.labels.length} and ${block.indices.length}`,
    });
  }
  checkSoftLabels(stage, block);
  checkLabelMatrix(stage, block);
  if (block.classIds !== undefined && (!(block.classIds instanceof Uint16Array) || block.classIds.length !== n)) {
    throw new BlockMismatchError({ file: stage, expected: `class ids in a Uint16Array of ${n} values for a block of ${n} samples`, found: block.classIds instanceof Uint16Array ? `${block.classIds.length} values` : Object.prototype.toString.call(block.classIds) });
  }
  if (block.tasks !== undefined && (!(block.tasks instanceof Uint8Array) || block.tasks.length !== n)) {
    throw new BlockMismatchError({ file: stage, expected: `tasks in a Uint8Array of ${n} values for a block of ${n} samples`, found: block.tasks instanceof Uint8Array ? `${block.tasks.length} values` : Object.prototype.toString.call(block.tasks) });
  }
  if (like === undefined) return;
  const sameType = (block.images instanceof Float32Array) === (like.images instanceof Float32Array);
  const sameLayout = sameType && height === like.shape[1] && width === like.shape[2];
  if (!sameLayout || randomStagesOf(block) !== randomStagesOf(like) || !sameSoftLabels(block, like) || !sameLabelMatrix(block, like) || (block.classIds === undefined) !== (like.classIds === undefined) || (block.tasks === undefined) !== (like.tasks === undefined)) {
    throw new BlockMismatchError({
      file: stage,
      expected: `samples of ${describeSamples(like)} like the blocks before (epoch ${like.epoch})`,
      found: `${describeSamples(block)} in a block of ${n} samples of epoch ${block.epoch}`,
    });
  }
}

/**
 * Copies sample `from` of `src` into slot `to` of `dst` (its soft labels too, when both have
 * them). Both blocks must share the sample shape and pixel type.
 */
export function copySample(src: Block, from: number, dst: Block, to: number): void {
  const size = sampleSize(src);
  (dst.images as Uint8Array).set(
    (src.images as Uint8Array).subarray(from * size, (from + 1) * size),
    to * size,
  );
  dst.labels[to] = src.labels[from];
  dst.indices[to] = src.indices[from];
  if (src.softLabels !== undefined && dst.softLabels !== undefined) {
    const k = softLabelClasses(src);
    dst.softLabels.set(src.softLabels.subarray(from * k, (from + 1) * k), to * k);
  }
  if (src.labelMatrix !== undefined && dst.labelMatrix !== undefined) {
    const k = labelMatrixColumns(src);
    dst.labelMatrix.set(src.labelMatrix.subarray(from * k, (from + 1) * k), to * k);
  }
  if (src.classIds !== undefined && dst.classIds !== undefined) dst.classIds[to] = src.classIds[from];
  if (src.tasks !== undefined && dst.tasks !== undefined) dst.tasks[to] = src.tasks[from];
}

/** Copies `count` consecutive samples of `src` starting at `from` into `dst` at `to`. */
export function copySamples(src: Block, from: number, dst: Block, to: number, count: number): void {
  const size = sampleSize(src);
  (dst.images as Uint8Array).set(
    (src.images as Uint8Array).subarray(from * size, (from + count) * size),
    to * size,
  );
  dst.labels.set(src.labels.subarray(from, from + count), to);
  dst.indices.set(src.indices.subarray(from, from + count), to);
  if (src.softLabels !== undefined && dst.softLabels !== undefined && count > 0) {
    const k = softLabelClasses(src);
    dst.softLabels.set(src.softLabels.subarray(from * k, (from + count) * k), to * k);
  }
  if (src.labelMatrix !== undefined && dst.labelMatrix !== undefined && count > 0) {
    const k = labelMatrixColumns(src);
    dst.labelMatrix.set(src.labelMatrix.subarray(from * k, (from + count) * k), to * k);
  }
  if (src.classIds !== undefined && dst.classIds !== undefined) dst.classIds.set(src.classIds.subarray(from, from + count), to);
  if (src.tasks !== undefined && dst.tasks !== undefined) dst.tasks.set(src.tasks.subarray(from, from + count), to);
}

/**
 * The samples of `blocks`, in order, in one new block in shared memory laid out like `like`
 * (by default the first block, epoch included). The blocks must agree in layout (`checkBlock`).
 */
export function joinBlocks<P extends PixelArray>(blocks: readonly Block<P>[], like: Block<P> = blocks[0]): Block<P> {
  const all = allocateBlock(like, blocks.reduce((sum, b) => sum + blockLength(b), 0), true);
  let at = 0;
  for (const block of blocks) {
    copySamples(block, 0, all, at, blockLength(block));
    at += blockLength(block);
  }
  return all;
}

/** A view of samples `[start, end)` of a block; shares memory with it. */
export function sliceBlock<P extends PixelArray>(block: Block<P>, start: number, end: number): Block<P> {
  const size = sampleSize(block);
  return {
    images: block.images.subarray(start * size, end * size) as P,
    labels: block.labels.subarray(start, end),
    indices: block.indices.subarray(start, end),
    epoch: block.epoch,
    shape: [end - start, block.shape[1], block.shape[2]],
    ...(block.randomStages === undefined ? {} : { randomStages: block.randomStages }),
    ...(block.softLabels === undefined ? {} : { softLabels: block.softLabels.subarray(start * softLabelClasses(block), end * softLabelClasses(block)) }),
    ...(block.labelMatrix === undefined ? {} : { labelMatrix: block.labelMatrix.subarray(start * labelMatrixColumns(block), end * labelMatrixColumns(block)) }),
    ...(block.classIds === undefined ? {} : { classIds: block.classIds.subarray(start, end) }),
    ...(block.tasks === undefined ? {} : { tasks: block.tasks.subarray(start, end) }),
  };
}
