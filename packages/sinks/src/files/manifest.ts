// manifest.json: what an export holds and how it was made. A whole export has one; each part
// of an export split across machines has its own (`manifest.part-00001-of-00003.json`), and
// `mergeManifests` joins the parts into the manifest the whole export would have had. While an
// export runs, its journal (the same record, `complete: false`, in a hidden file) lists the files
// already complete, so that a rerun keeps them.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IdxflowError, validate } from '@idxflow/core/internal';
import { commitFile } from './atomic.js';
import { partRange, partTag, type ExportFormat } from './exportPlan.js';
import type { ExportedFile, ExportSummary } from './types.js';
import { OptionError } from '@idxflow/core';

/** What a manifest records besides the export's summary. */
export interface ManifestExtra {
  /** The seed the pipeline was built with. Default: none (written as null). */
  seed?: number;
  /** The options that built the pipeline, JSON-serialisable. Default: none (written as null). */
  pipeline?: object;
  /** The idxflow version that wrote the export. Required. */
  version: string;
  /** The export format. Default: none (written as null). */
  format?: ExportFormat;
}

/** Which stretch of a split export a part holds: positions `[first, first + count)` of `total`. */
export interface PartRecord {
  /** This part, from 0. */
  index: number;
  /** Parts in all. */
  of: number;
  /** Export position of its first sample. */
  first: number;
  /** Its samples. */
  count: number;
  /** Samples of the whole export. */
  total: number;
  /** Samples a part's stretch is a multiple of (a WebDataset shard's; 1 for the other formats): with `index`, `of` and `total` it fixes `first` and `count` (see `partRange`). Absent in parts written before it was recorded. */
  unit?: number;
}

/** The contents of manifest.json (and of part manifests and journals). */
export interface Manifest {
  /** The idxflow version that wrote the export. */
  idxflow: string;
  /** The export format, or null when the writer did not say. */
  format: ExportFormat | null;
  /** Samples in the export. */
  count: number;
  /** Height and width of every image. */
  shape: [number, number];
  /** Element type of the images. */
  dtype: 'uint8' | 'float32';
  /** The seed the pipeline was built with, or null. */
  seed: number | null;
  /** The options that built the pipeline (JSON), or null. */
  pipeline: object | null;
  /** Every file of the export, sorted by name. */
  files: ExportedFile[];
  /** Present in a part's manifest. */
  part?: PartRecord;
  /** False in a journal: the export is still running, or was interrupted. */
  complete?: false;
}

/**
 * A manifest that cannot be read or joined, or an export's files that are not as their
 * manifests list: names the file and what is wrong.
 *
 * ## Example
 * ```ts
 * import { ManifestError, mergeExportParts } from '@idxflow/sinks';
 * await mergeExportParts('out/wds').catch((error: unknown) => {
 *   if (error instanceof ManifestError) console.error(error.message); // e.g. names a part still running
 *   else throw error;
 * });
 * ```
 */
export class ManifestError extends IdxflowError {}

/**
 * The name of a whole export's manifest, or of part `index` of `of`.
 *
 * @param part Which part; the whole export when absent.
 *
 * ## Example
 * ```ts
 * import { manifestName } from '@idxflow/sinks';
 * manifestName(); // 'manifest.json'
 * manifestName({ index: 1, of: 3 }); // 'manifest.part-00001-of-00003.json'
 * ```
 */
export function manifestName(part?: Pick<PartRecord, 'index' | 'of'>): string {
  if (!part) return 'manifest.json';
  const pad = (n: number): string => String(n).padStart(5, '0');
  return `manifest.part-${pad(part.index)}-of-${pad(part.of)}.json`;
}

/** The journal beside a manifest: hidden, so that globs and readers never take it for one. */
export function journalName(part?: Pick<PartRecord, 'index' | 'of'>): string {
  return `.${manifestName(part)}.journal`;
}

