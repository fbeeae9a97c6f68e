import { join } from 'node:path';
import type { Block } from '@idxflow/core';
import { makeFolders } from '@idxflow/core/internal';
import type { Observable } from 'rxjs';
import { AtomicFile } from './atomic.js';
import { countError } from './errors.js';
import { ExportShape } from './exportShape.js';
import { checkSinkOptions, taggedName } from './options.js';
import type { ExportSummary, FileSinkOptions } from './types.js';
import { withSoftLabels } from './npySoftLabels.js';
import { withTasks } from './npyTasks.js';
import type { SinkName } from '../stores.js';
import { writeBlocks, type BlockWriter } from './writeBlocks.js';
import { FormatLimitError, OptionError } from '@idxflow/core';

// NPY format version 1.0 (numpy/lib/format.py, NEP 1): the magic "\x93NUMPY", version 1 0, a
// little-endian uint16 header length, then a Python dict literal padded with spaces and ended by
// "\n" so that magic + length + header is a multiple of 64 bytes. Like numpy >= 1.23 we leave
// room for the first dimension to grow to 21 digits, so the count can be patched in place.
const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0];
const ALIGN = 64;
const GROWTH_DIGITS = 21;

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** NumPy's descr of an images array: bytes, or float32 in the host's byte order. */
export function npyDescr(dtype: 'uint8' | 'float32'): '|u1' | '<f4' | '>f4' {
  if (dtype === 'uint8') return '|u1';
  return HOST_LITTLE_ENDIAN ? '<f4' : '>f4';
}

/**
 * The NPY v1.0 header of a C-ordered array. Its length depends on `descr` and on the
 * dimensions after the first, never on the first: a header written with a placeholder count can
 * be overwritten with the final one.
 *
 * ## Example
 * ```ts
 * const header = npyHeader('|u1', [10000, 28, 28]); // 128 bytes
 * ```
 */
export function npyHeader(descr: string, shape: readonly number[]): Uint8Array {
  shape.forEach((d, i) => {
    if (!Number.isSafeInteger(d) || d < 0) throw new OptionError(`Expected non-negative integer for shape[${i}] but received ${d}`);
  });
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const spare = Math.max(0, GROWTH_DIGITS - String(shape[0]).length);
  const total = Math.ceil((MAGIC.length + 2 + dict.length + spare + 1) / ALIGN) * ALIGN;
  const text = total - MAGIC.length - 2;
  if (text > 0xffff) throw new FormatLimitError(`Expected a shape that fits an NPY v1.0 header but received (${dims})`);
  const out = new Uint8Array(total);
  out.set(MAGIC);
  new DataView(out.buffer).setUint16(8, text, true);
  out.set(new TextEncoder().encode(dict.padEnd(text - 1, ' ') + '\n'), 10);
  return out;
}

function hostBytes(images: Uint8Array | Float32Array): Uint8Array {
  return new Uint8Array(images.buffer, images.byteOffset, images.byteLength);
}

/** The two NPY temporaries of an export, complete (headers final) but not yet renamed. */
export interface NpyPair {
  images: AtomicFile;
  labels: AtomicFile;
  count: number;
  shape: [number, number];
  dtype: 'uint8' | 'float32';
}

/**
 * A writer of an images array `(n, h, w)` and a labels array `(n,)` to atomic files at the two
 * paths. Headers hold `expectedCount` (or 0) from the start and are patched at the end if needed.
 * `sink` names the sink for messages and the contract (`SINK_STORES`) its blocks are checked by.
 */
