// The export directory's guard: an export never overwrites its input, never writes over files
// it did not make, and never leaves stale files beside a new manifest. What a directory may hold
// when an export starts: nothing; or this same export (its manifests and journals, the files they
// list, and the files its plan names, left by an interrupted run or by other parts); or, with
// `overwrite`, an earlier idxflow export, whose listed files are removed first. Many parts of
// one export share a folder: a part takes its own lock first (one writer per part), removes only
// its own leftovers, and leaves every other part's files, temporaries, journals and locks alone.
import { lstat, readdir, readFile, realpath, rm, rmdir } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { IdxflowError } from '@idxflow/core';
import { makeFolders } from '@idxflow/core/internal';
import { finalNameOf } from './atomic.js';
import { acquireExportLock, ExportBusyError, LOCK_FILE, lockHeld, type ExportLock } from './exportLock.js';
import { fingerprintOf, identityOf, ManifestError, readManifest, totalOf, type Manifest } from './manifest.js';

/**
 * An export that would destroy data or leave stale files, refused before anything is written.
 *
 * ## Example
 * ```ts
 * await exportTo(mnist(), { dir: 'my-thesis', format: 'npy' }).catch((e) => {
 *   if (e instanceof ExportRefusedError) console.error(e.message); // the folder holds files that are not an export's
 * });
 * ```
 */
export class ExportRefusedError extends IdxflowError {}

/** What `prepareExportDir` needs to know of the export about to run. */
export interface ExportDirCheck {
  dir: string;
  /** `fingerprintOf` this export's manifest: records with the same one are this export's (this partition of it). */
  fingerprint: string;
  /** `identityOf` this export's manifest: records with the same one and the same total are the same export, split otherwise (its merged manifest, for a part). */
  identity: string;
  /** Samples of the whole export; without it, no record counts as the same export split otherwise. */
  total?: number;
  /** This run's own records (its manifest and journal): their stale temporaries are removed. */
  own: readonly string[];
  /** This run's lock file (`lockName()`): taken before anything is read or removed. */
  lock: string;
  /** Called when the lock is held by a run on another host, before waiting for it. */
  onWait?: (holder: string) => void;
  /** Stops a wait for the lock. */
  signal?: AbortSignal;
  /** Whether a relative path (with `/`) is a file this export (any part of it) may write. */
  ours: (name: string) => boolean;
  /** Whether a relative path is a file of this run's part, its manifest or journal included (its stale temporaries are removed). */
  mine: (name: string) => boolean;
  /** Input files of the export: none may lie inside `dir`. */
  inputs: readonly string[];
  /** Remove an earlier idxflow export's files (exactly those its manifest lists). */
  overwrite: boolean;
}

/** What the directory held, once checked and prepared. */
export interface ExportDirState {
  /** The directory. */
  dir: string;
  /** The directory was made by this export (a failed run removes it again). */
  created: boolean;
  /** This export's manifests and journals found, by file name. */
  records: Map<string, Manifest>;
  /** Records of the same export split otherwise: a part finds the merged manifest.json here. */
  siblings: Map<string, Manifest>;
  /** This run's lock: `closeExportDir()` releases it. */
  lock: ExportLock;
  /** Files of an earlier export removed by `overwrite`. */
  removed: string[];
}

const RECORD = /^(manifest(\.part-\d{5,}-of-\d{5,})?\.json|\.manifest(\.part-\d{5,}-of-\d{5,})?\.json\.journal)$/;

/** Every file under `dir` (three levels: splits, label folders, files), as relative paths with `/`. */
async function filesUnder(dir: string, depth = 3, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  const entries = await readdir(join(dir, prefix), { withFileTypes: true }).catch((error: unknown) => {
    if (prefix !== '' && (error as NodeJS.ErrnoException).code === 'ENOENT') return []; // a folder another part just emptied and removed
    throw error;
  });
  for (const entry of entries) {
    const name = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory() && depth > 1) out.push(...(await filesUnder(dir, depth - 1, name)));
    else out.push(name);
  }
  return out;
}

/**
 * Refuses (ExportRefusedError, naming both) an output that is one of the inputs, holds one, or
 * lies inside an input folder (an image folder's tree: the output would join the data it reads).
 *
 * @param out The output folder or file.
 * @param inputs The files and folders the run reads.
 *
 * ## Example
 * ```ts
 * await refuseOutputAmongInputs('data/cats/preview.png', ['data']); // throws: inside the input data
 * ```
 */
export async function refuseOutputAmongInputs(out: string, inputs: readonly string[]): Promise<void> {
  const home = await realpath(out).catch(() => resolve(out));
  const refuse = (expected: string, found: string): never => {
    throw new ExportRefusedError({ file: out, expected, found });
  };
  for (const input of inputs) {
    const real = await realpath(input).catch(() => resolve(input));
    if (real === home) refuse('an output that is not an input (it would be overwritten)', `the input ${input}`);
    if (real.startsWith(home + sep)) refuse('an output folder that holds none of the inputs (an export would overwrite them)', `the input ${input}`);
    if (home.startsWith(real + sep)) refuse('an output outside the input folders (its files would join the data it reads)', `a path inside the input ${input}`);
  }
}

