// MedMNIST v2 (Yang et al. 2023): biomedical images in MNIST's spirit, each 2D subset one npz
// (`<name>.npz`, and `<name>_64.npz`, `_128`, `_224` at the larger sizes) holding
// `{train,val,test}_images` (n, h, w) and `{train,val,test}_labels` (n, 1), or (n, 14) for
// ChestMNIST's multi-label findings. The grey subsets are read; the RGB ones are refused.
import { defer, map, Observable as RxObservable, switchMap, toArray } from '../rx.js';
import type { Observable } from 'rxjs';
import type { Block } from '../block.js';
import { DatasetMismatchError, NpyFormatError, OptionError } from '../errors.js';
import type { InflateLimitOptions } from '../inflateLimit.js';
import { decodeNpy, type NpyRecords } from '../npy/decode.js';
import { operate } from '../operate.js';
import { DEFAULT_CHUNK_SIZE } from '../sources/bytes.js';
import { fromZipMember } from '../sources/zipMember.js';
import * as validate from '../validate.js';
import { findZipEntry, readZipDirectory } from '../zip/centralDirectory.js';
import type { RemoteFile } from './registry.js';
import { resolvePublishedFile, type PublishedFiles, type ResolveOptions } from './resolve.js';
import { MEDMNIST_MD5, MEDMNIST_RGB_SUBSETS, MEDMNIST_SUBSETS, type MedmnistSubset } from './medmnistInfo.js';

export { MEDMNIST_SUBSETS, MEDMNIST_RGB_SUBSETS, type MedmnistSubset } from './medmnistInfo.js';

/** MedMNIST's splits: `val` is a split of its own, as published. */
export type MedmnistSplit = 'train' | 'val' | 'test';

/** Every `MedmnistSplit`. */
export const MEDMNIST_SPLITS: readonly MedmnistSplit[] = ['train', 'val', 'test'];

/** The published image sizes: 28 (the file without a suffix), 64, 128 and 224. */
export const MEDMNIST_SIZES = [28, 64, 128, 224] as const;

/** One of `MEDMNIST_SIZES`. */
export type MedmnistSize = (typeof MEDMNIST_SIZES)[number];

/** Where MedMNIST is published: one Zenodo record (v3.0 of the files, MedMNIST+), cached in `<cache>/medmnist/`. */
export const MEDMNIST: PublishedFiles = { id: 'medmnist', mirrors: ['https://zenodo.org/records/10519652/files/'] };

/**
 * The published file of a subset at a size. MedMNIST publishes MD5s only (its `INFO`), so a
 * download is checked against that MD5; `sha256` is empty.
 */
export function medmnistFile(subset: MedmnistSubset, size: MedmnistSize = 28): RemoteFile {
  const name = size === 28 ? `${subset}.npz` : `${subset}_${size}.npz`;
  return { name, size: 0, sha256: '', md5: MEDMNIST_MD5[subset][MEDMNIST_SIZES.indexOf(size)] };
}

/** Options of `medmnist()`. */
export interface MedmnistOptions extends Omit<ResolveOptions, 'split'>, InflateLimitOptions {
  /** Which grey subset. Required. */
  subset: MedmnistSubset;
  /** `'train'`, `'val'` or `'test'`. Default `'train'`. */
  split?: MedmnistSplit;
  /** Image size: 28, 64, 128 or 224. Default 28. */
  size?: MedmnistSize;
  /** Bytes read per chunk. Default 65,536. */
  chunkSize?: number;
}

/** A split's labels: one per sample, and for a multi-label subset the matrix they come from. */
interface LabelTable {
  labels: Uint8Array;
  matrix?: Uint8Array;
  columns: number;
}

