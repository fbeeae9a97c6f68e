// The NPY and NPZ exports read back as sources (a round trip), and Keras' mnist.npz.
import { defer, map, Observable as RxObservable, switchMap, toArray } from '../rx.js';
import type { Observable } from 'rxjs';
import type { Block, PixelArray } from '../block.js';
import { DatasetMismatchError, NpyFormatError } from '../errors.js';
import { decodeNpy, type NpyHeader, type NpyRecords } from '../npy/decode.js';
import { DEFAULT_CHUNK_SIZE } from '../sources/bytes.js';
import { fromFile } from '../sources/file.js';
import { operate } from '../operate.js';
import { fromZipMember } from '../sources/zipMember.js';
import { findZipEntry, readZipDirectory } from '../zip/centralDirectory.js';
import type { IdxInput } from './idx.js';

/** Options of `npy()`. */
export interface NpySourceOptions {
  /** The images: `|u1` or `<f4`, shape `(n, h, w)`, e.g. `train-images.npy`. */
  images: string;
  /** The labels: `|u1`, `<i4` or `<i8` with values 0-255, shape `(n,)`, e.g. `train-labels.npy`. */
  labels: string;
  /** Bytes read per chunk. Default 65,536. */
  chunkSize?: number;
}

const LABEL_TYPES = ['|u1', '<u1', '<i4', '<i8', '<u4', '<u8'];

/** The labels of a decoded labels array as bytes, each checked to be 0-255. */
function labelBytes(file: string, groups: NpyRecords[]): Uint8Array {
  const header = groups[0]?.header;
  if (header && (header.shape.length !== 1 || !LABEL_TYPES.includes(header.descr))) {
    throw new NpyFormatError({ file, offset: 10, expected: `labels of shape (n,) and dtype ${LABEL_TYPES.join(', ')}`, found: `shape (${header.shape.join(', ')}) of ${header.descr}` });
  }
  const count = groups.reduce((n, g) => n + g.count, 0);
  const labels = new Uint8Array(count);
  for (const { header: h, first, count: n, bytes } of groups) {
    const size = h.recordBytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const unsigned = h.descr[1] === 'u';
    for (let i = 0; i < n; i++) {
      // Exact: a u4 of 4294967295 is 4294967295 (not -1), an 8-byte label stays a bigint.
      const value = size === 1 ? bytes[i] : size === 4 ? (unsigned ? view.getUint32(i * 4, true) : view.getInt32(i * 4, true)) : unsigned ? view.getBigUint64(i * 8, true) : view.getBigInt64(i * 8, true);
      if (value < 0 || value > 255) throw new NpyFormatError({ file, offset: h.headerBytes + (first + i) * size, expected: `a label from 0 to 255 at index ${first + i}`, found: String(value) });
      labels[first + i] = Number(value);
    }
  }
  return labels;
}

/** An NPY input: its name, its bytes, and the size an archive declares for it (checked against its header). */
export interface NpyInput extends IdxInput {
  readonly declaredBytes?: number;
}

/** What an images array must be: `accepts` its header, `expected` says so in a refusal. Its records are h x w pixels. */
export interface NpyImageRule {
  readonly expected: string;
  accepts(header: NpyHeader): boolean;
}

/** `npy()`'s rule: uint8 or float32 images of shape (n, h, w). */
const NPY_IMAGES: NpyImageRule = {
  expected: 'images of shape (n, h, w) and dtype |u1 or <f4',
  accepts: (h) => h.shape.length === 3 && (h.descr === '|u1' || h.descr === '<f4'),
};

/** Blocks from the decoded images, with `labels` (read before) and indices. */
function imageBlocks(images: NpyInput, labels: Uint8Array, labelsName: string, rule: NpyImageRule): Observable<Block<PixelArray>> {
  return new RxObservable<Block<PixelArray>>((subscriber) =>
    operate(images.bytes().pipe(decodeNpy({ file: images.name, declaredBytes: images.declaredBytes })), subscriber, {
      next({ header, first, count, bytes }) {
        const [n, h, w] = header.shape;
        if (!rule.accepts(header)) {
          throw new NpyFormatError({ file: images.name, offset: 10, expected: rule.expected, found: `shape (${header.shape.join(', ')}) of ${header.descr}` });
        }
        if (n !== labels.length) throw new DatasetMismatchError({ file: `${images.name} and ${labelsName}`, expected: `as many images as labels (${labels.length} labels)`, found: `${n} images` });
        const pixels = header.descr === '|u1' ? bytes : new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
        subscriber.next({ images: pixels, labels: labels.subarray(first, first + count), indices: Uint32Array.from({ length: count }, (_, i) => first + i), epoch: 0, shape: [count, h, w] });
      },
    }),
  );
}