/**
 * The files of an export: those its manifest lists and, for a PNG folder, every PNG its
 * SHA256SUMS lists (the manifest holds that file's hash rather than millions of entries).
 */
async function filesOf(dir: string, manifest: Manifest): Promise<string[]> {
  const names = manifest.files.map((f) => f.name);
  for (const sums of names.filter((n) => /(^|\/)SHA256SUMS(\.[\w.-]+)?$/.test(n))) {
    const prefix = sums.includes('/') ? sums.slice(0, sums.lastIndexOf('/') + 1) : '';
    const text = await readFile(join(dir, sums), 'utf8').catch(() => '');
    for (const line of text.split('\n')) {
      const match = /^[0-9a-f]{64} {2}(\S+)$/.exec(line);
      if (match) names.push(prefix + match[1]);
    }
  }
  return names;
}

/**
 * The export file a temporary is written for: an NPZ's arrays stream to temporaries of their own
 * (`train.npz.x.npy`, `train.npz.soft_labels.npy`, `train.npz.label_matrix.npy`, Keras' `mnist.npz.train.x.npy`) before they
 * are zipped into it.
 */
const ownerOf = (final: string): string => final.replace(/(\.npz)(\.train|\.test)?\.(x|y|soft_labels|label_matrix|class_ids)\.npy$/, '$1');

/** The folders (relative to the export's) that hold the files `names`. */
const foldersOf = (names: readonly string[]): string[] => names.filter((n) => n.includes('/')).map((n) => n.slice(0, n.lastIndexOf('/')));

/** Removes those of `folders` (relative to `dir`) that are empty, deepest first; never `dir` itself. */
async function removeEmptyFolders(dir: string, folders: readonly string[]): Promise<void> {
  const deepestFirst = [...new Set(folders)].sort((a, b) => b.length - a.length);
  for (const folder of deepestFirst) await rmdir(join(dir, folder)).catch(() => undefined);
}

/**
 * Checks `dir` for the export about to run and prepares it: creates it, takes this run's lock
 * (ExportBusyError when a live run holds it), then removes stale temporaries of this part, or
 * (with `overwrite`) an earlier export's listed files. Refuses, with an `ExportRefusedError`
 * naming the folder and a file, an input inside it, a file that is not a directory, and files
 * that belong to no manifest of this export. The caller ends with `closeExportDir()`.
 */
export async function prepareExportDir(check: ExportDirCheck): Promise<ExportDirState> {
  const { dir } = check;
  await refuseOutputAmongInputs(dir, check.inputs);
  const stat = await lstat(dir).catch(() => undefined);
  if (stat !== undefined && !stat.isDirectory()) throw new ExportRefusedError({ file: dir, expected: 'a folder (or a path that does not exist yet) for `dir`', found: 'a file' });
  if (stat === undefined) await makeFolders(dir);
  const lock = await acquireExportLock(dir, check.lock, { onWait: check.onWait, signal: check.signal });
  const state = { dir, created: stat === undefined, lock };
  try {
    return { ...state, ...(await prepareLocked(check)) };
  } catch (error) {
    await closeExportDir(dir, state, true);
    throw error;
  }
}

/** Releases the lock of a run; after a failure, removes `dir` too when the run made it and it is empty. */
export async function closeExportDir(dir: string, state: Pick<ExportDirState, 'created' | 'lock'>, failed: boolean): Promise<void> {
  await state.lock.release();
  if (failed && state.created) await rmdir(dir).catch(() => undefined);
}

/**
 * Refuses (ExportBusyError) to start beside a live run of another partition of the folder's
 * export (a whole export beside its parts, parts of 4 beside parts of 3) or of another export:
 * their files' names overlap ours, and one would remove the other's temporaries. Parts of the
 * same count are one export's, written side by side.
 */
async function refuseOtherWriters(dir: string, names: readonly string[], ownLock: string): Promise<void> {
  const countOf = (lock: string): string => /-of-(\d{5,})\./.exec(lock)?.[1] ?? 'whole';
  for (const name of names) {
    if (!LOCK_FILE.test(name) || name.endsWith('.break') || countOf(name) === countOf(ownLock)) continue;
    if (await lockHeld(join(dir, name))) {
      throw new ExportBusyError({ file: join(dir, name), expected: 'no run of another partition of this export, or of another export, writing into the folder', found: 'one running (its lock is held): wait for it to end, or choose another folder' });
    }
  }
}

/** The folder's files and its idxflow records, read by name: this export's, its other parts', others'. */
interface Scan {
  names: string[];
  records: Map<string, Manifest>;
  siblings: Map<string, Manifest>;
  foreign: Map<string, Manifest>;
  /** Records listed but removed before they were read: another part's journal, as that part ended. */
  gone: Set<string>;
}

