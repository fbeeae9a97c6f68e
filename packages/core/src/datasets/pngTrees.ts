// notMNIST (Bulatov 2011) and Kuzushiji-Kanji (Clanuwat et al. 2018): trees of PNG files, one
// folder per class, published as one archive each. A tree is read where it is found extracted
// (in `dir`, or in the cache); else its archive (in `dir`, the cache, or downloaded when its
// checksum is known) is extracted once into the cache, and the tree read from there.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { defer, switchMap } from '../rx.js';
import type { Block } from '../block.js';
import type { InflateLimitOptions } from '../inflateLimit.js';
import * as validate from '../validate.js';
import { extractPngArchive, pngTree } from './pngTree.js';
import type { RemoteFile } from './registry.js';
import { defaultCacheDir, resolvePublishedFile, type PublishedFiles, type ResolveOptions } from './resolve.js';

/** A published tree: its archive, the folder the archive holds, and the classes' folders. */
export interface TreeSpec extends PublishedFiles {
  /** The archive, `.tar` or `.tar.gz`. */
  readonly archive: RemoteFile;
  /** The top folder of the archive's members, e.g. `notMNIST_small`. */
  readonly folder: string;
  /** Side of every image. */
  readonly size: number;
}

/** The two notMNIST sets, as published (no checksum is published: not downloaded). */
export const NOT_MNIST: Readonly<Record<'small' | 'large', TreeSpec>> = {
  small: { id: 'notmnist', mirrors: ['http://yaroslavvb.com/upload/notMNIST/'], archive: { name: 'notMNIST_small.tar.gz', size: 0, sha256: '' }, folder: 'notMNIST_small', size: 28 },
  large: { id: 'notmnist', mirrors: ['http://yaroslavvb.com/upload/notMNIST/'], archive: { name: 'notMNIST_large.tar.gz', size: 0, sha256: '' }, folder: 'notMNIST_large', size: 28 },
};

/** notMNIST's classes: the letters A to J, rendered in many fonts. */
export const NOT_MNIST_CLASSES: readonly string[] = [...'ABCDEFGHIJ'];

/** Kuzushiji-Kanji, as published (no checksum is published: not downloaded). */
export const KUZUSHIJI_KANJI: TreeSpec = { id: 'kuzushiji-kanji', mirrors: ['http://codh.rois.ac.jp/kmnist/dataset/kkanji/'], archive: { name: 'kkanji.tar', size: 0, sha256: '' }, folder: 'kkanji2', size: 64 };