export async function npyPairWriter(
  paths: { images: string; labels: string },
  expectedCount: number | undefined,
  onProgress: (written: number) => void,
  sink: { where: string; stores: SinkName } = { where: 'toNpy()', stores: 'npy' },
): Promise<BlockWriter<NpyPair>> {
  const images = await AtomicFile.create(paths.images);
  const labels = await AtomicFile.create(paths.labels).catch(async (error: unknown) => {
    await images.abort();
    throw error;
  });
  const headerCount = expectedCount ?? 0;
  const kind = new ExportShape(sink.where, sink.stores);
  let count = 0;
  return {
    async write(block) {
      const n = block.shape[0];
      if (expectedCount !== undefined && count + n > expectedCount) throw countError(paths.images, expectedCount, count + n, true);
      if (kind.first(block)) {
        await images.write(npyHeader(npyDescr(kind.dtype), [headerCount, ...kind.shape!]));
        await labels.write(npyHeader('|u1', [headerCount]));
      }
      await images.write(hostBytes(block.images));
      await labels.write(block.labels);
      count += n;
      onProgress(count);
    },
    async end() {
      if (expectedCount !== undefined && count !== expectedCount) throw countError(paths.images, expectedCount, count);
      const shape = kind.shape ?? [0, 0];
      const imagesHeader = npyHeader(npyDescr(kind.dtype), [count, ...shape]);
      const labelsHeader = npyHeader('|u1', [count]);
      if (!kind.shape) {
        await images.write(imagesHeader);
        await labels.write(labelsHeader);
      } else if (count !== headerCount) {
        await images.patch(0, imagesHeader);
        await labels.patch(0, labelsHeader);
      }
      return { images, labels, count, shape, dtype: kind.dtype };
    },
    async abort() {
      await Promise.all([images.abort(), labels.abort()]);
    },
  };
}

/**
 * Writes `<split>-images.npy` (uint8 or float32 as the blocks, shape `(n, h, w)`) and
 * `<split>-labels.npy` (uint8, shape `(n,)`), NPY v1.0 files that `numpy.load` reads; and, when
 * the blocks carry soft labels (after `mixup()` or `cutmix()`), `<split>-soft-labels.npy`
 * (float32, shape `(n, classes)`); when they carry tasks (after `permutedTasks()` and the like),
 * `<split>-tasks.npy` (uint8, shape `(n,)`).
 *
 * Both are written under temporary names and renamed when complete; the count in the headers
 * is patched at the end unless `expectedCount` gave it up front.
 *
 * @param source The pipeline; every block must have the same image shape and pixel type.
 * @param options See `FileSinkOptions`.
 * @returns What was written, with the SHA-256 of each file.
 *
 * ## Example
 * ```ts
 * import { mnist } from '@idxflow/core';
 * import { toNpy } from '@idxflow/sinks';
 * await toNpy(mnist({ split: 'test' }), { dir: 'out/npy', split: 'test' });
 * // python: numpy.load('out/npy/test-images.npy').shape == (10000, 28, 28)
 * ```
 */
export async function toNpy(source: Observable<Block>, options: FileSinkOptions): Promise<ExportSummary> {
  const { dir, split, expectedCount, onProgress, signal, tag, onFile, written } = checkSinkOptions(options);
  await makeFolders(dir);
  const names = { images: taggedName(`${split}-images.npy`, tag), labels: taggedName(`${split}-labels.npy`, tag), softLabels: taggedName(`${split}-soft-labels.npy`, tag), tasks: taggedName(`${split}-tasks.npy`, tag) };
  const pair = await npyPairWriter({ images: join(dir, names.images), labels: join(dir, names.labels) }, expectedCount, onProgress);
  const all = withTasks(withSoftLabels(pair, join(dir, names.softLabels), expectedCount), join(dir, names.tasks), expectedCount);
  const arrays = await writeBlocks(source, all, signal, written);
  try {
    const files = [
      { name: names.images, ...(await arrays.images.commit()) },
      { name: names.labels, ...(await arrays.labels.commit()) },
      ...(arrays.softLabels ? [{ name: names.softLabels, ...(await arrays.softLabels.commit()) }] : []),
      ...(arrays.tasks ? [{ name: names.tasks, ...(await arrays.tasks.commit()) }] : []),
    ];
    for (const file of files) await onFile(file);
    return { dir, files, count: arrays.count, shape: arrays.shape, dtype: arrays.dtype };
  } catch (error) {
    await all.abort();
    throw error;
  }
}
