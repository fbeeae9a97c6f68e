import { createHash } from 'node:crypto';
import { readdir, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Block } from '@idxflow/core';
import { makeFolders } from '@idxflow/core/internal';
import type { Observable } from 'rxjs';
import { AtomicFile, writeFileAtomic } from './atomic.js';
import { countError } from './errors.js';
import { ExportShape } from './exportShape.js';
import { checkSinkOptions, positiveInteger, taggedName } from './options.js';
import { pngBlocks, type PngBlock } from './pngBlocks.js';
import type { ExportedFile, ExportSummary, FileSinkOptions } from './types.js';
import { writeBlocks, type BlockWriter } from './writeBlocks.js';
import { OptionError } from '@idxflow/core';

/** Options of `toPngFolder()`. */
export interface PngSinkOptions extends FileSinkOptions {
  /** PNG files being written at once. Default 8. */
  concurrency?: number;
  /** Threads that encode the PNGs; 0 encodes on the main thread. Default 0. */
  workers?: number;
}

const encoder = new TextEncoder();

/** The path of the PNG of export position `position`, relative to the export directory. */
export function pngPath(label: number, position: number): string {
  return `${label}/${String(position).padStart(8, '0')}.png`;
}

/** Runs `task(i)` for i in [0, n), at most `limit` at once; rejects with the first failure once all have settled. */
async function forEachLimited(n: number, limit: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) await task(next++);
  });
  const results = await Promise.allSettled(lanes);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/** Removes `<label>/<position>.png` for positions in [from, to) from each label folder. */
export async function removePositions(dir: string, labels: number[], from: number, to: number): Promise<number> {
  let removed = 0;
  for (const label of labels) {
    const folder = join(dir, String(label));
    const names = await readdir(folder).catch(() => [] as string[]);
    for (const name of names) {
      const match = /^(\d{8})\.png$/.exec(name);
      if (!match || Number(match[1]) < from || Number(match[1]) >= to) continue;
      await rm(join(folder, name), { force: true });
      removed++;
    }
    await rmdir(folder).catch(() => undefined); // only if empty: another part may be writing into it
  }
  return removed;
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
 * PNGs are encoded on `workers` threads (`encodeGreyPngs` with `deflateRle`). Each is written
 * under a temporary name and renamed; `labels.csv` and `SHA256SUMS` appear only when every
 * image is written. Float32 blocks are rejected with a BlockMismatchError: a PNG holds bytes, and
 * rounding normalised values back would silently lose what normalisation did.
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
  const { dir, expectedCount, onProgress, signal, position, tag, onFile, written } = checkSinkOptions(options);
  const concurrency = positiveInteger('concurrency', options.concurrency, 8);
  const workers = options.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0 || workers > 256) throw new OptionError(`Expected integer between 0 and 256 for workers but received ${String(workers)}`);
  await makeFolders(dir);
  const names = { csv: taggedName('labels.csv', tag), sums: taggedName('SHA256SUMS', tag) };
  const csv = await AtomicFile.create(join(dir, names.csv));
  const sums = await AtomicFile.create(join(dir, names.sums)).catch(async (error: unknown) => {
    await csv.abort();
    throw error;
  });
  await csv.write(encoder.encode('path,label,index,epoch\n'));
  const kind = new ExportShape('toPngFolder()', 'png');
  const folders = new Map<number, Promise<unknown>>();
  let count = 0;
  let reached = position; // the end of the positions this run may have written
  const writer: BlockWriter<ExportedFile[], PngBlock> = {
    async write({ block, pngs }) {
      kind.first(block);
      const n = block.shape[0];
      if (expectedCount !== undefined && count + n > expectedCount) throw countError(dir, expectedCount, count + n, true);
      reached = position + count + n;
      const rows = Array.from({ length: n }, () => '');
      const lines = Array.from({ length: n }, () => '');
      await forEachLimited(n, concurrency, async (i) => {
        const label = block.classIds?.[i] ?? block.labels[i]; // Kuzushiji-Kanji's class ids, past 255
        let folder = folders.get(label);
        if (!folder) folders.set(label, (folder = makeFolders(join(dir, String(label)))));
        await folder;
        const name = pngPath(label, position + count + i);
        const png = pngs.bytes.subarray(pngs.offsets[i], pngs.offsets[i + 1]);
        await writeFileAtomic(join(dir, name), png);
        rows[i] = `${name},${label},${block.indices[i]},${block.epoch}\n`;
        lines[i] = `${createHash('sha256').update(png).digest('hex')}  ${name}\n`;
      });
      await csv.write(encoder.encode(rows.join('')));
      await sums.write(encoder.encode(lines.join('')));
      count += n;
      onProgress(count);
    },
    async end() {
      if (expectedCount !== undefined && count !== expectedCount) throw countError(dir, expectedCount, count);
      const files = [
        { name: names.csv, ...(await csv.commit()) },
        { name: names.sums, ...(await sums.commit()) },
      ];
      for (const file of files) await onFile(file);
      return files;
    },
    async abort() {
      // A failed export leaves nothing of its own, and only that: the PNGs of the positions it
      // wrote, in every folder it wrote to (the other parts of a split export share the folders).
      await Promise.all([csv.abort(), sums.abort(), removePositions(dir, [...folders.keys()], position, reached)]);
    },
  };
  const files = await writeBlocks(source.pipe(pngBlocks('toPngFolder()', workers)), writer, signal, (encoded) => written(encoded.block));
  return { dir, files, count, shape: kind.shape ?? [0, 0], dtype: 'uint8' };
}
