import { mkdir, rename, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { holdUntil, type Block } from '@idxflow/core';
import { tap, type Observable, type Subscription } from 'rxjs';
import sharp from 'sharp';
import { AtomicFile } from './atomic.js';
import { TAR_END, tarHeader, tarPadding } from './tar.js';
import type { ExportedFile, ExportSummary, FileSinkOptions } from './types.js';

/** Options of the PNG-based sinks. */
export interface PngSinkOptions extends FileSinkOptions {
  /** PNG encodes in flight at once. Default 8. */
  concurrency?: number;
}

/** One sample as it leaves the pipeline: its export position, label and PNG bytes to come. */
interface Encoded {
  position: number;
  label: number;
  index: number;
  epoch: number;
  png: Promise<Buffer>;
}

function encodePng(pixels: Uint8Array, width: number, height: number): Promise<Buffer> {
  // b-w keeps one channel: without it sharp writes an RGB PNG.
  return sharp(pixels, { raw: { width, height, channels: 1 } }).toColourspace('b-w').png().toBuffer();
}

/**
 * Encodes every sample to PNG with bounded concurrency and hands them, in export order, to
 * `take`. At most `concurrency` encodes are in flight; beyond that the pipeline is held
 * (core's flow.ts), so memory stays bounded whatever the speed of the disk.
 */
function encodeAll(source: Observable<Block>, concurrency: number, take: (sample: Encoded, png: Buffer) => Promise<void>): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const queue: Encoded[] = [];
    let position = 0;
    let draining: Promise<void> = Promise.resolve();
    let failed = false;
    let subscription: Subscription | undefined;
    const fail = (error: unknown): void => {
      if (failed) return;
      failed = true;
      subscription?.unsubscribe();
      reject(error);
    };
    const drain = async (): Promise<void> => {
      while (queue.length > 0 && !failed) {
        const sample = queue.shift()!;
        await take(sample, await sample.png);
      }
    };
    subscription = source.subscribe({
      next(block) {
        if (block.images instanceof Float32Array) {
          return fail(new TypeError('Expected uint8 images for a PNG export but received float32 (leave out --normalize)'));
        }
        const [n, h, w] = block.shape;
        for (let i = 0; i < n; i++) {
          const png = encodePng(block.images.subarray(i * h * w, (i + 1) * h * w), w, h);
          png.catch(() => undefined);
          queue.push({ position: position++, label: block.labels[i], index: block.indices[i], epoch: block.epoch, png });
        }
        draining = draining.then(drain);
        draining.catch(fail);
        if (queue.length >= concurrency) holdUntil(draining);
      },
      error: fail,
      complete: () => void draining.then(drain).then(() => resolve(position), fail),
    });
  });
}

/**
 * Writes PNG files in the ImageFolder layout, `<dir>/<label>/<position>.png` (position: the
 * sample's place in the export, 8 digits), plus `labels.csv` (`path,label,index,epoch`, index
 * being the source index). Each PNG is written under a temporary name and renamed.
 *
 * ## Example
 * ```ts
 * await toPngFolder(mnist({ split: 'test' }), { dir: 'out/png' });
 * ```
 */
export async function toPngFolder(source: Observable<Block>, options: PngSinkOptions): Promise<ExportSummary> {
  await mkdir(options.dir, { recursive: true });
  const files: ExportedFile[] = [];
  const rows = ['path,label,index,epoch'];
  let shape: [number, number] = [0, 0];
  const made = new Set<number>();
  const count = await encodeAll(
    source.pipe(tap((b) => (shape = [b.shape[1], b.shape[2]]))),
    options.concurrency ?? 8,
    async (sample, png) => {
      if (!made.has(sample.label)) {
        await mkdir(join(options.dir, String(sample.label)), { recursive: true });
        made.add(sample.label);
      }
      const file = `${String(sample.position).padStart(8, '0')}.png`;
      const name = `${sample.label}/${file}`;
      const temp = join(options.dir, String(sample.label), `.${file}.partial`);
      await writeFile(temp, png);
      await rename(temp, join(options.dir, name));
      files.push({ name, bytes: png.length, sha256: createHash('sha256').update(png).digest('hex') });
      rows.push(`${name},${sample.label},${sample.index},${sample.epoch}`);
      options.onProgress?.(sample.position + 1);
    },
  );
  const csv = await AtomicFile.create(join(options.dir, 'labels.csv'));
  await csv.write(new TextEncoder().encode(rows.join('\n') + '\n'));
  files.push({ name: 'labels.csv', ...(await csv.commit()) });
  return { dir: options.dir, files, count, shape, dtype: 'uint8' };
}

/** Options of `toWebDataset()`. */
export interface WebDatasetOptions extends PngSinkOptions {
  /** Samples per shard. Default 10,000. */
  shardSize?: number;
}

/**
 * Writes WebDataset tar shards `<dir>/shard-000000.tar`, ... of `shardSize` samples, each sample
 * two members: `<key>.png` and `<key>.cls` (the label in decimal), key = the 9-digit export
 * position. Each shard is written under a temporary name and renamed when complete.
 *
 * ## Example
 * ```ts
 * await toWebDataset(mnist().pipe(augment({ rotate: 15 })), { dir: 'out/wds', shardSize: 5000 });
 * ```
 */
export async function toWebDataset(source: Observable<Block>, options: WebDatasetOptions): Promise<ExportSummary> {
  const shardSize = options.shardSize ?? 10000;
  if (!Number.isInteger(shardSize) || shardSize < 1) throw new RangeError(`Expected integer >= 1 for shardSize but received ${shardSize}`);
  await mkdir(options.dir, { recursive: true });
  const files: ExportedFile[] = [];
  let shard: AtomicFile | undefined;
  let shardName = '';
  let shape: [number, number] = [0, 0];
  const close = async (): Promise<void> => {
    if (!shard) return;
    await shard.write(TAR_END);
    files.push({ name: shardName, ...(await shard.commit()) });
    shard = undefined;
  };
  const member = async (name: string, body: Uint8Array): Promise<void> => {
    await shard!.write(tarHeader(name, body.length));
    await shard!.write(body);
    await shard!.write(tarPadding(body.length));
  };
  try {
    const count = await encodeAll(source.pipe(tap((b) => (shape = [b.shape[1], b.shape[2]]))), options.concurrency ?? 8, async (sample, png) => {
      if (sample.position % shardSize === 0) {
        await close();
        shardName = `shard-${String(sample.position / shardSize).padStart(6, '0')}.tar`;
        shard = await AtomicFile.create(join(options.dir, shardName));
      }
      const key = String(sample.position).padStart(9, '0');
      await member(`${key}.png`, png);
      await member(`${key}.cls`, new TextEncoder().encode(String(sample.label)));
      options.onProgress?.(sample.position + 1);
    });
    await close();
    return { dir: options.dir, files, count, shape, dtype: 'uint8' };
  } catch (error) {
    await shard?.abort();
    throw error;
  }
}
