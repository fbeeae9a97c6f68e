// The names of the named datasets, apart from the catalog that opens them (catalog.ts): what
// a command line offers and checks needs the names only, not the code that reads the data.
import type { EmnistVariant } from './emnist.js';

/** Every `EmnistVariant`. */
export const EMNIST_VARIANTS: readonly EmnistVariant[] = ['byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist'];

/**
 * Every named dataset's name, in the order `CATALOG` lists them: `mnist`, `fashion-mnist`,
 * `kmnist`, the six `emnist-*` variants, `qmnist`. Each is a key of `CATALOG` and a name
 * `datasetEntry()` knows.
 *
 * ## Example
 * ```ts
 * import { DATASET_NAMES, datasetEntry } from '@idxflow/core';
 * for (const name of DATASET_NAMES) console.log(name, datasetEntry(name)!.counts.train);
 * ```
 */
export const DATASET_NAMES: readonly string[] = Object.freeze(['mnist', 'fashion-mnist', 'kmnist', ...EMNIST_VARIANTS.map((variant) => `emnist-${variant}`), 'qmnist']);
