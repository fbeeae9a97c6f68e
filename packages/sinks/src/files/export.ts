import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { validate, type Block } from '@idxflow/core/internal';
import type { Observable } from 'rxjs';
import { closeExportDir, prepareExportDir, removeWritten } from './exportDir.js';
import { lockName } from './exportLock.js';
import { EXPORT_FORMATS, namesOf, type ExportFormat } from './exportPlan.js';
import { writeExportCard, type HfExportOptions } from './hfCard.js';
import { toHfParquet } from './hfParquet.js';
import { toIdx } from './idx.js';
import { checkManifestExtra, fingerprintOf, identityOf, journalName, manifestName, manifestOf, writeManifestFile, type Manifest, type ManifestExtra } from './manifest.js';
import { toNpy } from './npy.js';
import { toNpz } from './npz.js';
import { checkSinkOptions, positiveInteger } from './options.js';
import { toPngFolder } from './pngFolder.js';
import type { ExportedFile, ExportSummary, FileSinkOptions } from './types.js';
import { toWebDataset } from './webDataset.js';
import { OptionError } from '@idxflow/core';

export { EXPORT_FORMATS, type ExportFormat } from './exportPlan.js';

// This package's version, recorded in manifests that do not name one (../../ is the package
// root from both src/files and dist/files).
const PACKAGE_VERSION = (createRequire(import.meta.url)('../../package.json') as { version: string }).version;

/** Options of `exportTo()`. */
export interface ExportOptions extends FileSinkOptions {
  /** The file format. Required. */
  format: ExportFormat;
  /** Samples per WebDataset shard (`wds` only). Default 10,000. */
  shardSize?: number;
  /** Threads that encode PNGs (`png`, `wds` only); 0 encodes on the main thread. Default 0. */
  workers?: number;
  /** Recorded in manifest.json; `version` defaults to @idxflow/sinks' own. Default: that version, no seed, no pipeline. */
  manifest?: Omit<ManifestExtra, 'format' | 'version'> & { version?: string };
  /** Replace an earlier idxflow export in `dir`, removing exactly the files its manifest lists. Default false. */
  overwrite?: boolean;
  /** Input files of the pipeline: the export refuses a `dir` that holds any of them. Default: none. */
  inputs?: readonly string[];
  /** `hf` only: config name, class names and what the card says. Default: config `data`, classes `'0'`... */
  hf?: HfExportOptions;
}

/** Writes one split's samples with the sink of `format`. */
export function writeSplit(source: Observable<Block>, format: ExportFormat, options: FileSinkOptions & Pick<ExportOptions, 'shardSize' | 'workers' | 'hf'>): Promise<ExportSummary> {
  const { shardSize, workers, hf, ...common } = options;
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
      return toPngFolder(source, { ...common, workers });
    case 'wds':
      return toWebDataset(source, { ...common, workers, shardSize });
    case 'hf':
      return toHfParquet(source, { ...common, config: hf?.config, classes: hf?.classes });
  }
}

/** Checks the options shared by `exportTo` and `runExport`; returns the format. */
function checkFormatOptions(options: Pick<ExportOptions, 'format' | 'shardSize' | 'workers' | 'hf'>): ExportFormat {
  const format = validate.oneOf('format', options.format, EXPORT_FORMATS);
  if (options.shardSize !== undefined && format !== 'wds') throw new OptionError(`Expected shardSize only with format wds but received it with ${format}`);
  positiveInteger('shardSize', options.shardSize, 10000);
  if (options.hf !== undefined && format !== 'hf') throw new OptionError(`Expected hf only with format hf but received it with ${format}`);
  if (options.workers !== undefined && format !== 'png' && format !== 'wds') throw new OptionError(`Expected workers only with format png or wds (PNG encoding) but received it with ${format}`);
  validate.integer('workers', options.workers ?? 0, 0, 256);
  return format;
}

