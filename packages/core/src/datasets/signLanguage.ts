// Sign Language MNIST (Kaggle, 2017): American Sign Language letters as 28 x 28 grey images, in
// CSV rows `label,pixel1,...,pixel784` with a header. Kaggle serves it only to signed-in users, so
// it has no mirror here: the files are found in `dir` or the cache.
import type { Observable } from 'rxjs';
import { defer, switchMap } from '../rx.js';
import type { Block } from '../block.js';
import * as validate from '../validate.js';
import { csv } from './csv.js';
import type { RemoteFile } from './registry.js';
import { resolvePublishedFile, type PublishedFiles, type ResolveOptions } from './resolve.js';

/** Where a CSV dataset's split files are published (the cache folder `id`, mirrors) and their names. */
export interface CsvDatasetSpec extends PublishedFiles {
  readonly files: Readonly<Record<string, RemoteFile>>;
}

/**
 * Sign Language MNIST's two files. Kaggle publishes no checksum and no public URL (a download
 * needs an account), so `mirrors` is empty and `sha256` unknown: the files come from `dir` or the
 * cache (`<cache>/sign-language-mnist/`).
 */
export const SIGN_LANGUAGE_MNIST: CsvDatasetSpec = {
  id: 'sign-language-mnist',
  mirrors: [],
  files: {
    train: { name: 'sign_mnist_train.csv', size: 0, sha256: '' },
    test: { name: 'sign_mnist_test.csv', size: 0, sha256: '' },
  },
};

/**
 * Class names of Sign Language MNIST, index = label value: the letters A to Y, whose labels are
 * their place in the alphabet (A = 0). J (9) and Z (25) are signed with a motion, so the dataset
 * has none: label 9 never occurs and is named `N/A` (24 classes in 25 label values).
 */
export const SIGN_LANGUAGE_CLASSES: readonly string[] = [...'ABCDEFGHIJKLMNOPQRSTUVWXY'].map((c) => (c === 'J' ? 'N/A' : c));

/** Samples of each split as published. */
export const SIGN_LANGUAGE_COUNTS: Readonly<Record<string, number>> = { train: 27455, test: 7172 };

/** Options of `signLanguageMnist()`. */
export interface SignLanguageOptions extends Omit<ResolveOptions, 'split'> {
  /** `'train'` or `'test'`. Default `'train'`. */
  split?: 'train' | 'test';
  /** Bytes read per chunk. Default 65,536. */
  chunkSize?: number;
}

/** Finds a split's CSV in `dir` or the cache (or `spec`'s mirrors, SHA-256 checked). */
export function resolveCsvDataset(spec: CsvDatasetSpec, options: SignLanguageOptions = {}): Promise<string> {
  const split = validate.oneOf('split', options.split ?? 'train', Object.keys(spec.files));
  return resolvePublishedFile(spec, spec.files[split], { ...options, split });
}

/**
 * Sign Language MNIST: 27,455 training and 7,172 test images of American Sign Language letters
 * (24 of them; see `SIGN_LANGUAGE_CLASSES`), 28 x 28 grey, streamed from Kaggle's CSV files
 * (`sign_mnist_train.csv`, `sign_mnist_test.csv`) found in `dir` or the cache, as `csv()` reads them.
 *
 * @param options See `SignLanguageOptions`.
 * @param spec Where the files are published; tests give their own.
 *
 * ## Example
 * ```ts
 * import { signLanguageMnist, SIGN_LANGUAGE_CLASSES } from '@idxflow/core';
 * signLanguageMnist({ split: 'test', dir: 'sign-language-mnist' }).subscribe((b) => console.log(SIGN_LANGUAGE_CLASSES[b.labels[0]]));
 * ```
 */
export function signLanguageMnist(options: SignLanguageOptions = {}, spec: CsvDatasetSpec = SIGN_LANGUAGE_MNIST): Observable<Block<Uint8Array>> {
  return defer(() => resolveCsvDataset(spec, options)).pipe(switchMap((path) => csv({ path, height: 28, width: 28, chunkSize: options.chunkSize })));
}
