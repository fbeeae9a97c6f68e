// Kuzushiji-49 (Clanuwat et al. 2018): 49 classes of cursive hiragana, 28 x 28 grey, published as
// four npz files (`k49-{train,test}-{imgs,labels}.npz`), each holding one array, `arr_0`.
import type { Observable } from 'rxjs';
import { defer, map, switchMap } from '../rx.js';
import type { Block } from '../block.js';
import { NpyFormatError } from '../errors.js';
import type { InflateLimitOptions } from '../inflateLimit.js';
import { DEFAULT_CHUNK_SIZE } from '../sources/bytes.js';
import { fromZipMember } from '../sources/zipMember.js';
import * as validate from '../validate.js';
import { findZipEntry, readZipDirectory } from '../zip/centralDirectory.js';
import { npyPair, type NpyInput } from './npy.js';
import type { RemoteFile } from './registry.js';
import { resolvePublishedFile, type PublishedFiles, type ResolveOptions } from './resolve.js';

/** Where Kuzushiji-49 is published, and its files. The authors publish no checksum: `sha256` is empty, so the files come from `dir` or the cache. */
export const K49: PublishedFiles & { readonly files: Readonly<Record<'train' | 'test', { readonly images: RemoteFile; readonly labels: RemoteFile }>> } = {
  id: 'k49',
  mirrors: ['http://codh.rois.ac.jp/kmnist/dataset/k49/'],
  files: {
    train: { images: { name: 'k49-train-imgs.npz', size: 0, sha256: '' }, labels: { name: 'k49-train-labels.npz', size: 0, sha256: '' } },
    test: { images: { name: 'k49-test-imgs.npz', size: 0, sha256: '' }, labels: { name: 'k49-test-labels.npz', size: 0, sha256: '' } },
  },
};

/**
 * Kuzushiji-49's class names, index = label value, as its `k49_classmap.csv` gives them
 * (U+3042 あ to U+309D ゝ): the 46 hiragana of the gojūon order with the obsolete ゐ and ゑ,
 * ん, and the iteration mark ゝ.
 */
export const K49_CLASSES: readonly string[] = [...'あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわゐゑをんゝ'];

/** Samples of each split, as published. */
export const K49_COUNTS: Readonly<Record<'train' | 'test', number>> = { train: 232365, test: 38547 };

/** Options of `kuzushiji49()`. */
export interface K49Options extends Omit<ResolveOptions, 'split'>, InflateLimitOptions {
  /** `'train'` or `'test'`. Default `'train'`. */
  split?: 'train' | 'test';
  /** Bytes read per chunk. Default 65,536. */
  chunkSize?: number;
}

/** Finds a split's two npz files: `dir`, the cache, or `spec`'s mirrors when it pins their checksums. */
export async function resolveK49(options: K49Options = {}, spec = K49): Promise<{ images: string; labels: string }> {
  const split = validate.oneOf('split', options.split ?? 'train', ['train', 'test'] as const);
  const images = await resolvePublishedFile(spec, spec.files[split].images, { ...options, split });
  const labels = await resolvePublishedFile(spec, spec.files[split].labels, { ...options, split });
  return { images, labels };
}

/** The one array of an npz as `np.savez(path, array)` writes it (`arr_0.npy`). */
async function onlyArray(path: string, chunkSize: number, maxInflateRatio: number | undefined): Promise<NpyInput> {
  const entries = await readZipDirectory(path);
  const entry = findZipEntry(entries, 'arr_0.npy');
  if (!entry) throw new NpyFormatError({ file: path, expected: 'a member arr_0.npy (np.savez of one array)', found: entries.map((e) => e.name).join(', ') || 'no members' });
  return { name: `${path}: arr_0.npy`, declaredBytes: entry.size, bytes: () => fromZipMember(path, 'arr_0.npy', { chunkSize, maxInflateRatio }) };
}

/**
 * Kuzushiji-49 (Clanuwat et al. 2018; CC BY-SA 4.0): 270,912 cursive hiragana in 49 classes
 * (`K49_CLASSES`), 28 x 28 grey, as Blocks: the images array streamed out of its npz, the labels
 * read whole. The files are found in `dir` or the cache (`<cache>/k49/`); the authors publish no
 * checksum, so they are not downloaded (the error names the URL to fetch them from).
 *
 * @param options See `K49Options`.
 * @param spec Where the files are published and what they hash to; tests give their own.
 *
 * ## Example
 * ```ts
 * import { kuzushiji49, K49_CLASSES } from '@idxflow/core';
 * kuzushiji49({ split: 'test', dir: 'k49' }).subscribe((b) => console.log(K49_CLASSES[b.labels[0]]));
 * ```
 */
export function kuzushiji49(options: K49Options = {}, spec = K49): Observable<Block<Uint8Array>> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  return defer(() => resolveK49(options, spec).then(async ({ images, labels }) => [await onlyArray(images, chunkSize, options.maxInflateRatio), await onlyArray(labels, chunkSize, options.maxInflateRatio)] as const)).pipe(
    switchMap(([images, labels]) =>
      npyPair(images, labels).pipe(
        map((block) => {
          if (!(block.images instanceof Uint8Array)) throw new NpyFormatError({ file: images.name, offset: 10, expected: 'uint8 images (|u1), as published', found: 'float32 images' });
          return block as Block<Uint8Array>;
        }),
      ),
    ),
  );
}
