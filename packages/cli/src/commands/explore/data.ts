// The datasets the explore page looks at: each split loaded once, on first use, and kept.
import { loadBlock, type Block } from '@idxflow/core';
import { sourceOf } from '../../dataSources.js';
import type { ExploreBase } from './view.js';

/** Loaded splits by "dataset/split"; a failed load is forgotten, so a later request tries again. */
export class ExploreData {
  private readonly loaded = new Map<string, Promise<Block<Uint8Array>>>();
  /** The label indices of each loaded split, by label. */
  private readonly byLabel = new WeakMap<Block, Map<number, Uint32Array>>();

  constructor(readonly base: ExploreBase) {}

  /** The split, loading it if need be (a download, for a dataset that is nowhere on disk). */
  get(dataset: string, split: 'train' | 'test'): Promise<Block<Uint8Array>> {
    const key = `${dataset}/${split}`;
    let block = this.loaded.get(key);
    if (!block) {
      const flags = { ...this.base, dataset, split };
      const { source, name } = sourceOf(flags);
      block = loadBlock(source, { name }) as Promise<Block<Uint8Array>>;
      this.loaded.set(key, block);
      block.catch(() => this.loaded.delete(key));
    }
    return block;
  }

  /** The positions of the samples of `label`, in order. */
  ofLabel(block: Block<Uint8Array>, label: number): Uint32Array {
    let labels = this.byLabel.get(block);
    if (!labels) {
      labels = new Map();
      this.byLabel.set(block, labels);
    }
    let rows = labels.get(label);
    if (!rows) {
      const found: number[] = [];
      for (let i = 0; i < block.labels.length; i++) if (block.labels[i] === label) found.push(i);
      rows = Uint32Array.from(found);
      labels.set(label, rows);
    }
    return rows;
  }
}
