import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Block } from '@idxflow/core';
import type { Observable } from 'rxjs';
import { AtomicFile, removeStalePartials } from './atomic.js';
import { toIdx } from './idx.js';
import { toNpy, toNpz } from './npy.js';
import { toPngFolder, toWebDataset } from './png.js';
import type { ExportSummary } from './types.js';

export type ExportFormat = 'idx' | 'idx.gz' | 'npy' | 'npz' | 'png' | 'wds';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['idx', 'idx.gz', 'npy', 'npz', 'png', 'wds'];

/** Options of `exportTo()`. */
export interface ExportOptions {
  format: ExportFormat;
  /** Output directory; created if missing. */
  dir: string;
  /** Names files after MNIST's splits. Default `'train'`. */
  split?: 'train' | 'test';
  /** Samples per WebDataset shard. Default 10,000. */
  shardSize?: number;
  /** PNG encodes in flight. Default 8. */
  concurrency?: number;
  /** Recorded in manifest.json: the seed, the pipeline's options, the idxflow version. */
  manifest?: { seed?: number; pipeline?: unknown; version: string };
  /** Called with the number of images written so far. */
  onProgress?: (written: number) => void;
}

/**
 * Writes `summary` and `extra` as `<dir>/manifest.json` (atomically): count, shape, dtype,
 * seed, pipeline options, idxflow version, and the SHA-256 of every file.
 */
export async function writeManifest(summary: ExportSummary, extra: ExportOptions['manifest'] & { format: ExportFormat }): Promise<void> {
  const manifest = {
    idxflow: extra.version,
    format: extra.format,
    count: summary.count,
    shape: summary.shape,
    dtype: summary.dtype,
    seed: extra.seed ?? null,
    pipeline: extra.pipeline ?? null,
    files: summary.files,
  };
  const file = await AtomicFile.create(join(summary.dir, 'manifest.json'));
  await file.write(new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n'));
  await file.commit();
}

/**
 * Writes a pipeline in one of the export formats, then its manifest.json. Leftover temporaries
 * of an interrupted earlier run in `dir` are removed first.
 *
 * ## Example
 * ```ts
 * await exportTo(mnist().pipe(augment({ rotate: 15 })), { format: 'npz', dir: 'out', manifest: { version: '0.1.0' } });
 * ```
 */
export async function exportTo(source: Observable<Block>, options: ExportOptions): Promise<ExportSummary> {
  if (!EXPORT_FORMATS.includes(options.format)) {
    throw new TypeError(`Expected one of ${EXPORT_FORMATS.join(', ')} for format but received ${JSON.stringify(options.format)}`);
  }
  await mkdir(options.dir, { recursive: true });
  await removeStalePartials(options.dir);
  const common = { dir: options.dir, split: options.split, onProgress: options.onProgress };
  const summary = await ((): Promise<ExportSummary> => {
    switch (options.format) {
      case 'idx':
        return toIdx(source, common);
      case 'idx.gz':
        return toIdx(source, { ...common, gzip: true });
      case 'npy':
        return toNpy(source, common);
      case 'npz':
        return toNpz(source, common);
      case 'png':
        return toPngFolder(source, { ...common, concurrency: options.concurrency });
      case 'wds':
        return toWebDataset(source, { ...common, concurrency: options.concurrency, shardSize: options.shardSize });
    }
  })();
  await writeManifest(summary, { ...(options.manifest ?? { version: 'unknown' }), format: options.format });
  return summary;
}
