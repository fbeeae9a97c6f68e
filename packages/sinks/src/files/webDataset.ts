import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Block } from '@idxflow/core';
import type { Observable } from 'rxjs';
import { AtomicFile } from './atomic.js';
import { encodePngs } from './encodePngs.js';
import { checkSinkOptions, positiveInteger } from './options.js';
import type { PngSinkOptions } from './pngFolder.js';
import { tarEnd, tarMember } from './tar.js';
import type { ExportedFile, ExportSummary } from './types.js';

/** Options of `toWebDataset()`. */
export interface WebDatasetOptions extends PngSinkOptions {
  /** Samples per shard. Default 10,000. */
  shardSize?: number;
}

const encoder = new TextEncoder();

/** The name of shard `k`: `shard-000000.tar`, ... */
export function shardName(k: number): string {
  return `shard-${String(k).padStart(6, '0')}.tar`;
}

/**
 * Writes WebDataset shards `<dir>/shard-000000.tar`, ... of `shardSize` samples each. A sample is
 * two tar members sharing its key, the export position as 9 zero-padded digits: `<key>.png` (an
 * 8-bit grey PNG) and `<key>.cls` (the label as decimal ASCII, which webdataset decodes with
 * `int()`). The tar files are POSIX ustar with a fixed mtime, so the same export gives the same
 * bytes.
 *
 * Each shard is written under a temporary name and renamed when complete: an interrupted export
 * leaves whole shards and one temporary. Float32 blocks are rejected, as for `toPngFolder()`.
 *
 * @param source The pipeline; uint8 blocks of one image shape.
 * @param options See `WebDatasetOptions`.
 * @returns What was written: every shard with its SHA-256.
 *
 * ## Example
 * ```ts
 * import { mnist } from '@idxflow/core';
 * import { toWebDataset } from '@idxflow/sinks';
 * await toWebDataset(mnist(), { dir: 'out/wds', shardSize: 5000 }); // 12 shards
 * // python: webdataset.WebDataset('out/wds/shard-{000000..000011}.tar').decode('pil').to_tuple('png', 'cls')
 * ```
 */
export async function toWebDataset(source: Observable<Block>, options: WebDatasetOptions): Promise<ExportSummary> {
  const { dir, expectedCount, onProgress, signal } = checkSinkOptions(options);
  const concurrency = positiveInteger('concurrency', options.concurrency, 8);
  const shardSize = positiveInteger('shardSize', options.shardSize, 10000);
  await mkdir(dir, { recursive: true });
  const files: ExportedFile[] = [];
  let shard: AtomicFile | undefined;
  const close = async (): Promise<void> => {
    if (!shard) return;
    await shard.write(tarEnd());
    files.push({ name: basename(shard.path), ...(await shard.commit()) });
    shard = undefined;
  };
  try {
    const { count, shape } = await encodePngs(source, { concurrency, expectedCount, onProgress, signal, file: dir }, {
      store: async (_sample, png) => png,
      async record(sample, png) {
        if (sample.position % shardSize === 0) {
          await close();
          shard = await AtomicFile.create(join(dir, shardName(sample.position / shardSize)));
        }
        const key = String(sample.position).padStart(9, '0');
        await shard!.write(tarMember(`${key}.png`, png));
        await shard!.write(tarMember(`${key}.cls`, encoder.encode(String(sample.label))));
      },
    });
    await close();
    return { dir, files, count, shape, dtype: 'uint8' };
  } catch (error) {
    await shard?.abort();
    throw error;
  }
}
