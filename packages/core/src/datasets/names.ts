// The names of the named datasets, apart from the catalog that opens them (catalog.ts): what
// a command line offers and checks needs the names only, not the code that reads the data.
import type { EmnistVariant } from './emnist.js';

/** Every `EmnistVariant`. */
export const EMNIST_VARIANTS: readonly EmnistVariant[] = ['byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist'];

/** MedMNIST's grey 2D subsets, in the order `MEDMNIST_SUBSETS` lists them. */
const MEDMNIST_GREY = ['chestmnist', 'pneumoniamnist', 'breastmnist', 'octmnist', 'organamnist', 'organcmnist', 'organsmnist', 'tissuemnist'];

/**
 * Every named dataset's name, in the order `CATALOG` lists them: `mnist`, `fashion-mnist`,
 * `kmnist`, the six `emnist-*` variants, `qmnist`, then the collections (`collections.ts`: Sign
 * Language MNIST, notMNIST, Kuzushiji, MedMNIST's grey subsets at each size). Each is a key of `CATALOG` and a name
 * `datasetEntry()` knows.
 *
 * ## Example
 * ```ts
 * import { DATASET_NAMES, datasetEntry } from '@idxflow/core';
 * for (const name of DATASET_NAMES) console.log(name, datasetEntry(name)!.counts.train);
 * ```
 */
export const DATASET_NAMES: readonly string[] = Object.freeze([
  'mnist',
  'fashion-mnist',
  'kmnist',
  ...EMNIST_VARIANTS.map((variant) => `emnist-${variant}`),
  'qmnist',
  'sign-language-mnist',
  'notmnist-small',
  'notmnist-large',
  'kuzushiji-kanji',
  'kuzushiji-49',
  ...MEDMNIST_GREY.flatMap((subset) => [subset, `${subset}-64`, `${subset}-128`, `${subset}-224`]),
]);
