import { rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { BlockMismatchError, type Block } from '@idxflow/core';
import { makeFolders } from '@idxflow/core/internal';
import type { Observable } from 'rxjs';
import { AtomicFile } from './atomic.js';
import { npyPairWriter } from './npy.js';
import { withSoftLabels, type NpyFiles as NpySoftFiles } from './npySoftLabels.js';
import { withTasks } from './npyTasks.js';

/** The NPY temporaries of one array set: images, labels, and soft labels and tasks when the blocks had them. */
type NpyFiles = NpySoftFiles & { tasks?: AtomicFile };
import { checkSinkOptions, taggedName } from './options.js';
import type { ExportedFile, ExportSummary, FileSinkOptions } from './types.js';
import type { SinkName } from '../stores.js';
import { writeBlocks } from './writeBlocks.js';
import { writeStoredZip, type ZipMember } from './zip.js';

/**
 * Writes `<split>.npz`, a stored zip of `x.npy` (the images, uint8 or float32, `(n, h, w)`) and
 * `y.npy` (the labels, uint8, `(n,)`), as `numpy.savez(path, x=..., y=...)` would:
 * `numpy.load('train.npz')['x']`; and, when the blocks carry soft labels (after `mixup()` or
 * `cutmix()`), `soft_labels.npy` (float32, `(n, classes)`); when they carry tasks (after
 * `permutedTasks()` and the like), `tasks.npy` (uint8, `(n,)`).
 *
 * The two arrays stream to NPY temporaries in the export directory; at the end they are copied
 * into the archive (a temporary itself until renamed) and deleted. Disk use peaks at twice the
 * export's size; memory stays at one block plus one read buffer.
 *
 * @param source The pipeline; every block must have the same image shape and pixel type.
 * @param options See `FileSinkOptions`.
 * @returns What was written: the one `.npz` file and its SHA-256.
 *
 * ## Example
 * ```ts
 * import { mnist } from '@idxflow/core';
 * import { toNpz } from '@idxflow/sinks';
 * await toNpz(mnist(), { dir: 'out/npz' }); // out/npz/train.npz
 * ```
 */
export async function toNpz(source: Observable<Block>, options: FileSinkOptions): Promise<ExportSummary> {
  const { dir, split, expectedCount, onProgress, signal, tag, onFile, written } = checkSinkOptions(options);
  await makeFolders(dir);
  const name = taggedName(`${split}.npz`, tag);
  const arrays = await npyArrays(source, join(dir, name), { where: 'toNpz()', stores: 'npz' }, { expectedCount, onProgress, signal, written });
  const file = await zipArrays(join(dir, name), [
    { name: 'x.npy', path: arrays.images.temp },
    { name: 'y.npy', path: arrays.labels.temp },
    ...softMember(arrays, 'soft_labels.npy'),
    ...(arrays.tasks ? [{ name: 'tasks.npy', path: arrays.tasks.temp }] : []),
  ], [arrays]);
  await onFile(file);
  return { dir, files: [file], count: arrays.count, shape: arrays.shape, dtype: arrays.dtype };
}

/** How a pipeline's arrays are streamed: see `FileSinkOptions`. */
interface ArrayStream {
  expectedCount: number | undefined;
  onProgress: (n: number) => void;
  signal: AbortSignal | undefined;
  written: (block: Block) => void;
}

/**
 * Streams a pipeline to NPY temporaries beside `path` (never renamed: the zip copies them): the
 * images and labels, and the soft labels when the blocks carry them.
 */
async function npyArrays(source: Observable<Block>, path: string, sink: { where: string; stores: SinkName }, stream: ArrayStream): Promise<NpyFiles> {
  const pair = await npyPairWriter({ images: `${path}.x.npy`, labels: `${path}.y.npy` }, stream.expectedCount, stream.onProgress, sink);
  const soft = withSoftLabels(pair, `${path}.soft_labels.npy`, stream.expectedCount);
  const arrays = await writeBlocks(source, withTasks(soft, `${path}.tasks.npy`, stream.expectedCount), stream.signal, stream.written);
  await Promise.all([arrays.images.close(), arrays.labels.close(), arrays.softLabels?.close(), arrays.tasks?.close()]);
  return arrays;
}

/** The zip member of the soft labels' temporary, named `name`, when there is one. */
const softMember = (arrays: NpyFiles, name: string): ZipMember[] => (arrays.softLabels ? [{ name, path: arrays.softLabels.temp }] : []);

/** Zips NPY temporaries into `path` (a temporary until renamed), then deletes them, whatever happens. */
async function zipArrays(path: string, members: ZipMember[], arrays: NpyFiles[]): Promise<ExportedFile> {
  let out: AtomicFile | undefined;
  try {
    out = await AtomicFile.create(path);
    await writeStoredZip(out, members);
    return { name: basename(path), ...(await out.commit()) };
  } catch (error) {
    await out?.abort();
    throw error;
  } finally {
    await removeTemporaries(arrays);
  }
}

/** Deletes the NPY temporaries of `arrays`. */
const removeTemporaries = (arrays: NpyFiles[]): Promise<unknown> => Promise.all(arrays.flatMap((a) => [a.images, a.labels, ...(a.softLabels ? [a.softLabels] : []), ...(a.tasks ? [a.tasks] : [])].map((f) => rm(f.temp, { force: true }))));

/**
 * Writes `mnist.npz` in the layout of Keras' `keras.datasets.mnist.load_data()`: a stored zip of
 * `x_train.npy`, `y_train.npy`, `x_test.npy` and `y_test.npy` (uint8 or float32 images
 * `(n, h, w)`, uint8 labels `(n,)`), so code written for Keras' file reads the export:
 * `with np.load('mnist.npz') as f: x_train, y_train = f['x_train'], f['y_train']`. A split whose
 * blocks carry soft labels adds `soft_labels_train.npy` or `soft_labels_test.npy` (float32
 * `(n, classes)`).
 *
 * The training pipeline runs first, then the test pipeline; each streams to NPY temporaries
 * that are zipped at the end (disk use peaks at twice the export's size).
 *
 * @param sources The two pipelines.
 * @param options See `FileSinkOptions` (`split` and `expectedCount` do not apply).
 * @returns What was written: `mnist.npz` with its SHA-256; count, shape and dtype of both splits together.
 *
 * ## Example
 * ```ts
 * await toKerasNpz({ train: mnist({ split: 'train' }), test: mnist({ split: 'test' }) }, { dir: 'out/keras' });
 * ```
 */
export async function toKerasNpz(sources: { train: Observable<Block>; test: Observable<Block> }, options: FileSinkOptions): Promise<ExportSummary> {
  const { dir, onProgress, signal, tag, onFile, written } = checkSinkOptions({ ...options, split: undefined, expectedCount: undefined });
  await makeFolders(dir);
  const path = join(dir, taggedName('mnist.npz', tag));
  const sink = { where: 'toKerasNpz()', stores: 'toKerasNpz' } as const;
  const train = await npyArrays(sources.train, `${path}.train`, sink, { expectedCount: undefined, onProgress, signal, written });
  let test: NpyFiles | undefined;
  try {
    test = await npyArrays(sources.test, `${path}.test`, sink, { expectedCount: undefined, onProgress: (n) => onProgress(train.count + n), signal, written });
    if (test.count > 0 && train.count > 0 && (test.shape.join() !== train.shape.join() || test.dtype !== train.dtype)) {
      throw new BlockMismatchError({ file: 'toKerasNpz()', expected: `test images of ${train.shape.join(' x ')} ${train.dtype} like the training images`, found: `${test.shape.join(' x ')} ${test.dtype}` });
    }
  } catch (error) {
    await removeTemporaries(test ? [train, test] : [train]); // the test pair too, when its images do not match
    throw error;
  }
  const file = await zipArrays(path, [
    { name: 'x_train.npy', path: train.images.temp },
    { name: 'y_train.npy', path: train.labels.temp },
    { name: 'x_test.npy', path: test.images.temp },
    { name: 'y_test.npy', path: test.labels.temp },
    ...softMember(train, 'soft_labels_train.npy'),
    ...softMember(test, 'soft_labels_test.npy'),
  ], [train, test]);
  await onFile(file);
  return { dir, files: [file], count: train.count + test.count, shape: train.count > 0 ? train.shape : test.shape, dtype: train.count > 0 ? train.dtype : test.dtype };
}