async function scanExportDir(check: ExportDirCheck): Promise<Scan> {
  const { dir } = check;
  const names = await filesUnder(dir);
  const scan: Scan = { names, records: new Map(), siblings: new Map(), foreign: new Map(), gone: new Set() };
  for (const name of names.filter((n) => RECORD.test(n))) {
    const manifest = await readManifest(join(dir, name)).catch((error: unknown) => {
      if (error instanceof ManifestError) return null; // not an idxflow manifest: a file like any other
      throw error;
    });
    if (manifest === undefined) scan.gone.add(name);
    if (!manifest) continue;
    if (fingerprintOf(manifest) === check.fingerprint) scan.records.set(name, manifest);
    else if (check.total !== undefined && identityOf(manifest) === check.identity && (totalOf(manifest) ?? check.total) === check.total) scan.siblings.set(name, manifest);
    else scan.foreign.set(name, manifest);
  }
  return scan;
}

/**
 * Scans until no record vanished during the scan. A part that ends writes its manifest, then
 * removes its journal: a listing taken between the two holds the journal alone, and by the time
 * it is read the part's files have no record in that listing. The next scan sees its manifest.
 * Each part ends once, so this stops; a folder whose records vanish 64 scans in a row is taken
 * as the last scan saw it.
 */
async function settledScan(check: ExportDirCheck): Promise<Scan> {
  for (let attempt = 0; ; attempt++) {
    const scan = await scanExportDir(check);
    if (scan.gone.size === 0 || attempt >= 64) return scan;
  }
}

/** `prepareExportDir`'s work once the lock is held. */
async function prepareLocked(check: ExportDirCheck): Promise<Pick<ExportDirState, 'records' | 'siblings' | 'removed'>> {
  const { dir } = check;
  const { names, records, siblings, foreign, gone } = await settledScan(check);
  await refuseOtherWriters(dir, names, check.lock);
  if (foreign.size > 0 && !check.overwrite) {
    const [name, manifest] = [...foreign][0];
    throw new ExportRefusedError({
      file: dir,
      expected: 'an empty folder, or one holding this same export (to resume it)',
      found: `an earlier idxflow export of other options (${name}: ${manifest.format ?? 'unknown format'}, ${manifest.count} samples, ${manifest.files.length} files): choose another \`dir\`, or pass \`overwrite: true\` to remove the files that export lists`,
    });
  }
  // Decide everything before removing anything: an export refused leaves the folder as it was.
  const replaced = new Set<string>();
  for (const [record, earlier] of foreign) for (const name of [record, ...(await filesOf(dir, earlier))]) replaced.add(name);
  const listed = new Set<string>();
  for (const record of [...records.values(), ...siblings.values()]) for (const name of await filesOf(dir, record)) listed.add(name);
  const own = new Set(check.own);
  const left: string[] = [];
  const debris: string[] = [];
  for (const name of names) {
    if (replaced.has(name) || records.has(name) || siblings.has(name) || listed.has(name) || gone.has(name) || LOCK_FILE.test(name)) continue;
    const partial = finalNameOf(name);
    if (partial !== undefined) {
      // A temporary of a killed run of this part, or of no export. Those of other parts (their
      // files, journals and manifests) belong to runs that may be writing them now: never removed here.
      const final = ownerOf(partial);
      if (check.mine(final) || own.has(final) || (!check.ours(final) && !RECORD.test(final))) debris.push(name);
      continue;
    }
    if (check.ours(name) && records.size + siblings.size > 0) continue; // left by an interrupted run or another part of this export
    left.push(name);
  }
  if (left.length > 0) {
    throw new ExportRefusedError({
      file: dir,
      expected: 'an empty folder, or one holding this same export (to resume it)',
      found: `${left.length} file${left.length > 1 ? 's' : ''} of no idxflow export of these options (${left.slice(0, 3).join(', ')}${left.length > 3 ? ', ...' : ''}): choose an empty or new \`dir\``,
    });
  }
  const removed: string[] = [];
  for (const file of replaced) {
    const path = join(dir, file);
    if (relative(dir, path).startsWith('..')) continue; // a manifest never reaches outside its folder
    await rm(path, { force: true });
    removed.push(file);
  }
  for (const name of debris) await rm(join(dir, name), { force: true });
  await removeEmptyFolders(dir, foldersOf(removed));
  return { records, siblings, removed };
}

/**
 * Removes files a failed run wrote (relative names), their emptied folders, and the `folders`
 * the run may have made before any file of theirs was complete (a split's `train/`, a config's
 * folder) when they are empty. `closeExportDir()` removes `dir` itself.
 */
export async function removeWritten(dir: string, names: readonly string[], folders: readonly string[] = []): Promise<void> {
  for (const name of names) await rm(join(dir, name), { force: true });
  await removeEmptyFolders(dir, [...foldersOf(names), ...folders]);
}
