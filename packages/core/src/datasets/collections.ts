// The catalog entries of the MNIST-style collections published in their own formats: Sign
// Language MNIST (CSV), MedMNIST's grey 2D subsets (npz), Kuzushiji-49 (npz pairs),
// Kuzushiji-Kanji and notMNIST (PNG folders).
import type { CatalogEntry } from './catalog.js';
import { DATASET_CARDS } from './cards.js';
import { kanjiClasses, KUZUSHIJI_KANJI, kuzushijiKanji, NOT_MNIST, NOT_MNIST_CLASSES, notMnist, resolveTree, treeRoot } from './pngTrees.js';
import { K49_CLASSES, K49_COUNTS, kuzushiji49, resolveK49 } from './k49.js';
import { medmnist, MEDMNIST_SIZES, MEDMNIST_SUBSETS, resolveMedmnist, type MedmnistSize, type MedmnistSplit, type MedmnistSubset } from './medmnist.js';
import { resolveCsvDataset, signLanguageMnist, SIGN_LANGUAGE_CLASSES, SIGN_LANGUAGE_COUNTS, SIGN_LANGUAGE_MNIST } from './signLanguage.js';

const signLanguageEntry: CatalogEntry = {
  name: 'sign-language-mnist',
  splits: ['train', 'test'],
  classes: SIGN_LANGUAGE_CLASSES,
  counts: SIGN_LANGUAGE_COUNTS,
  card: DATASET_CARDS['sign-language-mnist'],
  open: (options = {}) => signLanguageMnist({ ...options, split: options.split as 'train' | 'test' }),
  files: async (options = {}) => [await resolveCsvDataset(SIGN_LANGUAGE_MNIST, { ...options, split: options.split as 'train' | 'test' })],
};

/** A MedMNIST subset at a size: `pneumoniamnist`, `pneumoniamnist-64`, ... */
const medmnistEntry = (subset: MedmnistSubset, size: MedmnistSize): CatalogEntry => {
  const info = MEDMNIST_SUBSETS[subset];
  return {
    name: size === 28 ? subset : `${subset}-${size}`,
    splits: ['train', 'val', 'test'],
    classes: info.classes,
    ...(info.columns === undefined ? {} : { labelColumns: info.columns }),
    counts: info.counts,
    card: { ...DATASET_CARDS.medmnist, prettyName: `${info.prettyName} (MedMNIST v2${size === 28 ? '' : `, ${size} x ${size}`})` },
    open: (options = {}) => medmnist({ ...options, subset, size, split: options.split as MedmnistSplit }),
    files: async (options = {}) => [await resolveMedmnist({ ...options, subset, size, split: options.split as MedmnistSplit })],
  };
};

/** notMNIST's small or large set: one split, `train`. */
const notMnistEntry = (variant: 'small' | 'large'): CatalogEntry => ({
  name: `notmnist-${variant}`,
  splits: ['train'],
  classes: NOT_MNIST_CLASSES,
  counts: { train: variant === 'small' ? 18724 : 529114 },
  card: DATASET_CARDS.notmnist,
  open: (options = {}) => notMnist(variant, { ...options, split: 'train' }),
  files: async (options = {}) => [await resolveTree(NOT_MNIST[variant], { ...options, split: 'train' })],
});

const kanjiEntry: CatalogEntry = {
  name: 'kuzushiji-kanji',
  splits: ['train'],
  classes: [],
  wideClasses: true,
  counts: { train: 140424 },
  card: DATASET_CARDS['kuzushiji-kanji'],
  open: (options = {}) => kuzushijiKanji({ ...options, split: 'train' }),
  files: async (options = {}) => [await resolveTree(KUZUSHIJI_KANJI, { ...options, split: 'train' })],
  classNames: async (options = {}) => kanjiClasses(await treeRoot(await resolveTree(KUZUSHIJI_KANJI, { ...options, split: 'train' }), KUZUSHIJI_KANJI.folder)),
};

/** The collections' entries, in the order `--dataset` lists them. */
export const COLLECTION_ENTRIES: readonly CatalogEntry[] = [
  signLanguageEntry,
  notMnistEntry('small'),
  notMnistEntry('large'),
  kanjiEntry,
  {
    name: 'kuzushiji-49',
    splits: ['train', 'test'],
    classes: K49_CLASSES,
    counts: K49_COUNTS,
    card: DATASET_CARDS['kuzushiji-49'],
    open: (options = {}) => kuzushiji49({ ...options, split: options.split as 'train' | 'test' }),
    files: async (options = {}) => Object.values(await resolveK49({ ...options, split: options.split as 'train' | 'test' })),
  },
  ...(Object.keys(MEDMNIST_SUBSETS) as MedmnistSubset[]).flatMap((subset) => MEDMNIST_SIZES.map((size) => medmnistEntry(subset, size))),
];
