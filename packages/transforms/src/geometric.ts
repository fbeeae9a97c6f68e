// Single-purpose geometric operators, for pipelines that read one step per line. Each is a
// stage of its own: one resampling, and its own random stream. To compose several steps into
// ONE resampling (sharper, and faster), write them in one augment({...}) call.
import type { Block, Run } from '@idxflow/core';
import type { OperatorFunction } from 'rxjs';
import { augment, type RunOptions } from './augment.js';
import type { AugmentOptions, Range } from './spec.js';

type Resampling = Pick<AugmentOptions, 'interpolation' | 'fill'>;

/**
 * Random rotation in degrees (counter-clockwise as displayed), about the image centre: a stage
 * of its own, `augment({ rotate: degrees })`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(rotate(15, {}, { seed: 1 }), shift(2, {}, { seed: 1 })); // two resamplings, independent draws
 * ```
 */
export function rotate(degrees: Range, resampling: Resampling = {}, run: RunOptions = {}): OperatorFunction<Run, Block> {
  return augment({ rotate: degrees, ...resampling }, run);
}

/** Random shift in pixels, the same range for x (right) and y (down). */
export function shift(pixels: Range, resampling: Resampling = {}, run: RunOptions = {}): OperatorFunction<Run, Block> {
  return augment({ shift: pixels, ...resampling }, run);
}

/** Random scale factor about the image centre, e.g. `[0.9, 1.1]`. */
export function scale(factors: number | readonly [number, number], resampling: Resampling = {}, run: RunOptions = {}): OperatorFunction<Run, Block> {
  return augment({ scale: factors, ...resampling }, run);
}

/** Random shear along x, in degrees. */
export function shear(degrees: Range, resampling: Resampling = {}, run: RunOptions = {}): OperatorFunction<Run, Block> {
  return augment({ shear: degrees, ...resampling }, run);
}

/** Elastic distortion after Simard et al. (2003): alpha in pixels, sigma of the smoothing. */
export function elastic(params: { alpha: number; sigma: number }, resampling: Resampling = {}, run: RunOptions = {}): OperatorFunction<Run, Block> {
  return augment({ elastic: params, ...resampling }, run);
}
