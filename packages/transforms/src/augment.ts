import type { Block } from '@idxflow/core';
import type { OperatorFunction } from 'rxjs';
import { fuseSteps, type RunOptions } from './fuse.js';
import { resamplingOf, stepsOf, type AugmentOptions } from './spec.js';

/**
 * Random geometric augmentation: rotation, shift, scale, shear and elastic distortion,
 * composed into ONE resampling per sample.
 *
 * Every sample draws its own parameters from a counter-based generator keyed by
 * (seed, epoch, source index), so output is byte-identical whatever the block size or worker
 * count. Conventions: pixel centres at integer coordinates, rotation about the image centre,
 * a positive angle turns the digit counter-clockwise as displayed (as torchvision's
 * `rotate`), a positive shift moves it right and down. Elastic distortion follows Simard,
 * Steinkraus and Platt (2003) and is applied in output coordinates.
 *
 * A `normalize()` right after it runs in the same pass (and on the workers).
 *
 * @param options What to draw; see `AugmentOptions`. Nothing is on by default.
 * @param run Seed and worker threads; see `RunOptions`.
 *
 * ## Example
 * ```ts
 * import { mnist, shuffle, batch } from '@idxflow/core';
 * import { augment, normalize } from '@idxflow/transforms';
 * mnist().pipe(
 *   shuffle({ seed: 1 }),
 *   batch(128),
 *   augment({ rotate: 15, shift: 2, elastic: { alpha: 34, sigma: 4 } }, { seed: 1, workers: 2 }),
 *   normalize(),
 * ).subscribe((b) => console.log(b.shape));
 * ```
 */
export function augment(options: AugmentOptions, run: RunOptions = {}): OperatorFunction<Block, Block> {
  return fuseSteps(stepsOf(options), resamplingOf(options), run);
}
