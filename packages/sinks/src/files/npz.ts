import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Block } from '@idxflow/core';
import type { Observable } from 'rxjs';
import { AtomicFile } from './atomic.js';
import { npyPairWriter } from './npy.js';
import { checkSinkOptions } from './options.js';
import type { ExportSummary, FileSinkOptions } from './types.js';
import { writeBlocks } from './writeBlocks.js';
import { writeStoredZip } from './zip.js';

/**
 * Writes `<split>.npz`, a stored zip of `x.npy` (the images, uint8 or float32, `(n, h, w)`) and
 * `y.npy` (the labels, uint8, `(n,)`), as `numpy.savez(path, x=..., y=...)` would:
 * `numpy.load('train.npz')['x']`.
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
  const { dir, split, expectedCount, onProgress, signal } = checkSinkOptions(options);
  await mkdir(dir, { recursive: true });
  const name = `${split}.npz`;
  // Never renamed: only their temporaries (.<split>.npz.x.npy.<random>.partial) are used.
  const pair = await npyPairWriter({ images: join(dir, `${name}.x.npy`), labels: join(dir, `${name}.y.npy`) }, expectedCount, onProgress);
  const { images, labels, count, shape, dtype } = await writeBlocks(source, pair, signal);
  let out: AtomicFile | undefined;
  try {
    await Promise.all([images.close(), labels.close()]);
    out = await AtomicFile.create(join(dir, name));
    await writeStoredZip(out, [
      { name: 'x.npy', path: images.temp },
      { name: 'y.npy', path: labels.temp },
    ]);
    return { dir, files: [{ name, ...(await out.commit()) }], count, shape, dtype };
  } catch (error) {
    await out?.abort();
    throw error;
  } finally {
    await Promise.all([rm(images.temp, { force: true }), rm(labels.temp, { force: true })]);
  }
}
