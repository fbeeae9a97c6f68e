// What the explore page draws, computed by the pipeline's own code: augmentImages on the chosen
// samples (the bytes `idxflow export` writes for them), sampleDraws for a sample's parameters.
import type { Block } from '@idxflow/core';
import { augmentImages, sampleDraws, type SampleDraws } from '@idxflow/transforms/internal';
import type { ExploreData } from './data.js';
import { ViewError, type View } from './view.js';

/** The grid: `rows` source samples, each followed by `draws` augmented draws (epochs epoch, epoch + 1, ...). */
export interface Grid {
  height: number;
  width: number;
  /** Positions (source indices) of the rows' samples in the split. */
  indices: number[];
  labels: number[];
  /** Size of the split. */
  total: number;
  /** Row-major cells: rows x (1 + draws) images of height x width bytes, the source first in each row. */
  pixels: Uint8Array;
}

/** The positions of the view's rows: its indices, or the next samples of its label (or of each label in turn). */
export function rowsOf(view: View, data: ExploreData, block: Block<Uint8Array>): number[] {
  const n = block.shape[0];
  if (view.indices) {
    const outside = view.indices.find((i) => i >= n);
    if (outside !== undefined) throw new ViewError(`Expected sample indices below ${n} (the split's size) for indices but received ${outside}`);
    return view.indices;
  }
  return Array.from({ length: view.rows }, (_, r) => {
    const label = view.label ?? r % 10;
    const k = view.skip + (view.label === undefined ? Math.floor(r / 10) : r);
    const rows = data.ofLabel(block, label);
    if (k >= rows.length) throw new ViewError(`Expected more than ${k} samples of label ${label} for skip ${view.skip} but the split has ${rows.length}`);
    return rows[k];
  });
}

/** The samples at `positions` of `block`, as one block (their source indices kept: they key the draws). */
function picked(block: Block<Uint8Array>, positions: number[]): { images: Uint8Array; indices: Uint32Array } {
  const size = block.shape[1] * block.shape[2];
  const images = new Uint8Array(positions.length * size);
  positions.forEach((p, i) => images.set(block.images.subarray(p * size, (p + 1) * size), i * size));
  return { images, indices: Uint32Array.from(positions, (p) => block.indices[p]) };
}

/**
 * The grid of a view: each draw is one `augmentImages` call over the rows at one epoch, the
 * first random stage of the pipeline, as in `idxflow export` (`--copies`, not `--shuffle`).
 */
export function renderGrid(view: View, data: ExploreData, block: Block<Uint8Array>): Grid {
  const [total, height, width] = block.shape;
  const positions = rowsOf(view, data, block);
  const { images, indices } = picked(block, positions);
  const size = height * width;
  const cols = 1 + view.draws;
  const pixels = new Uint8Array(positions.length * cols * size);
  const columns = [images];
  for (let j = 0; j < view.draws; j++) {
    columns.push(augmentImages({ images, indices, epoch: view.epoch + j, seed: view.seed, stage: 0, height, width, spec: view.spec }) as Uint8Array);
  }
  for (let r = 0; r < positions.length; r++) {
    columns.forEach((column, c) => pixels.set(column.subarray(r * size, (r + 1) * size), (r * cols + c) * size));
  }
  return { height, width, indices: Array.from(indices), labels: positions.map((p) => block.labels[p]), total, pixels };
}

/** One sample of the grid, for the per-sample view: its bytes and what was drawn for it. */
export interface SampleView {
  index: number;
  label: number;
  epoch: number;
  height: number;
  width: number;
  /** The augmented sample. */
  pixels: number[];
  /** The draws; the elastic field as plain arrays (or null). */
  draws: Omit<SampleDraws, 'elastic'> & { elastic: { dx: number[]; dy: number[] } | null };
}

/** The sample at source index `index`, epoch `epoch`, under the view's augmentation. */
export function renderSample(view: View, block: Block<Uint8Array>, index: number, epoch: number): SampleView {
  const [n, height, width] = block.shape;
  if (index >= n) throw new ViewError(`Expected a sample index below ${n} (the split's size) for index but received ${index}`);
  const { images, indices } = picked(block, [index]);
  const pixels = augmentImages({ images, indices, epoch, seed: view.seed, stage: 0, height, width, spec: view.spec }) as Uint8Array;
  const draws = sampleDraws(view.spec, { seed: view.seed, epoch, index: indices[0] }, width, height);
  const elastic = draws.elastic ? { dx: Array.from(draws.elastic.dx), dy: Array.from(draws.elastic.dy) } : null;
  return { index: indices[0], label: block.labels[index], epoch, height, width, pixels: Array.from(pixels), draws: { ...draws, elastic } };
}
