// EMNIST (Cohen et al. 2017): NIST Special Database 19 in MNIST's format, published as one zip
// (`gzip.zip`) of gzipped IDX files, `gzip/emnist-<variant>-<split>-{images-idx3,labels-idx1}-ubyte.gz`.
// The members are streamed out of the zip (see `fromZipMember`), never extracted.
import { access } from 'node:fs/promises';
import { join } from 'node:path';
import type { Observable } from 'rxjs';
import { defer, map, switchMap } from '../rx.js';
import type { Block } from '../block.js';
import { DatasetNotFoundError } from '../errors.js';
import type { InflateLimitOptions } from '../inflateLimit.js';
import { DEFAULT_CHUNK_SIZE } from '../sources/bytes.js';
import { fromZipMember } from '../sources/zipMember.js';
import * as validate from '../validate.js';
import { idxInput, idxPair, type IdxInput } from './idx.js';
import { EMNIST_VARIANTS } from './names.js';
import { rawName, type RemoteFile, type Split } from './registry.js';
import { resolvePublishedFile, type ResolveOptions } from './resolve.js';

/** The six EMNIST variants (the paper calls them splits). */
export type EmnistVariant = 'byclass' | 'bymerge' | 'balanced' | 'letters' | 'digits' | 'mnist';

export { EMNIST_VARIANTS } from './names.js';

/** The published archive: checksum as TensorFlow Datasets verifies it. */
export const EMNIST_ARCHIVE: { readonly id: 'emnist'; readonly mirrors: readonly string[]; readonly file: RemoteFile } = {
  id: 'emnist',
  mirrors: ['https://biometrics.nist.gov/cs_links/EMNIST/', 'https://www.itl.nist.gov/iaui/vip/cs_links/EMNIST/'],
  file: { name: 'gzip.zip', size: 561753746, sha256: 'fb9bb67e33772a9cc0b895e4ecf36d2cf35be8b709693c3564cea2a019fcda8e' },
};

const DIGITS = [...'0123456789'];
const UPPER = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'];
const LOWER = [...'abcdefghijklmnopqrstuvwxyz'];
// Lower-case letters that bymerge and balanced fold into their upper case (they look alike).
const MERGED = new Set('cijklmopsuvwxyz');

/**
 * The class names of a variant, index = label value, as torchvision names them. `letters` has
 * 27: its labels run from 1 (`a`) to 26 (`z`), each letter upper and lower case together, and
 * label 0 (`N/A`) never occurs.
 *
 * ## Example
 * ```ts
 * emnistClasses('balanced').length; // 47
 * ```
 */
export function emnistClasses(variant: EmnistVariant): string[] {
  switch (variant) {
    case 'byclass':
      return [...DIGITS, ...UPPER, ...LOWER];
    case 'bymerge':
    case 'balanced':
      return [...DIGITS, ...UPPER, ...LOWER.filter((c) => !MERGED.has(c))];
    case 'letters':
      return ['N/A', ...LOWER];
    default:
      return [...DIGITS];
  }
}

/** Samples of each variant's train and test split, from the EMNIST paper (table II). */
export const EMNIST_COUNTS: Readonly<Record<EmnistVariant, Readonly<Record<Split, number>>>> = {
  byclass: { train: 697932, test: 116323 },
  bymerge: { train: 697932, test: 116323 },
  balanced: { train: 112800, test: 18800 },
  letters: { train: 124800, test: 20800 },
  digits: { train: 240000, test: 40000 },
  mnist: { train: 60000, test: 10000 },
};

/** Options of `emnist()`. */
export interface EmnistOptions extends ResolveOptions, InflateLimitOptions {
  /** Which of the six variants. Default `'digits'`. */
  variant?: EmnistVariant;
  /**
   * `'upright'` transposes each image, as EMNIST stores them transposed relative to MNIST (so a
   * digit reads as in MNIST); `'stored'` keeps the bytes as the files hold them. Default `'upright'`.
   */
  orientation?: 'upright' | 'stored';
  /** Bytes read per chunk. Default 65,536. */
  chunkSize?: number;
}