/**
 * Writes a pipeline in one of the export formats into `dir`, then `manifest.json`.
 *
 * The directory must be new, empty, or hold this same export (complete, or interrupted: a hidden
 * journal marks a running export, and a rerun writes over its files); an earlier idxflow export
 * there is refused unless `overwrite`, which removes exactly the files its manifest lists, and
 * anything else is refused (`ExportRefusedError`), as is a `dir` that holds one of `inputs`.
 * `manifest.json` exists only beside a complete export whose files match the hashes it lists. A
 * failed export removes what it wrote (and `dir`, if it made it). Files, by format:
 *
 * - `idx`, `idx.gz`: `train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]` (`t10k-`
 *   for the test split), see `toIdx()`;
 * - `npy`: `<split>-images.npy`, `<split>-labels.npy` (and `<split>-soft-labels.npy`,
 *   `<split>-label-matrix.npy`, `<split>-class-ids.npy` for blocks that carry them), see `toNpy()`;
 * - `npz`: `<split>.npz` with `x` and `y` (and `soft_labels`, `label_matrix`, `class_ids`), see `toNpz()`;
 * - `png`: `<label>/<position:08d>.png`, `labels.csv`, `SHA256SUMS`, see `toPngFolder()`;
 * - `wds`: `shard-000000.tar`, ..., see `toWebDataset()`;
 * - `hf`: `<config>/<split>-00000-of-00001.parquet` and the dataset card `README.md`, see
 *   `toHfParquet()` and `hfDatasetCard()`.
 *
 * A block carrying a field the format cannot store (soft labels for `idx`, `idx.gz`, `png`;
 * ChestMNIST's label matrix for `idx`, `idx.gz`, `png`; Kuzushiji-Kanji's class ids for `idx`,
 * `idx.gz`) is refused with an `UnstorableFieldError` (see `SINK_STORES`). For resumable exports and exports
 * split across machines, use `runExport()` and `mergeExportParts()`, both exported by
 * `@idxflow/sinks` (docs/exports.md, "Resumable and multi-part exports from code", has an example).
 *
 * @param source The pipeline.
 * @param options See `ExportOptions`; checked before anything is written.
 * @returns What the sink wrote (the manifest not included).
 *
 * ## Example
 * ```ts
 * import { mnist } from '@idxflow/core';
 * import { exportTo } from '@idxflow/sinks';
 * await exportTo(mnist(), { format: 'npz', dir: 'out/mnist-npz', expectedCount: 60000, manifest: { seed: 1 } }); // version: @idxflow/sinks'
 * ```
 */
export async function exportTo(source: Observable<Block>, options: ExportOptions): Promise<ExportSummary> {
  const { dir } = checkSinkOptions(options);
  const format = checkFormatOptions(options);
  const extra = { ...options.manifest, version: options.manifest?.version ?? PACKAGE_VERSION, format };
  checkManifestExtra(extra);
  const split = options.split ?? 'train';
  const names = namesOf(format, split, '', 0, Number.MAX_SAFE_INTEGER, [''], options.shardSize ?? 10000, options.hf?.config);
  const ours = (name: string): boolean => names(name) || (format === 'hf' && name === 'README.md');
  const empty = manifestOf({ files: [], count: 0, shape: [0, 0], dtype: 'uint8' }, extra);
  const state = await prepareExportDir({
    dir,
    fingerprint: fingerprintOf(empty),
    identity: identityOf(empty),
    own: [manifestName(), journalName()],
    lock: lockName(),
    ours,
    mine: ours,
    inputs: options.inputs ?? [],
    overwrite: options.overwrite ?? false,
  });
  // The journal marks the folder as this export's while it runs: a rerun after a crash may write over its files.
  await rm(join(dir, manifestName()), { force: true });
  await writeManifestFile(dir, journalName(), { ...empty, complete: false });
  const written: string[] = [];
  let failed = true;
  try {
    const { manifest: _m, overwrite: _o, inputs: _i, format: _f, ...sinkOptions } = options;
    const summary = await writeSplit(source, format, { ...sinkOptions, onFile: (file) => void written.push(file.name) });
    if (format === 'hf') {
      const card = await writeExportCard(dir, summary.files.map((f) => f.name), options.hf, { splits: [{ name: split, count: summary.count }], pipeline: extra.pipeline, seed: extra.seed, version: extra.version });
      written.push(card.name);
      summary.files.push(card);
    }
    await writeManifestFile(dir, manifestName(), manifestOf(summary, extra));
    await rm(join(dir, journalName()), { force: true });
    failed = false;
    return summary;
  } catch (error) {
    await removeWritten(dir, [...written, journalName()], format === 'hf' ? [options.hf?.config ?? 'data'] : []);
    throw error;
  } finally {
    await closeExportDir(dir, state, failed);
  }
}

/** SHA-256 of the file at `path`, adding the bytes of each chunk to `progress` as it is read. */
export function sha256Of(path: string, progress?: (bytes: number) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => {
        hash.update(chunk);
        progress?.(chunk.length);
      })
      .on('end', () => resolve(hash.digest('hex')))
      .on('error', reject);
  });
}

/** The files of `record` whose bytes still hash to what it lists (an unreadable one is not kept). */
export async function verifiedFiles(dir: string, record: Manifest | undefined): Promise<ExportedFile[]> {
  const kept: ExportedFile[] = [];
  for (const file of record?.files ?? []) if ((await sha256Of(join(dir, file.name)).catch(() => undefined)) === file.sha256) kept.push(file);
  return kept;
}

