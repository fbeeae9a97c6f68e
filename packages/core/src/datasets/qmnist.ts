// QMNIST (Yadav and Bottou 2019): MNIST rebuilt from NIST Special Database 19, with the full
// 60,000-digit test set and the provenance of every digit. Labels are IDX i32 tables of 8
// columns; column 0 is the class, the others trace the digit to its NIST writer.
import type { Observable } from 'rxjs';
import { defer, lastValueFrom, map, switchMap, toArray } from '../rx.js';
import type { Block } from '../block.js';
import { IdxFormatError } from '../errors.js';
import { gunzip } from '../gunzip.js';
import type { InflateLimitOptions } from '../inflateLimit.js';
import { decodeIdx } from '../idx/decode.js';
import { fromFile } from '../sources/file.js';
import { unxz } from '../unxz.js';
import * as validate from '../validate.js';
import { idxInput, idxPair } from './idx.js';
import type { RemoteFile } from './registry.js';
import { resolvePublishedFile, type ResolveOptions } from './resolve.js';

/** QMNIST's splits: the MNIST-compatible training set, the 60,000-digit test set, and all 402,953 NIST digits. */
export type QmnistSplit = 'train' | 'test' | 'nist';

/** Every `QmnistSplit`. */
export const QMNIST_SPLITS: readonly QmnistSplit[] = ['train', 'test', 'nist'];

/** Where QMNIST is published and what its files hash to (TensorFlow Datasets' checksums; `nist` computed from the files). */
export const QMNIST: { readonly id: 'qmnist'; readonly mirrors: readonly string[]; readonly files: Readonly<Record<QmnistSplit, { readonly images: RemoteFile; readonly labels: RemoteFile }>> } = {
  id: 'qmnist',
  mirrors: ['https://raw.githubusercontent.com/facebookresearch/qmnist/master/'],
  files: {
    train: {
      images: { name: 'qmnist-train-images-idx3-ubyte.gz', size: 9704059, sha256: '9e26a7bf1683614e065d7b76460ccd52807165b3f22561fb782bd9f38c52b51d' },
      labels: { name: 'qmnist-train-labels-idx2-int.gz', size: 463024, sha256: '2c05dc77f6b916b38e455e97ab129a42a444f3dbef09b278a366f82904e0dd9f' },
    },
    test: {
      images: { name: 'qmnist-test-images-idx3-ubyte.gz', size: 9742279, sha256: '43fc22bf7498b8fc98de98369d72f752d0deabc280a43a7bcc364ab19e57b375' },
      labels: { name: 'qmnist-test-labels-idx2-int.gz', size: 526800, sha256: '9fbcbe594c3766fdf4f0b15c5165dc0d1e57ac604e01422608bb72c906030d06' },
    },
    nist: {
      // size 0: not recorded here; the SHA-256 is what a download is checked against.
      images: { name: 'xnist-images-idx3-ubyte.xz', size: 0, sha256: 'f075553993026d4359ded42208eff77a1941d3963c1eff49d6015814f15f0984' },
      labels: { name: 'xnist-labels-idx2-int.xz', size: 958144, sha256: 'db042968723ec2b7aed5f1beac25d2b6e983b9286d4f4bf725f1086e5ae55c4f' },
    },
  },
};

/** Samples of each split. */
export const QMNIST_COUNTS: Readonly<Record<QmnistSplit, number>> = { train: 60000, test: 60000, nist: 402953 };

/** The 8 columns of QMNIST's label tables, in order (QMNIST's README, section 2.2). */
export const QMNIST_COLUMNS = ['class', 'hsfSeries', 'writer', 'writerDigit', 'nistClass', 'nistIndex', 'duplicate', 'unused'] as const;

/** Options of `qmnist()` and `qmnistColumns()`. */
export interface QmnistOptions extends Omit<ResolveOptions, 'split'>, InflateLimitOptions {
  /** Which split. Default `'train'`. */
  split?: QmnistSplit;
  /** Bytes read per chunk. Default 65,536. */
  chunkSize?: number;
}

