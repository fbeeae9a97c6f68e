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
}

/** Number of samples in a block. */
export function blockLength(block: Block): number {
  return block.shape[0];
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
 * Allocates an empty block of `n` samples with the pixel type of `like`; with `shared`, its
 * pixels and indices are in a SharedArrayBuffer (which worker threads read in place).
 */
export function allocateBlock<P extends PixelArray>(
  like: P,
  n: number,
  height: number,
  width: number,
  epoch: number,
  shared = false,
): Block<P> {
  const Pixels = like.constructor as TypedArrayOf<P>;
  const size = n * height * width;
  return {
    images: shared ? sharedArray(Pixels, size) : new Pixels(size),
    labels: new Uint8Array(n),
    indices: shared ? sharedArray(Uint32Array, n) : new Uint32Array(n),
    epoch,
    shape: [n, height, width],
  };
}

/**
 * Copies sample `from` of `src` into slot `to` of `dst`. Both blocks must share the
 * sample shape and pixel type.
 */
export function copySample(src: Block, from: number, dst: Block, to: number): void {
  const size = sampleSize(src);
  (dst.images as Uint8Array).set(
    (src.images as Uint8Array).subarray(from * size, (from + 1) * size),
    to * size,
  );
  dst.labels[to] = src.labels[from];
  dst.indices[to] = src.indices[from];
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
  };
}
