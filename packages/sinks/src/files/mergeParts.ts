// The merge of an export written in parts: run once every part has finished, in the folder that
// holds them all. It trusts nothing it reads: the part manifests must agree (mergeManifests),
// every part must be there and complete (a missing one is named, with what its folder shows of
// it), and every file must have the size and SHA-256 its part manifest lists, before the whole
// export's manifest.json is written. The parts of array formats (and a PNG folder's lists) are
// then joined into the files one machine writes, and removed (joinParts). Merging again gives
// the same bytes and writes nothing.
import { createHash } from 'node:crypto';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { closeExportDir, ExportRefusedError } from './exportDir.js';
import { sha256Of } from './export.js';
import { acquireExportLock, lockHeld, lockName } from './exportLock.js';
import { JOINED_FORMATS, joinParts, removeParts } from './joinParts.js';
import { identityOf, journalName, ManifestError, manifestName, mergeManifests, readManifest, writeManifestFile, type Manifest } from './manifest.js';
import type { ExportedFile } from './types.js';

/** Options of `mergeExportParts()`. */
export interface MergeOptions {
  /** Replace a manifest.json that differs from the merge. Default: false (refused). */
  force?: boolean;
  /** Called as the files are checked, with the bytes hashed so far and in all. */
  onProgress?: (done: number, total: number) => void;
}

/** What `mergeExportParts()` did. */
export interface MergeResult {
  /** The whole export's manifest. */
  manifest: Manifest;
  /** Part manifests merged. */
  parts: number;
  /** True when manifest.json was there already with these very bytes: nothing was written. */
  alreadyMerged: boolean;
  /** manifest.json's own size and SHA-256. */
  file: ExportedFile;
  /** The files of the parts joined into the whole's (array formats, a PNG folder's lists); none for WebDataset and hf, whose parts are the whole's files. */
  joined: string[];
  /** Part files and part manifests removed once joined. */
  removed: string[];
}

const PART_MANIFEST = /^manifest\.part-(\d{5,})-of-(\d{5,})\.json$/;

/** Checks that each file of `manifest` is in `dir` with its size, then with its SHA-256. */
async function verify(dir: string, manifest: Manifest, onProgress: MergeOptions['onProgress']): Promise<void> {
  for (const file of manifest.files) {
    const size = await stat(join(dir, file.name)).then((s) => (s.isFile() ? s.size : undefined), () => undefined);
    if (size !== file.bytes) throw new ManifestError({ file: join(dir, file.name), expected: `a file of ${file.bytes} bytes, as its part manifest lists`, found: size === undefined ? 'no such file' : `${size} bytes` });
  }
  const total = manifest.files.reduce((n, f) => n + f.bytes, 0);
  let done = 0;
  for (const file of manifest.files) {
    const sha256 = await sha256Of(join(dir, file.name), (bytes) => onProgress?.((done += bytes), total));
    if (sha256 !== file.sha256) throw new ManifestError({ file: join(dir, file.name), expected: `SHA-256 ${file.sha256}, as its part manifest lists`, found: `${sha256} (the file changed since its part wrote it)` });
  }
}

/** Why part `index` of `of` has no manifest in `dir`: what the folder shows of it. */
async function absence(dir: string, names: Set<string>, index: number, of: number): Promise<string> {
  const part = { index, of };
  if (names.has(lockName(part)) && (await lockHeld(join(dir, lockName(part))))) return `part ${index} running (its lock is held)`;
  if (names.has(journalName(part))) return `part ${index} interrupted or running (its journal is there)`;
  return `part ${index} not there`;
}

/** The part manifests of `dir`, read and checked one by one; the missing ones of the first's count named in a ManifestError. */
async function partsOf(dir: string, names: Set<string>): Promise<Manifest[]> {
  const parts: Manifest[] = [];
  for (const name of [...names].filter((n) => PART_MANIFEST.test(n)).sort()) parts.push((await readManifest(join(dir, name)))!);
  if (parts.length === 0) return parts;
  const of = parts[0].part?.of ?? 0;
  const present = new Set(parts.filter((m) => m.part?.of === of).map((m) => m.part!.index));
  const missing = Array.from({ length: of }, (_, k) => k).filter((k) => !present.has(k));
  if (missing.length > 0) {
    const shown = await Promise.all(missing.slice(0, 8).map((k) => absence(dir, names, k, of)));
    throw new ManifestError({ file: dir, expected: `the manifests of all ${of} parts (merge once every part has finished)`, found: `${missing.length} missing: ${shown.join('; ')}${missing.length > 8 ? '; ...' : ''}` });
  }
  return parts;
}

