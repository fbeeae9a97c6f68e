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

/**
 * Random shift in pixels, the same range for x (right) and y (down): a stage of its own,
 * `augment({ shift: pixels })`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(shift([-2, 2], { interpolation: 'nearest' }, { seed: 1 })); // whole-pixel moves stay sharp
 * ```
 */
export function shift(pixels: Range, resampling: Resampling = {}, run: RunOptions = {}): OperatorFunction<Run, Block> {
  return augment({ shift: pixels, ...resampling }, run);
}

/**
 * Random scale factor about the image centre, uniform in `[min, max]`; a single number is that
 * exact factor. A stage of its own, `augment({ scale: factors })`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(scale([0.9, 1.1], {}, { seed: 1, workers: 2 }));
 * ```
 */
export function scale(factors: number | readonly [number, number], resampling: Resampling = {}, run: RunOptions = {}): OperatorFunction<Run, Block> {
  return augment({ scale: factors, ...resampling }, run);
}

/**
 * Random shear along x, in degrees (`10` means uniform in [-10, 10]): a stage of its own,
 * `augment({ shear: degrees })`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(shear(10, { fill: 0 }, { seed: 1 }));
 * ```
 */
export function shear(degrees: Range, resampling: Resampling = {}, run: RunOptions = {}): OperatorFunction<Run, Block> {
  return augment({ shear: degrees, ...resampling }, run);
}

/**
 * Elastic distortion after Simard et al. (2003): alpha in pixels, sigma of the smoothing. A
 * stage of its own, `augment({ elastic: params })`; to distort and rotate in one resampling,
 * write `augment({ rotate, elastic })`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(elastic({ alpha: 34, sigma: 4 }, {}, { seed: 1, workers: 2 })); // Simard et al.'s MNIST setting
 * ```
 */
export function elastic(params: { alpha: number; sigma: number }, resampling: Resampling = {}, run: RunOptions = {}): OperatorFunction<Run, Block> {
  return augment({ elastic: params, ...resampling }, run);
}
