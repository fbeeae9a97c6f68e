// DATASET_NAMES: the named datasets' names, as the catalog opens them.
import { describe, expect, it } from 'vitest';
import { CATALOG, DATASET_NAMES, datasetEntry, EMNIST_VARIANTS } from '@idxflow/core';

describe('DATASET_NAMES', () => {
  it("lists MNIST's family and the collections as documented (docs/datasets.md), in the catalog's order", () => {
    expect(DATASET_NAMES).toEqual([
      'mnist',
      'fashion-mnist',
      'kmnist',
      'emnist-byclass',
      'emnist-bymerge',
      'emnist-balanced',
      'emnist-letters',
      'emnist-digits',
      'emnist-mnist',
      'qmnist',
      'sign-language-mnist',
      'notmnist-small',
      'notmnist-large',
      'kuzushiji-kanji',
      'kuzushiji-49',
      ...['chestmnist', 'pneumoniamnist', 'breastmnist', 'octmnist', 'organamnist', 'organcmnist', 'organsmnist', 'tissuemnist'].flatMap((s) => [s, `${s}-64`, `${s}-128`, `${s}-224`]),
    ]);
    expect(Object.keys(CATALOG)).toEqual(DATASET_NAMES);
    expect(EMNIST_VARIANTS).toEqual(['byclass', 'bymerge', 'balanced', 'letters', 'digits', 'mnist']);
  });

  it('names entries that know their own name, and cannot be changed', () => {
    for (const name of DATASET_NAMES) expect(datasetEntry(name)?.name).toBe(name);
    expect(Object.isFrozen(DATASET_NAMES)).toBe(true);
    expect(() => (DATASET_NAMES as string[]).push('x')).toThrow(TypeError);
  });
});
