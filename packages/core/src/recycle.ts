// Buffer reuse: `recycle(block)` hands a finished batch's memory back to the pipeline.
//
// Why: every batch is new memory, and JavaScript frees memory only when the garbage collector
// runs. At hundreds of thousands of images per second that is about 1 GB/s of fresh pages: a
// page fault per 4 KiB on first touch, and a full collection every few dozen megabytes. A
// training loop in Python frees each batch the moment it is dropped, so malloc hands the same
// warm memory back; `recycle()` is that, made explicit. It is optional: a block that is never
// recycled is collected as usual.
import type { Block, PixelArray } from './block.js';

/** Most bytes kept for reuse per thread; what does not fit is left to the garbage collector. */
export const RECYCLE_LIMIT_BYTES = 64 * 1024 * 1024;

interface RecycleState {
  /** Buffers given back, by byte length. */
  readonly free: Map<number, ArrayBuffer[]>;
  /** Their bytes. */
  kept: number;
  /**
   * Memory the pipeline handed out (stage outputs made by reusablePixels, or adopted from a
   * worker) and the user has not given back yet: the only memory recycle() takes. A source's
   * blocks are never in it, so an in-memory source replaying its blocks every epoch can never
   * have its pixels overwritten, whatever the user recycles.
   */
  readonly handedOut: WeakSet<ArrayBuffer>;
}

// Per process (per thread), shared by every copy of core (ARCHITECTURE.md, "Process state"): a
// stage of one copy hands memory out and the user's recycle() of another takes it back.
const KEY = Symbol.for('idxflow.recycle');
const state: RecycleState = ((globalThis as { [KEY]?: RecycleState })[KEY] ??= { free: new Map(), kept: 0, handedOut: new WeakSet() });
const { free, handedOut } = state;

/**
 * Hands a block's pixel memory back for reuse by later blocks of the same size. Call it when
 * you are done with a batch (after the training step, after writing it): the block must not
 * be read again, since a later block may overwrite its pixels.
 *
 * Only memory the pipeline handed out is taken: the pixels a stage made (`augment()`,
 * `normalize()`), whole, once. A source's blocks, views into bigger buffers (a batch sliced
 * from a larger block), shared memory and a block recycled twice are left alone, so an
 * in-memory source replaying the same block every epoch is never overwritten. Do not recycle a
 * block that something will emit again (one kept by RxJS's `shareReplay`, say).
 *
 * @param block A block this code is finished with.
 *
 * ## Example
 * ```ts
 * declare const pipeline: Observable<Block>, train: (batch: Block) => void;
 * pipeline.subscribe((batch) => {
 *   train(batch);
 *   recycle(batch);
 * });
 * ```
 */
export function recycle(block: Block): void {
  const buffer = block.images.buffer;
  if (!(buffer instanceof ArrayBuffer) || !handedOut.has(buffer)) return;
  if (block.images.byteOffset !== 0 || block.images.byteLength !== buffer.byteLength) return;
  handedOut.delete(buffer); // given back: a second recycle() of it does nothing
  if (buffer.byteLength === 0 || state.kept + buffer.byteLength > RECYCLE_LIMIT_BYTES) return;
  let list = free.get(buffer.byteLength);
  if (list === undefined) free.set(buffer.byteLength, (list = []));
  list.push(buffer);
  state.kept += buffer.byteLength;
}

/**
 * A pixel array of `length` values of type `Pixels` for a caller that overwrites every value:
 * recycled memory when there is some of that size (its old values are still in it), new
 * (zeroed) memory otherwise.
 *
 * @param Pixels `Uint8Array` or `Float32Array`.
 * @param length Values wanted.
 *
 * ## Example
 * ```ts
 * const images = reusablePixels(Float32Array, 128 * 784);
 * ```
 */
export function reusablePixels<P extends PixelArray>(Pixels: PixelType<P>, length: number): P {
  const buffer = free.get(length * Pixels.BYTES_PER_ELEMENT)?.pop();
  if (buffer !== undefined) state.kept -= buffer.byteLength;
  return adoptPixels(buffer === undefined ? new Pixels(length) : new Pixels(buffer));
}

/**
 * Marks `pixels` as handed out by the pipeline, so that `recycle()` may take them back: for a
 * stage's output that arrives as a new buffer (moved back from a worker thread).
 *
 * @param pixels A stage's output, owned whole by the block it goes into.
 * @returns `pixels`.
 *
 * ## Example
 * ```ts
 * declare const input: Block, resultFromWorker: Uint8Array;
 * const block = { ...input, images: adoptPixels(resultFromWorker) };
 * ```
 */
export function adoptPixels<P extends PixelArray>(pixels: P): P {
  if (pixels.buffer instanceof ArrayBuffer && pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength) handedOut.add(pixels.buffer);
  return pixels;
}

/** The constructor of a pixel array type. */
export interface PixelType<P extends PixelArray> {
  new (length: number): P;
  new (buffer: ArrayBuffer): P;
  readonly BYTES_PER_ELEMENT: number;
}

/** Bytes currently kept for reuse on this thread (for tests and diagnostics). */
export function recycledBytes(): number {
  return state.kept;
}
