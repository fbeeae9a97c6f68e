// What the explore page draws, computed by the pipeline's own code: augmentImages on the chosen
// samples (the bytes `idxflow export` writes for them), sampleDraws for a sample's parameters.
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import type { Block } from '@idxflow/core';
import { augmentImages, corruptImages, policyDraws, policyImages, sampleDraws, sizeRefusal, type PolicyDraws, type SampleDraws } from '@idxflow/transforms';
import type { ExploreData } from './data.js';
import { ViewError, type View } from './view.js';
import { throwIfCancelled } from './workQueue.js';

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

/** Rows augmented per call: small enough that a chunk of the largest grid (elastic) takes tens of milliseconds. */
const ROWS_PER_CHUNK = 8;

/**
 * The grid of a view: each draw is `augmentImages` over the rows at one epoch, the first random
 * stage of the pipeline, as in `idxflow export` (`--copies`, not `--shuffle`). Every sample is a
 * pure function of (seed, epoch, index), so the rows go through in chunks, between which the
 * event loop answers other requests and `signal` can stop the work (CancelledError).
 */
export async function renderGrid(view: View, data: ExploreData, block: Block<Uint8Array>, signal: AbortSignal): Promise<Grid> {
  const [total, height, width] = block.shape;
  const positions = rowsOf(view, data, block);
  const { images, indices } = picked(block, positions);
  const size = height * width;
  const cols = 1 + view.draws;
  const pixels = new Uint8Array(positions.length * cols * size);
  for (let r = 0; r < positions.length; r++) pixels.set(images.subarray(r * size, (r + 1) * size), r * cols * size);
  for (let j = 0; j < view.draws; j++) {
    for (let first = 0; first < positions.length; first += ROWS_PER_CHUNK) {
      await yieldToEvents();
      throwIfCancelled(signal);
      const last = Math.min(positions.length, first + ROWS_PER_CHUNK);
      const chunk = { images: images.subarray(first * size, last * size), indices: indices.subarray(first, last) };
      const drawn = augmented(view, chunk, view.epoch + j, height, width);
      for (let r = first; r < last; r++) pixels.set(drawn.subarray((r - first) * size, (r - first + 1) * size), (r * cols + 1 + j) * size);
    }
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
  /** The draws; the elastic field as plain arrays (or null); the policy's (`policyDraws()`), or null without one; the corruption applied after them (its severity the one it ran at), or null. */
  draws: Omit<SampleDraws, 'elastic'> & { elastic: { dx: number[]; dy: number[] } | null; policy: PolicyDraws | null; corruption: { name: string; severity: number | null } | null };
}

/**
 * The bytes `idxflow export` gives these samples at `epoch`: augment()'s pass (random stage 0),
 * then the view's policy or corruption, if any (random stage 1). A corruption whose recipe does
 * not take the split's image size is a ViewError (400), as export refuses it.
 */
export function augmented(view: View, samples: { images: Uint8Array; indices: Uint32Array }, epoch: number, height: number, width: number): Uint8Array {
  const refusal = view.corruption && sizeRefusal(view.corruption.spec.name, height, width);
  if (refusal) throw new ViewError(`Expected ${refusal} for corrupt but received ${height} x ${width} images`);
  const drawn = augmentImages({ ...samples, epoch, seed: view.seed, stage: 0, height, width, spec: view.spec }) as Uint8Array;
  const stage = { indices: samples.indices, epoch, seed: view.seed, stage: 1, height, width };
  if (view.policy) return policyImages({ ...stage, images: drawn, policy: view.policy });
  return view.corruption ? corruptImages({ ...stage, images: drawn, spec: view.corruption.spec }) : drawn;
}

/** The sample at source index `index`, epoch `epoch`, under the view's augmentation. */
export function renderSample(view: View, block: Block<Uint8Array>, index: number, epoch: number): SampleView {
  const [n, height, width] = block.shape;
  if (index >= n) throw new ViewError(`Expected a sample index below ${n} (the split's size) for index but received ${index}`);
  const { images, indices } = picked(block, [index]);
  const pixels = augmented(view, { images, indices }, epoch, height, width);
  const draws = sampleDraws(view.spec, { seed: view.seed, epoch, index: indices[0] }, width, height);
  const elastic = draws.elastic ? { dx: Array.from(draws.elastic.dx), dy: Array.from(draws.elastic.dy) } : null;
  const policy = view.policy ? policyDraws(view.policy, { seed: view.seed, stage: 1, epoch, index: indices[0] }, height, width) : null;
  const corruption = view.corruption ? { name: view.corruption.spec.name, severity: view.corruption.spec.severity ?? null } : null;
  return { index: indices[0], label: block.labels[index], epoch, height, width, pixels: Array.from(pixels), draws: { ...draws, elastic, policy, corruption } };
}