/**
 * Finds (or downloads) a split's images and labels files: `dir`, the cache, the mirrors (SHA-256
 * checked), as for every registered dataset.
 */
export async function resolveQmnist(options: QmnistOptions = {}): Promise<{ images: string; labels: string }> {
  const split = validate.oneOf('split', options.split ?? 'train', QMNIST_SPLITS);
  const images = await resolvePublishedFile(QMNIST, QMNIST.files[split].images, { ...options, split });
  const labels = await resolvePublishedFile(QMNIST, QMNIST.files[split].labels, { ...options, split });
  return { images, labels };
}

/**
 * QMNIST (Yadav and Bottou 2019): MNIST's preprocessing applied again to NIST SD19, as Blocks of
 * 28 x 28 digits whose label is column 0 of QMNIST's label table. `train` matches MNIST's
 * training set image for image; `test` has 60,000 digits (the first 10,000 match MNIST's test
 * set); `nist` all 402,953 NIST digits (xz files). The other columns (writer, NIST index, ...)
 * are offered by `qmnistColumns()`, indexed like the Blocks' `indices`.
 *
 * @param options See `QmnistOptions`.
 *
 * ## Example
 * ```ts
 * import { qmnist, batch } from '@idxflow/core';
 * qmnist({ split: 'test' }).pipe(batch(1000)).subscribe((b) => console.log(b.shape)); // [1000, 28, 28]
 * ```
 */
export function qmnist(options: QmnistOptions = {}): Observable<Block<Uint8Array>> {
  const split = validate.oneOf('split', options.split ?? 'train', QMNIST_SPLITS);
  const published = { name: `QMNIST ${split}`, count: QMNIST_COUNTS[split], height: 28, width: 28 };
  const pair = { maxInflateRatio: options.maxInflateRatio, published };
  return defer(() => resolveQmnist(options)).pipe(switchMap((files) => idxPair(idxInput(files.images, options.chunkSize), idxInput(files.labels, options.chunkSize), pair)));
}

/** A split's whole label table: `count` rows of `QMNIST_COLUMNS.length` values. */
export interface QmnistTable {
  /** Row `i` (the sample of source index `i`) is `values[8 * i .. 8 * i + 8)`. */
  readonly values: Int32Array;
  /** Rows in the table: the split's samples. */
  readonly count: number;
  /** The column names, `QMNIST_COLUMNS`. */
  readonly columns: readonly string[];
}

/**
 * Reads a split's label table whole (60,000 x 8 i32 for `train` and `test`, 402,953 x 8 for
 * `nist`): the extra labels of each sample, looked up by a Block's `indices`, which survive
 * shuffling and augmentation.
 *
 * @param options See `QmnistOptions`.
 *
 * ## Example
 * ```ts
 * const table = await qmnistColumns({ split: 'train' });
 * const writerOf = (sourceIndex: number) => table.values[8 * sourceIndex + QMNIST_COLUMNS.indexOf('writer')];
 * ```
 */
export async function qmnistColumns(options: QmnistOptions = {}): Promise<QmnistTable> {
  const { labels } = await resolveQmnist(options);
  const width = QMNIST_COLUMNS.length;
  return lastValueFrom(
    fromFile(labels, { chunkSize: options.chunkSize }).pipe(
      gunzip({ file: labels, maxInflateRatio: options.maxInflateRatio }),
      unxz({ file: labels, maxInflateRatio: options.maxInflateRatio }),
      decodeIdx({ file: labels, type: 'i32', ndims: 2 }),
      toArray(),
      map((groups) => {
        const header = groups[0]?.header;
        if (header && header.dims[1] !== width) throw new IdxFormatError({ file: labels, offset: 8, expected: `${width} columns`, found: String(header.dims[1]) });
        const count = groups.reduce((n, g) => n + g.count, 0);
        const values = new Int32Array(count * width);
        for (const g of groups) values.set(g.data as Int32Array, g.first * width);
        return { values, count, columns: QMNIST_COLUMNS };
      }),
    ),
  );
}
