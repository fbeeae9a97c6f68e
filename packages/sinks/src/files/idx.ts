import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { idxBody, idxHeader, type Block } from '@idxflow/core';
import { Gzip } from 'fflate';
import type { Observable } from 'rxjs';
import { AtomicFile } from './atomic.js';
import { consume } from './consume.js';
import { ExportShape, type ExportedFile, type ExportSummary, type FileSinkOptions } from './types.js';

/** Options of `toIdx()`. */
export interface IdxSinkOptions extends FileSinkOptions {
  /** Gzip the files (`.gz`), as the MNIST mirrors publish them. Default false. */
  gzip?: boolean;
}

/** MNIST's file names for a split: what torchvision's `MNIST` and Keras' loaders look for. */
export function mnistFileNames(split: 'train' | 'test', gzip: boolean): { images: string; labels: string } {
  const prefix = split === 'test' ? 't10k' : 'train';
  const gz = gzip ? '.gz' : '';
  return { images: `${prefix}-images-idx3-ubyte${gz}`, labels: `${prefix}-labels-idx1-ubyte${gz}` };
}

/** Gzips `from` into `to` chunk by chunk with fflate. */
async function gzipFile(from: string, to: AtomicFile): Promise<void> {
  const input = await open(from, 'r');
  const pending: Uint8Array[] = [];
  const gz = new Gzip({ level: 6 }, (chunk) => pending.push(chunk));
  try {
    const buffer = new Uint8Array(1 << 20);
    for (;;) {
      const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
      gz.push(buffer.slice(0, bytesRead), bytesRead === 0);
      for (const chunk of pending.splice(0)) await to.write(chunk);
      if (bytesRead === 0) break;
    }
  } finally {
    await input.close();
  }
}

/**
 * Writes a pipeline as an IDX pair named as MNIST names it (`train-images-idx3-ubyte`,
 * `train-labels-idx1-ubyte`, or `t10k-...`), raw or gzipped, so MNIST loaders read the export
 * unchanged. Byte images give type 0x08, Float32 images type 0x0D.
 *
 * The record count is known only at the end: it is patched into the raw header; for `.gz` the
 * raw file is written first and then compressed. Files appear under their final names only
 * when complete.
 *
 * ## Example
 * ```ts
 * await toIdx(mnist().pipe(augment({ rotate: 10 })), { dir: 'out', gzip: true });
 * ```
 */
export async function toIdx(source: Observable<Block>, options: IdxSinkOptions): Promise<ExportSummary> {
  const split = options.split ?? 'train';
  const gzip = options.gzip ?? false;
  await mkdir(options.dir, { recursive: true });
  const names = mnistFileNames(split, gzip);
  const raw = mnistFileNames(split, false);
  const images = await AtomicFile.create(join(options.dir, raw.images));
  const labels = await AtomicFile.create(join(options.dir, raw.labels));
  const kind = new ExportShape();
  let count = 0;
  const write = async (block: Block): Promise<void> => {
    const [n, h, w] = block.shape;
    if (kind.first(block)) {
      await images.write(idxHeader(kind.dtype === 'uint8' ? 'u8' : 'f32', [0, h, w]));
      await labels.write(idxHeader('u8', [0]));
    }
    await images.write(idxBody(block.images));
    await labels.write(block.labels);
    count += n;
    options.onProgress?.(count);
  };
  const end = async (): Promise<ExportSummary> => {
    const countBytes = new Uint8Array(4);
    new DataView(countBytes.buffer).setUint32(0, count, false);
    if (!kind.shape) {
      // An empty pipeline still gives well-formed files of 0 records.
      await images.write(idxHeader('u8', [0, 0, 0]));
      await labels.write(idxHeader('u8', [0]));
    }
    await images.patch(4, countBytes);
    await labels.patch(4, countBytes);
    const files: ExportedFile[] = [];
    for (const [file, name] of [[images, names.images], [labels, names.labels]] as const) {
      if (!gzip) {
        files.push({ name, ...(await file.commit()) });
        continue;
      }
      // Compress the finished raw temporary into the .gz temporary, then drop the raw one.
      await file.close();
      const packed = await AtomicFile.create(join(options.dir, name));
      try {
        await gzipFile(file.temp, packed);
        files.push({ name, ...(await packed.commit()) });
      } catch (error) {
        await packed.abort();
        throw error;
      } finally {
        await rm(file.temp, { force: true });
      }
    }
    return { dir: options.dir, files, count, shape: kind.shape ?? [0, 0], dtype: kind.dtype };
  };
  const fail = async (): Promise<void> => {
    await Promise.all([images.abort(), labels.abort()]);
  };
  return consume(source, write, end, fail);
}
