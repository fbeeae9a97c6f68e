// Statistics of the page's settings over a few thousand samples: the mean augmented image, the
// share of the digits' ink that the geometry moves outside the frame, and the drawn angles.
import { setImmediate as yieldToEvents } from 'node:timers/promises';
import type { Block } from '@idxflow/core';
import { invertAffine, sampleDraws, type SampleDraws } from '@idxflow/transforms';
import { augmented } from './render.js';
import type { ExploreData } from './data.js';
import { ViewError, type View } from './view.js';
import { throwIfCancelled } from './workQueue.js';

/** What the statistics panel shows. */
export interface Stats {
  /** Samples measured: the first of the split (of the view's label, if it has one), at the view's epoch. */
  samples: number;
  height: number;
  width: number;
  /** Mean value of each pixel of the augmented samples, 0 to 255, row-major. */
  mean: number[];
  /** Share of the source ink (the sum of pixel values) whose position the geometry moves outside the frame. */
  outside: number;
  /** Histogram of the drawn angles, `bins` equal bins over [min, max] (one bin when the range is a point). */
  angles: { min: number; max: number; counts: number[] };
}

const BINS = 24;
const CHUNK = 25; // samples between two turns of the event loop: tens of milliseconds with an elastic field

/** Field value at a (fractional) output position, bilinear, the position clamped into the frame. */
function fieldAt(field: Float32Array, width: number, height: number, x: number, y: number): number {
  const cx = Math.min(width - 1, Math.max(0, x));
  const cy = Math.min(height - 1, Math.max(0, y));
  const x0 = Math.min(width - 2, Math.floor(cx));
  const y0 = Math.min(height - 2, Math.floor(cy));
  if (x0 < 0 || y0 < 0) return field[Math.round(cy) * width + Math.round(cx)];
  const fx = cx - x0;
  const fy = cy - y0;
  const i = y0 * width + x0;
  const top = field[i] * (1 - fx) + field[i + 1] * fx;
  const bottom = field[i + width] * (1 - fx) + field[i + width + 1] * fx;
  return top * (1 - fy) + bottom * fy;
}

/**
 * The ink of `src` that the sample's geometry moves outside the frame. Output p reads input
 * M(p + d(p)) (see warpResample), so input pixel q lands where p + d(p) = M^-1 q: solved by the
 * fixed-point iteration p <- M^-1 q - d(p), which converges where the field bends less than
 * the pixel spacing (alpha 34, sigma 4: gradients of about a third). Without a field, exact.
 */
export function inkOutside(src: Uint8Array, width: number, height: number, draws: Pick<SampleDraws, 'matrix' | 'elastic'>): { out: number; total: number } {
  const inverse = invertAffine(Float64Array.from(draws.matrix));
  let out = 0;
  let total = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = src[y * width + x];
      if (v === 0) continue;
      const rx = inverse[0] * x + inverse[1] * y + inverse[2];
      const ry = inverse[3] * x + inverse[4] * y + inverse[5];
      let px = rx;
      let py = ry;
      if (draws.elastic) {
        for (let k = 0; k < 8; k++) {
          const u = fieldAt(draws.elastic.dx, width, height, px, py);
          const w = fieldAt(draws.elastic.dy, width, height, px, py);
          px = rx - u;
          py = ry - w;
        }
      }
      total += v;
      if (!(px >= -0.5 && px <= width - 0.5 && py >= -0.5 && py <= height - 0.5)) out += v;
    }
  }
  return { out, total };
}

/** The positions measured: the first `count` of the split, or of the view's label. */
function positionsOf(view: View, data: ExploreData, block: Block<Uint8Array>, count: number): Uint32Array {
  if (view.label === undefined) return Uint32Array.from({ length: Math.min(count, block.shape[0]) }, (_, i) => i);
  const rows = data.ofLabel(block, view.label);
  if (rows.length === 0) throw new ViewError(`Expected samples of label ${view.label} for label but the split has none`);
  return rows.subarray(0, count);
}

/**
 * The statistics of the view's augmentation over `count` samples, in chunks that let other
 * requests in between (the page asks again as the user moves a control: `signal` stops this one
 * with CancelledError).
 */
export async function statistics(view: View, data: ExploreData, block: Block<Uint8Array>, count: number, signal: AbortSignal): Promise<Stats> {
  const [, height, width] = block.shape;
  const size = height * width;
  const positions = positionsOf(view, data, block, count);
  const affine = view.spec.steps.find((s) => s.kind === 'affine');
  const [min, max] = affine?.kind === 'affine' ? affine.rotate : [0, 0];
  const bins = min === max ? 1 : BINS;
  const counts = Array.from({ length: bins }, () => 0);
  const sum = new Float64Array(size);
  let out = 0;
  let total = 0;
  for (let at = 0; at < positions.length; at += CHUNK) {
    if (at > 0) await yieldToEvents();
    throwIfCancelled(signal);
    const chunk = positions.subarray(at, at + CHUNK);
    const images = new Uint8Array(chunk.length * size);
    chunk.forEach((p, i) => images.set(block.images.subarray(p * size, (p + 1) * size), i * size));
    const indices = Uint32Array.from(chunk, (p) => block.indices[p]);
    const drawn = augmented(view, { images, indices }, view.epoch, height, width);
    for (let i = 0; i < drawn.length; i++) sum[i % size] += drawn[i];
    indices.forEach((index, i) => {
      const draws = sampleDraws(view.spec, { seed: view.seed, epoch: view.epoch, index }, width, height);
      counts[Math.min(bins - 1, Math.floor(((draws.angle - min) / (max - min || 1)) * bins))]++;
      const ink = inkOutside(images.subarray(i * size, (i + 1) * size), width, height, draws);
      out += ink.out;
      total += ink.total;
    });
  }
  const mean = Array.from(sum, (s) => Math.round((s / Math.max(1, positions.length)) * 100) / 100);
  return { samples: positions.length, height, width, mean, outside: total === 0 ? 0 : out / total, angles: { min, max, counts } };
}