/** The labels member read whole: (n,) or (n, 1) class labels, or (n, k) 0/1 findings (k > 1). */
function labelTable(file: string, groups: NpyRecords[], columns: number): LabelTable {
  const header = groups[0]?.header;
  const k = header?.shape.length === 2 ? header.shape[1] : 1;
  const itemBytes = header ? header.recordBytes / k : 1;
  if (header && (header.shape.length > 2 || k !== columns || !/^[|<][iu][148]$/.test(header.descr))) {
    throw new NpyFormatError({ file, offset: 10, expected: `labels of shape (n, ${columns}) of integers`, found: `shape (${header.shape.join(', ')}) of ${header.descr}` });
  }
  const n = groups.reduce((sum, g) => sum + g.count, 0);
  const values = new Uint8Array(n * k);
  for (const { header: h, first, count, bytes } of groups) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < count * k; i++) {
      const at = i * itemBytes;
      const value = itemBytes === 1 ? bytes[i] : itemBytes === 4 ? view.getInt32(at, true) : Number(view.getBigInt64(at, true));
      const most = k > 1 ? 1 : 255;
      if (value < 0 || value > most) throw new NpyFormatError({ file, offset: h.headerBytes + (first * k + i) * itemBytes, expected: k > 1 ? 'a finding of 0 or 1' : 'a label from 0 to 255', found: String(value) });
      values[first * k + i] = value;
    }
  }
  if (k === 1) return { labels: values, columns: 1 };
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) labels[i] = values.subarray(i * k, (i + 1) * k).some((v) => v === 1) ? 1 : 0;
  return { labels, matrix: values, columns: k };
}

/** The images member streamed as Blocks carrying the labels (and matrix) read before. */
function imageBlocks(file: string, images: Observable<Uint8Array>, table: LabelTable, size: number, declaredBytes: number): Observable<Block<Uint8Array>> {
  return new RxObservable<Block<Uint8Array>>((subscriber) =>
    operate(images.pipe(decodeNpy({ file, declaredBytes })), subscriber, {
      next({ header, first, count, bytes }) {
        const [n, h, w] = header.shape;
        if (header.shape.length === 4 && header.shape[3] === 3) throw new NpyFormatError({ file, offset: 10, expected: 'grey images of shape (n, h, w) (idxflow reads the grey MedMNIST subsets)', found: `RGB images of shape (${header.shape.join(', ')})` });
        if (header.shape.length !== 3 || header.descr !== '|u1' || h !== size || w !== size) {
          throw new NpyFormatError({ file, offset: 10, expected: `images of shape (n, ${size}, ${size}) and dtype |u1`, found: `shape (${header.shape.join(', ')}) of ${header.descr}` });
        }
        if (n !== table.labels.length) throw new DatasetMismatchError({ file, expected: `as many images as labels (${table.labels.length} labels)`, found: `${n} images` });
        const k = table.columns;
        subscriber.next({
          images: bytes,
          labels: table.labels.subarray(first, first + count),
          indices: Uint32Array.from({ length: count }, (_, i) => first + i),
          epoch: 0,
          shape: [count, h, w],
          ...(table.matrix === undefined ? {} : { labelMatrix: table.matrix.subarray(first * k, (first + count) * k) }),
        });
      },
    }),
  );
}

/**
 * Reads one split of a MedMNIST npz (the published layout: `<split>_images`, `<split>_labels`)
 * as Blocks; `columns` is the labels' width (14 for ChestMNIST, 1 otherwise).
 */
export function medmnistNpz(path: string, split: MedmnistSplit, options: { size: number; columns: number; chunkSize?: number; maxInflateRatio?: number }): Observable<Block<Uint8Array>> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  return defer(() => readZipDirectory(path)).pipe(
    switchMap((entries) => {
      const names = [`${split}_images.npy`, `${split}_labels.npy`];
      const missing = names.find((n) => findZipEntry(entries, n) === undefined);
      if (missing) throw new NpyFormatError({ file: path, expected: `members ${names.join(' and ')} (MedMNIST's layout)`, found: entries.map((e) => e.name).join(', ') || 'no members' });
      const [images, labels] = names.map((n) => ({ name: `${path}: ${n}`, entry: findZipEntry(entries, n)!, bytes: () => fromZipMember(path, n, { chunkSize, maxInflateRatio: options.maxInflateRatio }) }));
      return labels.bytes().pipe(
        decodeNpy({ file: labels.name, declaredBytes: labels.entry.size }),
        toArray(),
        map((groups) => labelTable(labels.name, groups, options.columns)),
        switchMap((table) => imageBlocks(images.name, images.bytes(), table, options.size, images.entry.size)),
      );
    }),
  );
}

