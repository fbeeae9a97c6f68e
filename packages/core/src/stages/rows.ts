// Deferred gathers. shuffle() copies each sample to its new place, and on a fast pipeline
// that copy (random 784-byte reads from a 47 MB epoch) is the main thread's largest cost.
// A stage that reads every pixel anyway (augment, normalize) can do the gather in its own
// pass, on its workers: it asks the stream it is applied to for the rows to gather instead of
// the gathered blocks.
//
// How: shuffle() tags the Observable it returns with a function that builds the same stream
// as Rows, and batch() applied to a tagged stream tags its own result the same way. The
// tagged Observable is still the ordinary one; the tag only matters to a stage that asks.
import { map, Observable, type OperatorFunction } from 'rxjs';
import { allocateBlock, blockLength, copySample, sharedArray, type Block, type PixelArray, type TypedArrayOf } from '../block.js';
import type { Groupable } from './regroup.js';

/** Samples not copied yet: sample `i` is sample `rows[i]` of `from`. */
export interface Rows<P extends PixelArray = PixelArray> {
  /** The block gathered from: one whole epoch. */
  readonly from: Block<P>;
  /** Positions in `from`, in output order. */
  readonly rows: Uint32Array;
}

/** Builds the Rows stream; `shared`: `from`'s pixels and indices in a SharedArrayBuffer. */
type RowsOf<P extends PixelArray> = (shared: boolean) => Observable<Rows<P>>;

const ROWS = Symbol('idxflow.rows');
type Tagged<P extends PixelArray> = Observable<Block<P>> & { [ROWS]?: RowsOf<P> };

/** Tags `blocks` as the gather of the Rows stream `rows` builds. */
export function withRows<P extends PixelArray>(blocks: Observable<Block<P>>, rows: RowsOf<P>): Observable<Block<P>> {
  (blocks as Tagged<P>)[ROWS] = rows;
  return blocks;
}

/**
 * The stream `blocks` emits, as Rows before the gather: each Rows gathers to the Block
 * `blocks` would emit (`gatherRows`). Undefined unless `blocks` is the output of `shuffle()`,
 * possibly followed by `batch()`. A new subscription runs the pipeline from its source, as
 * subscribing to `blocks` would.
 *
 * @param shared Put `from`'s pixels and indices in shared memory, for worker threads.
 */
export function deferredRows<P extends PixelArray>(blocks: Observable<Block<P>>, shared: boolean): Observable<Rows<P>> | undefined {
  return (blocks as Tagged<P>)[ROWS]?.(shared);
}

/** Whether `blocks` is the output of `shuffle()`, possibly followed by `batch()`: whether `deferredRows` gives its Rows. */
export function hasRows(blocks: Observable<Block>): boolean {
  return (blocks as Tagged<PixelArray>)[ROWS] !== undefined;
}

/** The rows' samples as a Block; `images`, when given, are its pixels already gathered. */
export function gatherRows<P extends PixelArray>({ from, rows }: Rows<P>, images?: P): Block<P> {
  const n = rows.length;
  if (images === undefined) {
    const block = allocateBlock(from.images, n, from.shape[1], from.shape[2], from.epoch);
    for (let i = 0; i < n; i++) copySample(from, rows[i], block, i);
    return block;
  }
  const labels = new Uint8Array(n);
  const indices = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = from.labels[rows[i]];
    indices[i] = from.indices[rows[i]];
  }
  return { images, labels, indices, epoch: from.epoch, shape: [n, from.shape[1], from.shape[2]] };
}

/** Rows of one epoch block as runs of samples: `batch()` and `shard()` over them move row numbers. */
export function rowItems<P extends PixelArray>(): Groupable<Rows<P>> {
  return {
    length: (r) => r.rows.length,
    epoch: (r) => r.from.epoch,
    slice: (r, start, end) => ({ from: r.from, rows: r.rows.subarray(start, end) }),
    allocate: (like, n) => ({ from: like.from, rows: new Uint32Array(n) }),
    copy: (src, from, dst, to, count) => dst.rows.set(src.rows.subarray(from, from + count), to),
  };
}

/** Applies `toBlocks` to a tagged stream's Rows too, so the result stays tagged. */
export function keepRows<P extends PixelArray>(
  source: Observable<Block<P>>,
  blocks: Observable<Block<P>>,
  toRows: OperatorFunction<Rows<P>, Rows<P>>,
): Observable<Block<P>> {
  const rows = (source as Tagged<P>)[ROWS];
  return rows === undefined ? blocks : withRows(blocks, (shared) => rows(shared).pipe(toRows));
}

/** Gathers every Rows of a stream. */
export function gathered<P extends PixelArray>(): OperatorFunction<Rows<P>, Block<P>> {
  return map((r) => gatherRows(r));
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
