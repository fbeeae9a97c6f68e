// The catalog entries of the MNIST-style collections published in their own formats: Sign
// Language MNIST (CSV), MedMNIST's grey 2D subsets (npz), Kuzushiji-49 (npz pairs),
// Kuzushiji-Kanji and notMNIST (PNG folders).
import type { CatalogEntry } from './catalog.js';
import { DATASET_CARDS } from './cards.js';
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

/** The collections' entries, in the order `--dataset` lists them. */
export const COLLECTION_ENTRIES: readonly CatalogEntry[] = [signLanguageEntry];