/** Options of `notMnist()` and `kuzushijiKanji()`. */
export interface PngTreeDatasetOptions extends Omit<ResolveOptions, 'split'>, InflateLimitOptions {
  /** The only split, `'train'` (neither set publishes a test split). Default `'train'`. */
  split?: 'train';
  /** Called for each file that does not decode, which is skipped (notMNIST's archives hold a few). Default: skipped silently (the count is the files less the samples). */
  onSkip?: (file: string, error: Error) => void;
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

/** The extracted tree of `spec`: in `dir`, in the cache, or extracted from its archive into the cache. */
export async function resolveTree(spec: TreeSpec, options: PngTreeDatasetOptions = {}): Promise<string> {
  validate.oneOf('split', options.split ?? 'train', ['train'] as const);
  if (options.dir && (await exists(join(options.dir, spec.folder)))) return join(options.dir, spec.folder);
  const cached = join(options.cacheDir ?? defaultCacheDir(), spec.id, spec.folder);
  if (!options.dir && (await exists(cached))) return cached;
  const archive = await resolvePublishedFile(spec, spec.archive, { ...options, split: 'train' });
  if (!(await exists(cached))) {
    await extractPngArchive(archive, cached, (path) => path.startsWith(`${spec.folder}/`) && path.toLowerCase().endsWith('.png') && path.split('/').length === 3, options);
  }
  return cached;
}

/** Reads the tree below `folder` (`<folder>/<top>/<class>/*.png` after extraction). */
function treeBlocks(spec: TreeSpec, classes: (root: string) => Promise<readonly string[]>, options: PngTreeDatasetOptions, wide: boolean): Observable<Block<Uint8Array>> {
  const found = async (): Promise<{ top: string; names: readonly string[] }> => {
    const top = await treeRoot(await resolveTree(spec, options), spec.folder);
    return { top, names: await classes(top) };
  };
  return defer(() => found()).pipe(switchMap(({ top, names }) => pngTree({ root: top, classes: names, size: spec.size, wide, onSkip: options.onSkip ?? (() => undefined) })));
}

/** The folder holding the class folders: `root` itself, or `root/<folder>` (an archive extracted into the cache keeps its top folder). */
export async function treeRoot(root: string, folder: string): Promise<string> {
  return (await exists(join(root, folder))) ? join(root, folder) : root;
}

/**
 * notMNIST (Bulatov 2011): the letters A to J in 28 x 28 grey, rendered from many fonts: the
 * `small` set (about 19,000 images, hand-cleaned) or the `large` one (about 530,000). Read from the
 * extracted tree (`notMNIST_small/A/*.png`, ...) in `dir` or the cache, or from the published
 * `.tar.gz` (in `dir` or the cache), extracted once into the cache. The published archives hold
 * some files that do not decode: they are skipped, each reported to `onSkip`.
 *
 * @param variant `'small'` or `'large'`.
 * @param options See `PngTreeDatasetOptions`.
 * @param spec Where the set is published; tests give their own.
 *
 * ## Example
 * ```ts
 * import { notMnist } from '@idxflow/core';
 * let skipped = 0;
 * notMnist('small', { dir: 'downloads', onSkip: () => skipped++ }).subscribe({ complete: () => console.log(`${skipped} unreadable files skipped`) });
 * ```
 */
export function notMnist(variant: 'small' | 'large', options: PngTreeDatasetOptions = {}, spec: TreeSpec = NOT_MNIST[variant]): Observable<Block<Uint8Array>> {
  validate.oneOf('variant', variant, ['small', 'large'] as const);
  return treeBlocks(spec, async () => NOT_MNIST_CLASSES, options, false);
}

/**
 * The classes of a Kuzushiji-Kanji tree: its `U+XXXX` folders in code point order, each named by
 * its character.
 *
 * ## Example
 * ```ts
 * await kanjiClasses('kkanji2'); // ['丁', '七', ...]
 * ```
 */
export async function kanjiClasses(root: string): Promise<string[]> {
  return (await import('./pngTreeReader.js')).codePointClasses(root);
}

/** The folder name of a Kanji class: `U+4E00` for 一. */
const codePointFolder = (character: string): string => `U+${character.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * Kuzushiji-Kanji (Clanuwat et al. 2018; CC BY-SA 4.0): 140,424 cursive kanji in 3,832 classes,
 * 64 x 64 grey, read from the tree `kkanji2/U+XXXX/*.png` (extracted, in `dir` or the cache, or
 * from the published `kkanji.tar`, extracted once into the cache). With more classes than a byte
 * holds, each sample's class is in `Block.classIds` (its index in `kanjiClasses()`, code point
 * order) and `labels` is 0.
 *
 * @param options See `PngTreeDatasetOptions`.
 * @param spec Where the set is published; tests give their own.
 *
 * ## Example
 * ```ts
 * import { kuzushijiKanji } from '@idxflow/core';
 * kuzushijiKanji({ dir: 'downloads' }).subscribe((b) => console.log(b.shape, b.classIds![0])); // [256, 64, 64]
 * ```
 */
export function kuzushijiKanji(options: PngTreeDatasetOptions = {}, spec: TreeSpec = KUZUSHIJI_KANJI): Observable<Block<Uint8Array>> {
  return treeBlocks(spec, async (root) => (await kanjiClasses(root)).map(codePointFolder), options, true);
}
