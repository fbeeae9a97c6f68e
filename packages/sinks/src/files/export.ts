import { mkdir, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { validate, type Block } from '@idxflow/core';
import type { Observable } from 'rxjs';
import { removeStalePartials } from './atomic.js';
import { toIdx } from './idx.js';
import { checkManifestExtra, writeManifest, type ManifestExtra } from './manifest.js';
import { toNpy } from './npy.js';
import { toNpz } from './npz.js';
import { checkSinkOptions, positiveInteger } from './options.js';
import { toPngFolder } from './pngFolder.js';
import type { ExportSummary, FileSinkOptions } from './types.js';
import { toWebDataset } from './webDataset.js';

/** The formats `exportTo()` writes. */
export type ExportFormat = 'idx' | 'idx.gz' | 'npy' | 'npz' | 'png' | 'wds';

/** Every `ExportFormat`, for option parsers. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['idx', 'idx.gz', 'npy', 'npz', 'png', 'wds'];

// This package's version, recorded in manifests that do not name one (../../ is the package
// root from both src/files and dist/files).
const PACKAGE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Options of `exportTo()`. */
export interface ExportOptions extends FileSinkOptions {
  /** The file format. Required. */
  format: ExportFormat;
  /** Samples per WebDataset shard (`wds`). Default 10,000. */
  shardSize?: number;
  /** PNG encodes in flight (`png`, `wds`). Default 8. */
  concurrency?: number;
  /** Recorded in manifest.json. Default: version of @idxflow/sinks, no seed, no pipeline. */
  manifest?: Omit<ManifestExtra, 'format'>;
}

/**
 * Writes a pipeline in one of the export formats into `dir`, then `manifest.json`.
 *
 * The directory is created if missing; temporaries left by an interrupted earlier export and
 * its old manifest are removed first, so `manifest.json` exists only beside a complete export
 * whose files match the hashes it lists. Files, by format:
 *
 * - `idx`, `idx.gz`: `train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]` (`t10k-`
 *   for the test split), see `toIdx()`;
 * - `npy`: `<split>-images.npy`, `<split>-labels.npy`, see `toNpy()`;
 * - `npz`: `<split>.npz` with `x` and `y`, see `toNpz()`;
 * - `png`: `<label>/<position:08d>.png`, `labels.csv`, `SHA256SUMS`, see `toPngFolder()`;
 * - `wds`: `shard-000000.tar`, ..., see `toWebDataset()`.
 *
 * @param source The pipeline.
 * @param options See `ExportOptions`; checked before anything is written.
 * @returns What the sink wrote (the manifest not included).
 *
 * ## Example
 * ```ts
 * import { mnist } from '@idxflow/core';
 * import { exportTo } from '@idxflow/sinks';
 * await exportTo(mnist(), { format: 'npz', dir: 'out/mnist-npz', expectedCount: 60000, manifest: { version: '0.1.0' } });
 * ```
 */
export async function exportTo(source: Observable<Block>, options: ExportOptions): Promise<ExportSummary> {
  checkSinkOptions(options);
  const format = validate.oneOf('format', options.format, EXPORT_FORMATS);
  positiveInteger('shardSize', options.shardSize, 10000);
  positiveInteger('concurrency', options.concurrency, 8);
  const manifest = options.manifest ?? { version: PACKAGE_VERSION };
  checkManifestExtra(manifest);
  const { dir } = options;
  await mkdir(dir, { recursive: true });
  await removeStalePartials(dir);
  await rm(join(dir, 'manifest.json'), { force: true });
  const summary = await write(source, format, options);
  await writeManifest(dir, summary, { ...manifest, format });
  return summary;
}

function write(source: Observable<Block>, format: ExportFormat, options: ExportOptions): Promise<ExportSummary> {
  const { dir, split, expectedCount, onProgress, signal, shardSize, concurrency } = options;
  const common = { dir, split, expectedCount, onProgress, signal };
  switch (format) {
    case 'idx':
      return toIdx(source, common);
    case 'idx.gz':
      return toIdx(source, { ...common, gzip: true });
    case 'npy':
      return toNpy(source, common);
    case 'npz':
      return toNpz(source, common);
    case 'png':
      return toPngFolder(source, { ...common, concurrency });
    case 'wds':
      return toWebDataset(source, { ...common, concurrency, shardSize });
  }
}
