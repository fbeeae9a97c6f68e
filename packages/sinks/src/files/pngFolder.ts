import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Block } from '@idxflow/core';
import type { Observable } from 'rxjs';
import { AtomicFile, writeFileAtomic } from './atomic.js';
import { encodePngs } from './encodePngs.js';
import { checkSinkOptions, positiveInteger } from './options.js';
import type { ExportSummary, FileSinkOptions } from './types.js';

/** Options of `toPngFolder()`. */
export interface PngSinkOptions extends FileSinkOptions {
  /** PNG encodes (and file writes) in flight at once. Default 8. */
  concurrency?: number;
}

const encoder = new TextEncoder();

/** The path of the PNG of export position `position`, relative to the export directory. */
export function pngPath(label: number, position: number): string {
  return `${label}/${String(position).padStart(8, '0')}.png`;
}

/**
 * Writes one 8-bit grey PNG per sample in the ImageFolder layout that torchvision's
 * `ImageFolder` and Keras' `image_dataset_from_directory` read: `<dir>/<label>/<position>.png`,
 * position being the sample's place in the export as 8 zero-padded digits (not its source
 * index, which repeats when a pipeline makes several copies). Beside them:
 *
 * - `labels.csv`: `path,label,index,epoch`, one row per image in export order (index = the
 *   source index);
 * - `SHA256SUMS`: `<sha256>  <path>` per image, as `sha256sum -c SHA256SUMS` checks it. The
 *   summary (and the manifest) list these two files rather than millions of PNGs, which keeps
 *   memory bounded on an MNIST8M-sized export.
 *
 * Float32 blocks are rejected with a TypeError: a PNG holds bytes, and rounding normalised
 * values back would silently lose what normalisation did. Each PNG is written under a
 * temporary name and renamed; `labels.csv` and `SHA256SUMS` appear only when every image is
 * written. An export into a folder that holds an older one replaces the files of the same
 * positions and leaves others in place.
 *
 * @param source The pipeline; uint8 blocks of one image shape.
 * @param options See `PngSinkOptions`.
 * @returns What was written: `labels.csv` and `SHA256SUMS` with their SHA-256.
 *
 * ## Example
 * ```ts
 * import { mnist } from '@idxflow/core';
 * import { toPngFolder } from '@idxflow/sinks';
 * await toPngFolder(mnist({ split: 'test' }), { dir: 'out/png', split: 'test' }); // out/png/7/00000000.png, ...
 * ```
 */
export async function toPngFolder(source: Observable<Block>, options: PngSinkOptions): Promise<ExportSummary> {
  const { dir, expectedCount, onProgress, signal } = checkSinkOptions(options);
  const concurrency = positiveInteger('concurrency', options.concurrency, 8);
  await mkdir(dir, { recursive: true });
  const csv = await AtomicFile.create(join(dir, 'labels.csv'));
  const sums = await AtomicFile.create(join(dir, 'SHA256SUMS')).catch(async (error: unknown) => {
    await csv.abort();
    throw error;
  });
  const folders = new Map<number, Promise<unknown>>();
  try {
    await csv.write(encoder.encode('path,label,index,epoch\n'));
    const { count, shape } = await encodePngs(source, { concurrency, expectedCount, onProgress, signal, file: dir }, {
      async store(sample, png) {
        let folder = folders.get(sample.label);
        if (!folder) folders.set(sample.label, (folder = mkdir(join(dir, String(sample.label)), { recursive: true })));
        await folder;
        const name = pngPath(sample.label, sample.position);
        await writeFileAtomic(join(dir, name), png);
        return { name, sha256: createHash('sha256').update(png).digest('hex') };
      },
      async record(sample, { name, sha256 }) {
        await csv.write(encoder.encode(`${name},${sample.label},${sample.index},${sample.epoch}\n`));
        await sums.write(encoder.encode(`${sha256}  ${name}\n`));
      },
    });
    const files = [
      { name: 'labels.csv', ...(await csv.commit()) },
      { name: 'SHA256SUMS', ...(await sums.commit()) },
    ];
    return { dir, files, count, shape, dtype: 'uint8' };
  } catch (error) {
    await Promise.all([csv.abort(), sums.abort()]);
    throw error;
  }
}