/** Checks `extra` (throws an OptionError naming the field); run before an export starts. */
export function checkManifestExtra(extra: ManifestExtra): void {
  if (typeof extra?.version !== 'string' || extra.version.length === 0) {
    throw new OptionError(`Expected a non-empty string for version but received ${String(extra?.version)} of type ${typeof extra?.version}`);
  }
  if (extra.seed !== undefined) validate.seed('seed', extra.seed);
  if (extra.pipeline !== undefined && (typeof extra.pipeline !== 'object' || extra.pipeline === null)) {
    throw new OptionError(`Expected an object for pipeline but received ${String(extra.pipeline)} of type ${typeof extra.pipeline}`);
  }
}

/** The manifest of `summary`: files sorted by name, so that a merge of parts equals the whole. */
export function manifestOf(summary: Pick<ExportSummary, 'files' | 'count' | 'shape' | 'dtype'>, extra: ManifestExtra, part?: PartRecord): Manifest {
  const files = [...summary.files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(({ name, bytes, sha256 }) => ({ name, bytes, sha256 }));
  return {
    idxflow: extra.version,
    format: extra.format ?? null,
    count: summary.count,
    shape: summary.shape,
    dtype: summary.dtype,
    seed: extra.seed ?? null,
    pipeline: extra.pipeline ?? null,
    files,
    ...(part ? { part } : {}),
  };
}

/** What makes two manifests records of one export: everything but the files, counts and part index. */
export function fingerprintOf(manifest: Pick<Manifest, 'idxflow' | 'format' | 'seed' | 'pipeline' | 'part'>): string {
  const { idxflow, format, seed, pipeline, part } = manifest;
  return JSON.stringify({ idxflow, format, seed, pipeline, of: part?.of ?? 1, total: part?.total ?? null });
}

/** What makes two manifests records of one export, however it was split: the version, format, seed and pipeline. */
export function identityOf(manifest: Pick<Manifest, 'idxflow' | 'format' | 'seed' | 'pipeline'>): string {
  const { idxflow, format, seed, pipeline } = manifest;
  return JSON.stringify({ idxflow, format, seed, pipeline });
}

/** The samples of the whole export a record belongs to, where it says (a part, or a complete whole manifest); undefined for a whole export's journal. */
export function totalOf(manifest: Pick<Manifest, 'part' | 'count' | 'complete'>): number | undefined {
  return manifest.part?.total ?? (manifest.complete === false ? undefined : manifest.count);
}

/**
 * Writes `manifest` to `<dir>/<name>` atomically (synced, then renamed into place), as the
 * exports write theirs; returns the file's own entry. With `mergeManifests()`, it writes the
 * manifest of parts merged in code; `mergeExportParts()` does both, and first checks every
 * file's size and SHA-256 and joins the parts of array formats.
 *
 * @param dir The export's folder.
 * @param name The file name: `manifestName()` or `manifestName(part)`.
 * @param manifest What to write.
 * @returns Its name, size and SHA-256.
 *
 * ## Example
 * ```ts
 * import { manifestName, mergeManifests, readManifest, writeManifestFile, type Manifest } from '@idxflow/sinks';
 * // A WebDataset export's parts write the whole's shards: their merged manifest is the whole's.
 * const parts = await Promise.all([0, 1].map((index) => readManifest(`out/wds/${manifestName({ index, of: 2 })}`)));
 * await writeManifestFile('out/wds', manifestName(), mergeManifests(parts as Manifest[], 'out/wds'));
 * ```
 */
export async function writeManifestFile(dir: string, name: string, manifest: Manifest): Promise<ExportedFile> {
  return { name, ...(await commitFile(join(dir, name), new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n'))) };
}

/**
 * Writes `<dir>/manifest.json` atomically: the idxflow version, format, count, image shape,
 * dtype, seed, pipeline options, and the size and SHA-256 of every file of the export (sorted
 * by name), so an export can be reproduced and checked (`sha256sum`) later.
 *
 * @param dir The export directory.
 * @param summary What the sink returned.
 * @param extra Seed, pipeline options and version; see `ManifestExtra`.
 * @returns The manifest file's own entry.
 *
 * ## Example
 * ```ts
 * const summary = await toNpy(mnist(), { dir: 'out' });
 * await writeManifest('out', summary, { version: '0.1.0', seed: 7, pipeline: { rotate: 15 } });
 * ```
 */
export async function writeManifest(dir: string, summary: ExportSummary, extra: ManifestExtra): Promise<ExportedFile> {
  checkManifestExtra(extra);
  return writeManifestFile(dir, manifestName(), manifestOf(summary, extra));
}

/**
 * Reads a manifest (or a journal) and checks its shape: a `ManifestError` names a file that is
 * not JSON, not an idxflow manifest, or that lists a file outside its folder. Undefined when
 * there is no such file.
 *
 * @param path The manifest's path.
 * @returns The manifest, or undefined.
 *
 * ## Example
 * ```ts
 * import { readManifest } from '@idxflow/sinks';
 * const manifest = await readManifest('out/mnist-npy/manifest.json');
 * console.log(manifest ? `${manifest.count} samples in ${manifest.files.length} files` : 'no export there');
 * ```
 */
export async function readManifest(path: string): Promise<Manifest | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let value: Partial<Manifest>;
  try {
    value = JSON.parse(text) as Partial<Manifest>;
  } catch {
    throw new ManifestError({ file: path, expected: 'a JSON idxflow manifest', found: `${JSON.stringify(text.slice(0, 40))}...` });
  }
  const fileOk = (f: Partial<ExportedFile>): boolean => typeof f?.name === 'string' && Number.isSafeInteger(f.bytes) && /^[0-9a-f]{64}$/.test(String(f.sha256));
  if (typeof value !== 'object' || value === null || typeof value.idxflow !== 'string' || !Array.isArray(value.files) || !value.files.every(fileOk) || !Number.isSafeInteger(value.count)) {
    throw new ManifestError({ file: path, expected: 'an idxflow manifest (idxflow, count, files with name, bytes and sha256)', found: 'other JSON' });
  }
  // A manifest names files of its own folder: a forged one must not point a merge or --overwrite elsewhere.
  const outside = value.files.find((f) => f.name.startsWith('/') || f.name.split('/').some((part) => part === '' || part === '.' || part === '..'));
  if (outside) throw new ManifestError({ file: path, expected: "file names inside the export's folder (relative, no '..')", found: JSON.stringify(outside.name.slice(0, 200)) });
  return value as Manifest;
}

/**
 * Joins the manifests of the parts of one export into the manifest of the whole: checks that
 * they are records of the same export (same version, format, seed, pipeline, part count and
 * total), that every part from 0 to N - 1 is there once and complete, that each part holds the
 * stretch its index gives and as many samples as its stretch, and that no file is listed twice
 * or by the wrong part. The files themselves are checked by `mergeExportParts()`.
 *
 * @param parts Part manifests, any order.
 * @param where The directory they came from, for messages.
 * @returns The whole export's manifest, as a single machine would have written it.
 * @throws ManifestError naming what is missing or different.
 *
 * ## Example
 * ```ts
 * import { manifestName, mergeManifests, readManifest, type Manifest } from '@idxflow/sinks';
 * const parts = await Promise.all([0, 1, 2].map((index) => readManifest(`out/wds/${manifestName({ index, of: 3 })}`)));
 * const whole = mergeManifests(parts as Manifest[], 'out/wds'); // throws ManifestError naming a missing part
 * ```
 */
export function mergeManifests(parts: Manifest[], where: string): Manifest {
  const fail = (expected: string, found: string): never => {
    throw new ManifestError({ file: where, expected, found });
  };
  if (parts.length === 0) fail('part manifests (manifest.part-NNNNN-of-NNNNN.json)', 'none');
  const whole = parts.find((m) => !m.part);
  if (whole) fail('only part manifests', `a whole export's manifest among them (${whole.count} samples)`);
  const sorted = [...parts].sort((a, b) => a.part!.index - b.part!.index);
  const { of, total } = sorted[0].part!;
  const fingerprint = fingerprintOf(sorted[0]);
  const other = sorted.find((m) => fingerprintOf(m) !== fingerprint);
  if (other) fail(`every part made by the same export as part ${sorted[0].part!.index}`, `part ${other.part!.index} made with other flags (${fingerprintOf(other)})`);
  const indices = sorted.map((m) => m.part!.index);
  const twice = indices.filter((k, n) => indices[n - 1] === k);
  if (twice.length > 0) fail('each part once', `part ${twice[0]} twice`);
  const missing = Array.from({ length: of }, (_, k) => k).filter((k) => !indices.includes(k));
  if (missing.length > 0) fail(`all ${of} parts`, `part${missing.length > 1 ? 's' : ''} ${listed(missing)} missing`);
  const running = sorted.filter((m) => m.complete === false).map((m) => m.part!.index);
  if (running.length > 0) fail(`all ${of} parts complete`, `part${running.length > 1 ? 's' : ''} ${listed(running)} still running or interrupted (a journal)`);
  // The images' shape and dtype: those of the parts that hold samples (an empty part, where
  // there are more parts than shards, records none).
  const like = sorted.find((m) => m.count > 0) ?? sorted[0];
  const seen = new Set<string>();
  let next = 0;
  for (const m of sorted) {
    const part = m.part!;
    const k = part.index;
    if (part.first !== next) fail(`part ${k} to start at sample ${next}`, `sample ${part.first}`);
    if (part.unit !== undefined) {
      const range = partRange(total, part.unit, part);
      if (range.first !== part.first || range.count !== part.count) fail(`part ${k} of ${of} to hold samples ${range.first} to ${range.first + range.count} of ${total}`, `${part.first} to ${part.first + part.count}`);
    }
    if (m.count !== part.count) fail(`part ${k} to count the ${part.count} samples of its stretch`, `count ${m.count}`);
    if (m.count > 0 && (m.shape.join() !== like.shape.join() || m.dtype !== like.dtype)) fail(`every part of ${like.shape.join(' x ')} ${like.dtype}`, `part ${k} of ${m.shape.join(' x ')} ${m.dtype}`);
    for (const file of m.files) {
      if (seen.has(file.name)) fail('every file listed once', `${file.name} listed twice (part ${k})`);
      seen.add(file.name);
      if (!fileOfPart(m.format, part, file.name)) fail(`files of part ${k} only in its manifest`, `${file.name}`);
    }
    next += part.count;
  }
  if (next !== total) fail(`parts covering all ${total} samples`, `${next}`);
  const { part: _part, ...first } = sorted[0];
  const files = sorted.flatMap((m) => m.files);
  return manifestOf({ files, count: next, shape: like.shape, dtype: like.dtype }, { version: first.idxflow, format: first.format ?? undefined, seed: first.seed ?? undefined, pipeline: first.pipeline ?? undefined });
}

/** `1, 3 and 4`. */
const listed = (indices: number[]): string => (indices.length === 1 ? String(indices[0]) : `${indices.slice(0, -1).join(', ')} and ${indices[indices.length - 1]}`);

/**
 * Whether `name` may be a file of `part`: a WebDataset shard of its stretch (when its unit is
 * recorded), the dataset card of an hf export's part 0, or a file tagged with the part's tag.
 */
function fileOfPart(format: ExportFormat | null, part: PartRecord, name: string): boolean {
  if (format === 'wds') {
    const shard = /^shard-(\d{6})\.tar$/.exec(name);
    if (!shard) return false;
    const at = Number(shard[1]) * (part.unit ?? 0);
    return part.unit === undefined || (at >= part.first && at < part.first + part.count);
  }
  if (format === 'hf') return name === 'README.md' ? part.index === 0 : name.endsWith(`-${String(part.index).padStart(5, '0')}-of-${String(part.of).padStart(5, '0')}.parquet`);
  return part.of === 1 || name.includes(partTag(part));
}