/**
 * Throws a one-line TypeError for an RGB subset of MedMNIST, which idxflow does not read.
 *
 * ## Example
 * ```ts
 * refuseRgb('pathmnist'); // TypeError: Expected a grey MedMNIST subset but received pathmnist: ...
 * ```
 */
export function refuseRgb(subset: unknown): void {
  if (typeof subset === 'string' && MEDMNIST_RGB_SUBSETS.includes(subset)) {
    throw new OptionError(`Expected a grey MedMNIST subset but received ${subset}: its RGB subsets (${MEDMNIST_RGB_SUBSETS.join(', ')}) are not read, as Blocks have one grey channel`);
  }
}

/** Finds (or downloads, MD5 checked) a subset's npz at a size: `dir`, the cache, the Zenodo record. */
export function resolveMedmnist(options: MedmnistOptions, where: PublishedFiles = MEDMNIST, file?: RemoteFile): Promise<string> {
  const subset = validate.oneOf('subset', options.subset, Object.keys(MEDMNIST_SUBSETS) as MedmnistSubset[]);
  const size = validate.oneOf('size', String(options.size ?? 28), MEDMNIST_SIZES.map(String));
  return resolvePublishedFile(where, file ?? medmnistFile(subset, Number(size) as MedmnistSize), { ...options, split: options.split ?? 'train' });
}

/**
 * MedMNIST v2 (Yang et al. 2023; CC BY 4.0): one split of a grey 2D subset (`MEDMNIST_SUBSETS`:
 * ChestMNIST, PneumoniaMNIST, BreastMNIST, OCTMNIST, OrganAMNIST, OrganCMNIST, OrganSMNIST,
 * TissueMNIST), at 28 x 28 or a larger published size, as Blocks. `val` is a split as
 * published. ChestMNIST's blocks carry its 14 findings as `labelMatrix` (`labels` is 1 when any
 * is present); the other subsets have one class per image. The npz is found in `dir`, the cache,
 * or downloaded from Zenodo and checked against MedMNIST's published MD5. The RGB subsets
 * (`MEDMNIST_RGB_SUBSETS`) are refused.
 *
 * @param options See `MedmnistOptions`.
 * @param where Where the files are published; tests give their own.
 * @param file The file to read instead of the published one (its name and checksum); tests give their own.
 *
 * ## Example
 * ```ts
 * import { medmnist, MEDMNIST_SUBSETS } from '@idxflow/core';
 * medmnist({ subset: 'pneumoniamnist', split: 'val' }).subscribe((b) => console.log(MEDMNIST_SUBSETS.pneumoniamnist.classes[b.labels[0]]));
 * ```
 */
export function medmnist(options: MedmnistOptions, where: PublishedFiles = MEDMNIST, file?: RemoteFile): Observable<Block<Uint8Array>> {
  refuseRgb(options?.subset);
  const subset = validate.oneOf('subset', options?.subset, Object.keys(MEDMNIST_SUBSETS) as MedmnistSubset[]);
  const split = validate.oneOf('split', options.split ?? 'train', MEDMNIST_SPLITS);
  const size = Number(validate.oneOf('size', String(options.size ?? 28), MEDMNIST_SIZES.map(String)));
  const columns = MEDMNIST_SUBSETS[subset].columns?.length ?? 1;
  return defer(() => resolveMedmnist(options, where, file)).pipe(switchMap((path) => medmnistNpz(path, split, { size, columns, chunkSize: options.chunkSize, maxInflateRatio: options.maxInflateRatio })));
}
