// Every dataset that has a name (`--dataset NAME`): how to open a split, which files it reads,
// its classes and its card, behind one interface.
import type { Observable } from 'rxjs';
import type { Block } from '../block.js';
import type { InflateLimitOptions } from '../inflateLimit.js';
import { DATASET_CARDS, type DatasetCard } from './cards.js';
import { EMNIST_COUNTS, emnist, emnistClasses, resolveEmnist, type EmnistVariant } from './emnist.js';
import { QMNIST_COUNTS, QMNIST_SPLITS, qmnist, resolveQmnist, type QmnistSplit } from './qmnist.js';
import { DATASETS, type Split } from './registry.js';
import { resolveDataset, type ResolveOptions } from './resolve.js';
import { DATASET_NAMES } from './names.js';
import { datasetById } from './sources.js';
import { COLLECTION_ENTRIES } from './collections.js';

/** Options of `CatalogEntry.open()` and `files()`. */
export interface CatalogOptions extends Omit<ResolveOptions, 'split'>, InflateLimitOptions {
  /** One of the entry's `splits`. Default `'train'`. */
  split?: string;
  /** Bytes read per chunk. Default 65,536. */
  chunkSize?: number;
  /** EMNIST only: `'upright'` (default) or `'stored'`; see `EmnistOptions`. */
  orientation?: 'upright' | 'stored';
  /** notMNIST and Kuzushiji-Kanji: called for each file that does not decode, which is skipped. Default: skipped silently. */
  onSkip?: (file: string, error: Error) => void;
}

/** A named dataset. */
export interface CatalogEntry {
  /** The `--dataset` name. */
  readonly name: string;
  /** Its splits, the first the default. */
  readonly splits: readonly string[];
  /** Class names, index = label value. */
  readonly classes: readonly string[];
  /** Names of the columns of its blocks' `labelMatrix`, when they carry one (ChestMNIST's 14 findings). */
  readonly labelColumns?: readonly string[];
  /**
   * Whether its blocks carry `classIds` (more classes than a byte holds; `labels` is 0), whose
   * names are read from its files (`classNames()`), not listed in `classes`. Default false.
   */
  readonly wideClasses?: boolean;
  /** The class names as its files give them (Kuzushiji-Kanji's folders); when absent, `classes`. */
  classNames?(options?: CatalogOptions): Promise<readonly string[]>;
  /** Samples of each split, as published. */
  readonly counts: Readonly<Record<string, number>>;
  /** What its dataset card says. */
  readonly card: DatasetCard;
  /** The samples of a split. */
  open(options?: CatalogOptions): Observable<Block<Uint8Array>>;
  /** The files a split is read from (found or downloaded). */
  files(options?: CatalogOptions): Promise<string[]>;
}

const idxEntry = (name: keyof typeof DATASETS): CatalogEntry => ({
  name,
  splits: ['train', 'test'],
  classes: DATASETS[name].classes,
  counts: DATASETS[name].counts,
  card: DATASET_CARDS[name],
  open: (options = {}) => datasetById(name, { ...options, split: options.split as Split }),
  files: async (options = {}) => Object.values(await resolveDataset(DATASETS[name], { ...options, split: options.split as Split })),
});

const emnistEntry = (variant: EmnistVariant): CatalogEntry => ({
  name: `emnist-${variant}`,
  splits: ['train', 'test'],
  classes: emnistClasses(variant),
  counts: EMNIST_COUNTS[variant],
  card: DATASET_CARDS.emnist,
  open: (options = {}) => emnist({ ...options, variant, split: options.split as Split }),
  files: async (options = {}) => (await resolveEmnist({ ...options, variant, split: options.split as Split })).inputs,
});

const qmnistEntry: CatalogEntry = {
  name: 'qmnist',
  splits: QMNIST_SPLITS,
  classes: DATASETS.mnist.classes,
  counts: QMNIST_COUNTS,
  card: DATASET_CARDS.qmnist,
  open: (options = {}) => qmnist({ ...options, split: options.split as QmnistSplit }),
  files: async (options = {}) => Object.values(await resolveQmnist({ ...options, split: options.split as QmnistSplit })),
};

/** The entry of one of DATASET_NAMES. */
function entryOf(name: string): CatalogEntry {
  if (name === 'qmnist') return qmnistEntry;
  if (name.startsWith('emnist-')) return emnistEntry(name.slice('emnist-'.length) as EmnistVariant);
  if (name in DATASETS) return idxEntry(name as keyof typeof DATASETS);
  return COLLECTION_ENTRIES.find((entry) => entry.name === name)!;
}

/** Every named dataset, by name (in the order of DATASET_NAMES). */
export const CATALOG: Readonly<Record<string, CatalogEntry>> = Object.fromEntries(DATASET_NAMES.map((name) => [name, entryOf(name)]));

/**
 * The named dataset `name` (`mnist`, `fashion-mnist`, `kmnist`, `emnist-byclass`,
 * `emnist-bymerge`, `emnist-balanced`, `emnist-letters`, `emnist-digits`, `emnist-mnist`,
 * `qmnist`, and the collections of `collections.ts`: `sign-language-mnist`, ...), or undefined.
 *
 * ## Example
 * ```ts
 * const letters = datasetEntry('emnist-letters')!;
 * letters.open({ split: 'test' }).subscribe((b) => console.log(b.labels[0], letters.classes[b.labels[0]]));
 * ```
 */
export function datasetEntry(name: string): CatalogEntry | undefined {
  return Object.hasOwn(CATALOG, name) ? CATALOG[name] : undefined;
}