/** The names of a variant's images and labels files, inside the archive or extracted. */
export function emnistFileNames(variant: EmnistVariant, split: Split): { images: string; labels: string } {
  return { images: `emnist-${variant}-${split}-images-idx3-ubyte.gz`, labels: `emnist-${variant}-${split}-labels-idx1-ubyte.gz` };
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

async function extracted(dir: string, name: string): Promise<string | undefined> {
  for (const folder of [dir, join(dir, 'gzip')]) for (const file of [name, rawName(name)]) if (await exists(join(folder, file))) return join(folder, file);
  return undefined;
}

/**
 * The images and labels of a variant's split, and the files they come from: extracted members in
 * `dir` (or `dir/gzip`), else the archive from `dir`, the cache or the mirrors.
 */
export async function resolveEmnist(options: EmnistOptions = {}): Promise<{ images: IdxInput; labels: IdxInput; inputs: string[] }> {
  const variant = validate.oneOf('variant', options.variant ?? 'digits', EMNIST_VARIANTS);
  const split = validate.oneOf('split', options.split ?? 'train', ['train', 'test'] as const);
  const names = emnistFileNames(variant, split);
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (options.dir) {
    const [images, labels] = [await extracted(options.dir, names.images), await extracted(options.dir, names.labels)];
    if (images && labels) return { images: idxInput(images, chunkSize), labels: idxInput(labels, chunkSize), inputs: [images, labels] };
    if (!(await exists(join(options.dir, EMNIST_ARCHIVE.file.name)))) {
      throw new DatasetNotFoundError(
        { file: join(options.dir, EMNIST_ARCHIVE.file.name), expected: `${EMNIST_ARCHIVE.file.name}, or ${names.images} and ${names.labels} (raw or .gz), in ${options.dir}`, found: 'neither' },
        { dataset: `emnist-${variant}`, split, tried: [{ kind: 'dir', where: options.dir, found: 'no archive and no extracted files' }] },
      );
    }
  }
  const zip = await resolvePublishedFile(EMNIST_ARCHIVE, EMNIST_ARCHIVE.file, options);
  const member = (name: string): IdxInput => ({ name: `${zip}: ${name}`, bytes: () => fromZipMember(zip, name, { chunkSize, maxInflateRatio: options.maxInflateRatio }) });
  return { images: member(names.images), labels: member(names.labels), inputs: [zip] };
}

/** Each `[h, w]` image of a block transposed to `[w, h]`, into fresh memory. */
function transposed(block: Block<Uint8Array>): Block<Uint8Array> {
  const [n, h, w] = block.shape;
  const images = new Uint8Array(block.images.length);
  const size = h * w;
  for (let k = 0; k < n; k++) {
    const src = block.images.subarray(k * size, (k + 1) * size);
    const dst = images.subarray(k * size, (k + 1) * size);
    for (let r = 0; r < w; r++) for (let c = 0; c < h; c++) dst[r * h + c] = src[c * w + r];
  }
  return { ...block, images, shape: [n, w, h] };
}

/**
 * EMNIST (Cohen, Afshar, Tapson and van Schaik 2017): handwritten digits and letters of NIST
 * Special Database 19 in MNIST's 28 x 28 format, in six variants (`byclass` 62 classes,
 * `bymerge` and `balanced` 47, `letters` 26, `digits` and `mnist` 10; see `emnistClasses()`).
 *
 * The files are found as extracted members in `dir` (or `dir/gzip`), or as the published zip in
 * `dir`, the cache, or downloaded from the mirrors with SHA-256 verification; the members are
 * streamed out of the zip without extracting it. Images come upright (EMNIST stores them
 * transposed) unless `orientation: 'stored'`. `letters` labels run from 1 to 26. A file that
 * announces more samples than the variant's split publishes (`EMNIST_COUNTS`), or images other
 * than 28 x 28, is refused at its header: an archive given in `dir` is not checked against the
 * published SHA-256, and a bomb in it stops before it is inflated.
 *
 * @param options See `EmnistOptions`.
 *
 * ## Example
 * ```ts
 * import { emnist, emnistClasses, batch } from '@idxflow/core';
 * const names = emnistClasses('letters'); // names[1] === 'a'
 * emnist({ variant: 'letters', split: 'test' }).pipe(batch(128)).subscribe((b) => console.log(b.shape));
 * ```
 */
export function emnist(options: EmnistOptions = {}): Observable<Block<Uint8Array>> {
  const orientation = validate.oneOf('orientation', options.orientation ?? 'upright', ['upright', 'stored'] as const);
  const variant = validate.oneOf('variant', options.variant ?? 'digits', EMNIST_VARIANTS);
  const split = options.split ?? 'train';
  const published = { name: `EMNIST ${variant} ${split}`, count: EMNIST_COUNTS[variant][split], height: 28, width: 28 };
  return defer(() => resolveEmnist(options)).pipe(
    switchMap(({ images, labels }) => idxPair(images, labels, { maxInflateRatio: options.maxInflateRatio, published })),
    map((block) => (orientation === 'upright' ? transposed(block) : block)),
  );
}