/** Images and labels NPY arrays from any byte sources, as Blocks (labels read whole first); `rule` says which images arrays are read. */
export function npyPair(images: NpyInput, labels: NpyInput, rule: NpyImageRule = NPY_IMAGES): Observable<Block<PixelArray>> {
  return labels.bytes().pipe(
    decodeNpy({ file: labels.name, declaredBytes: labels.declaredBytes }),
    toArray(),
    map((groups) => labelBytes(labels.name, groups)),
    switchMap((values) => imageBlocks(images, values, labels.name, rule)),
  );
}

/**
 * Reads an images array and a labels array in NumPy's `.npy` format (what `toNpy()` writes, or
 * `numpy.save`) as Blocks of epoch 0: uint8 images as `Uint8Array`, float32 ones (a normalised
 * export) as `Float32Array`. The labels are read whole, the images streamed chunk by chunk.
 *
 * @param options See `NpySourceOptions`.
 *
 * ## Example
 * ```ts
 * import { npy } from '@idxflow/core';
 * npy({ images: 'out/train-images.npy', labels: 'out/train-labels.npy' }).subscribe((b) => console.log(b.shape));
 * ```
 */
export function npy(options: NpySourceOptions): Observable<Block<PixelArray>> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const input = (path: string): IdxInput => ({ name: path, bytes: () => fromFile(path, { chunkSize }) });
  return npyPair(input(options.images), input(options.labels));
}

/** Options of `npz()`. */
export interface NpzSourceOptions {
  /** The archive: `toNpz()`'s `<split>.npz` (`x`, `y`), or Keras' `mnist.npz` (`x_train`, `y_train`, `x_test`, `y_test`). */
  path: string;
  /** Keras layout only: which split. Default `'train'`. */
  split?: 'train' | 'test';
  /** Bytes read per chunk. Default 65,536. */
  chunkSize?: number;
  /** Most bytes a compressed member may inflate to per compressed byte; see `InflateLimitOptions`. Default 100. */
  maxInflateRatio?: number;
}

/**
 * Reads an `.npz` archive as Blocks: `x.npy` and `y.npy` (what `toNpz()` writes, `numpy.savez(path,
 * x=..., y=...)`), or `x_<split>.npy` and `y_<split>.npy` (Keras' `mnist.npz`, and `toKerasNpz()`).
 * Members are streamed out of the archive (stored or deflated, so `savez_compressed` too), each
 * no further than its directory entry lists and `maxInflateRatio` allows, and each member's NPY
 * header must describe exactly the bytes its directory entry lists (checked before its records
 * are read): a decompression bomb or a lying archive is refused before its memory is spent.
 *
 * @param options See `NpzSourceOptions`.
 *
 * ## Example
 * ```ts
 * import { npz } from '@idxflow/core';
 * npz({ path: 'mnist.npz', split: 'test' }).subscribe((b) => console.log(b.shape)); // Keras' file
 * ```
 */
export function npz(options: NpzSourceOptions): Observable<Block<PixelArray>> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const { path } = options;
  return defer(() => readZipDirectory(path)).pipe(
    switchMap((entries) => {
      const keras = findZipEntry(entries, 'x_train.npy') !== undefined;
      const names = keras ? [`x_${options.split ?? 'train'}.npy`, `y_${options.split ?? 'train'}.npy`] : ['x.npy', 'y.npy'];
      const missing = names.find((n) => findZipEntry(entries, n) === undefined);
      if (missing) throw new NpyFormatError({ file: path, expected: `members ${names.join(' and ')} (toNpz's x and y, or Keras' x_train, y_train, x_test, y_test)`, found: `${entries.map((e) => e.name).join(', ') || 'no members'}` });
      const member = (name: string): NpyInput => {
        const entry = findZipEntry(entries, name)!;
        return { name: `${path}: ${entry.name}`, declaredBytes: entry.size, bytes: () => fromZipMember(path, name, { chunkSize, maxInflateRatio: options.maxInflateRatio }) };
      };
      return npyPair(member(names[0]), member(names[1]));
    }),
  );
}