/**
 * Merges the parts of an export in `dir` into the whole export's `manifest.json`, the manifest
 * one machine would have written, byte for byte: checks that every part is there and complete
 * and made with the same flags, that the parts cover every sample once with no file listed
 * twice, and that every file has the size and SHA-256 its part manifest lists. The parts of an
 * `idx`, `idx.gz`, `npy` or `npz` export, and a PNG folder's `labels.csv` and `SHA256SUMS`, are
 * joined into the files one machine writes and then removed (see `joinParts`), so that the
 * folder holds what one machine writes. Run again, it finds the same manifest and writes
 * nothing; a different manifest.json is refused unless `force`.
 *
 * @param dir The folder that holds every part's files and manifest.
 * @param options See `MergeOptions`.
 * @returns What was merged: see `MergeResult`.
 * @throws ManifestError naming a missing part, a part of other flags, or a file that is not as
 *   listed; ExportRefusedError for a different manifest.json without `force`; ExportBusyError
 *   while another merge of `dir` runs.
 *
 * ## Example
 * ```ts
 * const { manifest, alreadyMerged } = await mergeExportParts('/data/mnist8m');
 * console.log(alreadyMerged ? 'merged before' : `merged ${manifest.count} samples`);
 * ```
 */
export async function mergeExportParts(dir: string, options: MergeOptions = {}): Promise<MergeResult> {
  const folder = await stat(dir).catch(() => undefined);
  if (!folder?.isDirectory()) throw new ManifestError({ file: dir, expected: "a folder holding an export's parts", found: folder ? 'a file' : 'no such folder' });
  const lock = await acquireExportLock(dir, lockName());
  try {
    const names = new Set(await readdir(dir));
    const parts = await partsOf(dir, names);
    const existing = await readFile(join(dir, manifestName())).catch(() => undefined);
    const prior = existing && (await readManifest(join(dir, manifestName())).catch(() => undefined));
    const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');
    if (parts.length === 0) {
      if (!prior) throw new ManifestError({ file: dir, expected: 'part manifests (manifest.part-NNNNN-of-NNNNN.json)', found: 'none' });
      await verify(dir, prior, options.onProgress);
      return { manifest: prior, parts: 0, alreadyMerged: true, file: { name: manifestName(), bytes: existing!.length, sha256: sha256(existing!) }, joined: [], removed: [] };
    }
    const whole = mergeManifests(parts, dir);
    const sorted = [...parts].sort((a, b) => a.part!.index - b.part!.index);
    const joining = whole.format !== null && JOINED_FORMATS.includes(whole.format) && sorted.length > 1 && whole.count > 0;
    const bytes = Buffer.from(JSON.stringify(whole, null, 2) + '\n');
    // Merged already: the same manifest, or (joined formats) the same export's, whose part files
    // a removal that was cut short may not all have gone yet.
    const same = existing !== undefined && (joining ? prior !== undefined && prior.complete !== false && identityOf(prior) === identityOf(whole) && prior.count === whole.count : existing.equals(bytes));
    if (same) {
      await verify(dir, prior!, options.onProgress);
      const removed = joining ? await removeParts(dir, sorted, prior!) : [];
      return { manifest: prior!, parts: parts.length, alreadyMerged: true, file: { name: manifestName(), bytes: existing!.length, sha256: sha256(existing!) }, joined: [], removed };
    }
    if (existing !== undefined && options.force !== true) {
      throw new ExportRefusedError({ file: join(dir, manifestName()), expected: 'no manifest.json yet, or the one this merge writes (force replaces another)', found: `a different one (${existing.length} bytes)` });
    }
    await verify(dir, whole, options.onProgress);
    if (!joining) return { manifest: whole, parts: parts.length, alreadyMerged: false, file: await writeManifestFile(dir, manifestName(), whole), joined: [], removed: [] };
    const joined = await joinParts(dir, sorted, whole);
    const file = await writeManifestFile(dir, manifestName(), joined).catch(async (error: unknown) => {
      // Without its manifest the joined files are no export: the parts stay, to merge again.
      await Promise.all(joined.files.map((f) => rm(join(dir, f.name), { force: true })));
      throw error;
    });
    const removed = await removeParts(dir, sorted, joined);
    return { manifest: joined, parts: parts.length, alreadyMerged: false, file, joined: whole.files.map((f) => f.name), removed };
  } finally {
    await closeExportDir(dir, { created: false, lock }, false);
  }
}
