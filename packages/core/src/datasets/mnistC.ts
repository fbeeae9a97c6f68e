// The released MNIST-C folder (Mu and Gilmer 2019, zenodo.org/records/3239543) as a source:
// `<corruption>/{train,test}_images.npy` (uint8, n x 28 x 28 x 1) and `{train,test}_labels.npy`
// (uint8), one folder per corruption. `idxflow export --suite mnist-c` writes the same layout
// (images n x h x w), so its output reads back here too.
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { defer, switchMap } from '../rx.js';
import type { Block } from '../block.js';
import { DatasetNotFoundError, OptionError } from '../errors.js';
import { DEFAULT_CHUNK_SIZE } from '../sources/bytes.js';
import { fromFile } from '../sources/file.js';
import * as validate from '../validate.js';
import { npyPair, type NpyImageRule, type NpyInput } from './npy.js';

/** The sixteen folders of the released MNIST-C, in its order: `identity` (the clean digits) and the fifteen corruptions. */
export const MNIST_C_CORRUPTIONS = Object.freeze([
  'identity',
  'shot_noise',
  'impulse_noise',
  'glass_blur',
  'motion_blur',
  'shear',
  'scale',
  'rotate',
  'brightness',
  'translate',
  'stripe',
  'fog',
  'spatter',
  'dotted_line',
  'zigzag',
  'canny_edges',
] as const);

/** Options of `mnistC()` and `mnistCFiles()`. */
export interface MnistCOptions {
  /** The folder that holds the corruptions' folders: the released `mnist_c/`, or what `idxflow export --suite mnist-c` wrote. */
  dir: string;
  /** The corruption's folder, one of `MNIST_C_CORRUPTIONS` (`identity` for the clean digits). */
  corruption: string;
  /** `'train'` or `'test'`. Default `'test'` (the benchmark evaluates on the test split). */
  split?: 'train' | 'test';
  /** Bytes read per chunk. Default 65,536. */
  chunkSize?: number;
}

// The released images are (n, 28, 28, 1); the suite's are (n, h, w). The one channel is dropped, as the bytes are the same.
const MNIST_C_IMAGES: NpyImageRule = {
  expected: 'uint8 images (|u1) of shape (n, h, w) or (n, h, w, 1), as MNIST-C releases them',
  accepts: (h) => h.descr === '|u1' && (h.shape.length === 3 || (h.shape.length === 4 && h.shape[3] === 1)),
};

/**
 * The images and labels files of one corruption's split in an MNIST-C folder:
 * `<dir>/<corruption>/<split>_images.npy` and `<split>_labels.npy`. Checks the options only (a
 * corruption outside `MNIST_C_CORRUPTIONS`, such as `../x`, is an `OptionError`), not the disk.
 *
 * @param options See `MnistCOptions`; `chunkSize` is unused here.
 *
 * ## Example
 * ```ts
 * import { mnistCFiles } from '@idxflow/core';
 * const { images, labels } = mnistCFiles({ dir: 'mnist_c', corruption: 'fog', split: 'test' });
 * console.log(images, labels); // mnist_c/fog/test_images.npy mnist_c/fog/test_labels.npy
 * ```
 */
export function mnistCFiles(options: MnistCOptions): { images: string; labels: string } {
  if (typeof options.dir !== 'string' || options.dir === '') throw new OptionError(`Expected a folder for dir but received ${JSON.stringify(options.dir)} of type ${typeof options.dir}`);
  const corruption = validate.oneOf('corruption', options.corruption, MNIST_C_CORRUPTIONS);
  const split = validate.oneOf('split', options.split ?? 'test', ['train', 'test'] as const);
  const folder = join(options.dir, corruption);
  return { images: join(folder, `${split}_images.npy`), labels: join(folder, `${split}_labels.npy`) };
}

/** What stands at `path`: 'folder', 'file', or undefined when nothing does. */
async function kindOf(path: string): Promise<'folder' | 'file' | undefined> {
  const stats = await stat(path).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR') return undefined;
    throw error;
  });
  return stats === undefined ? undefined : stats.isDirectory() ? 'folder' : 'file';
}

/** Refuses a missing folder or file before anything is read, naming the path looked at. */
async function checkLayout(options: MnistCOptions, files: { images: string; labels: string }): Promise<void> {
  const split = options.split ?? 'test';
  const missing = (path: string, expected: string, found: string): DatasetNotFoundError =>
    new DatasetNotFoundError({ file: path, expected, found }, { dataset: 'mnist-c', split, tried: [{ kind: 'dir', where: path, found }] });
  const folder = join(options.dir, options.corruption);
  for (const [path, what] of [[options.dir, 'the MNIST-C folder (one folder per corruption)'], [folder, `the ${options.corruption} folder of MNIST-C`]] as const) {
    const kind = await kindOf(path);
    if (kind !== 'folder') throw missing(path, `${what}`, kind === 'file' ? 'a file, not a folder' : 'no such folder');
  }
  for (const path of [files.images, files.labels]) {
    const kind = await kindOf(path);
    if (kind !== 'file') throw missing(path, `the ${split} split's file of the ${options.corruption} folder`, kind === 'folder' ? 'a folder, not a file' : 'no such file');
  }
}

/**
 * One corruption's split of MNIST-C (Mu and Gilmer 2019) from the released folder, as Blocks of
 * 28 x 28 uint8 digits with their labels: `<dir>/<corruption>/<split>_images.npy` (uint8,
 * `(n, 28, 28, 1)` as released, or `(n, h, w)` as `idxflow export --suite mnist-c` writes) and
 * `<split>_labels.npy` (uint8 or int64). The labels are read whole, the images streamed.
 *
 * The folder is not downloaded (the release is one zip on Zenodo): a missing folder or file is a
 * `DatasetNotFoundError` naming its path; images of another dtype or shape, or a truncated file,
 * an `NpyFormatError` naming the file and the byte; images and labels of different counts, a
 * `DatasetMismatchError`. `corruption` must be one of `MNIST_C_CORRUPTIONS` (an `OptionError`
 * otherwise, when the source is built).
 *
 * @param options See `MnistCOptions`: `dir`, `corruption`, `split` (default `'test'`), `chunkSize`.
 *
 * ## Example
 * ```ts
 * import { mnistC, batch } from '@idxflow/core';
 * mnistC({ dir: 'mnist_c', corruption: 'fog', split: 'test' })
 *   .pipe(batch(1000))
 *   .subscribe((b) => console.log(b.shape, b.labels[0])); // [1000, 28, 28] 7
 * ```
 */
export function mnistC(options: MnistCOptions): Observable<Block<Uint8Array>> {
  const files = mnistCFiles(options);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const input = (path: string): NpyInput => ({ name: path, bytes: () => fromFile(path, { chunkSize }) });
  return defer(() => checkLayout(options, files)).pipe(switchMap(() => npyPair(input(files.images), input(files.labels), MNIST_C_IMAGES) as Observable<Block<Uint8Array>>));
}
