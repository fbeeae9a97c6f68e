/**
 * The stages that change pixels. `augment()` runs geometry (one resampling), stroke and tone
 * steps, erasing and normalisation in one pass, on worker threads when asked; the single-step
 * operators, `normalize()`, and the batch mixers `mixup()` and `cutmix()`. Kernels and
 * plumbing are in `@idxflow/transforms/internal`.
 *
 * @module @idxflow/transforms
 */
export { augment, augmentPool, type RunOptions } from './augment.js';
export type { AugmentOptions, Chance, ElasticOptions, EraseOptions, Factor, FlipOptions, NormalizeOptions, Range } from './spec.js';
export { elastic, rotate, scale, shear, shift } from './geometric.js';
export { normalize, toFloat } from './normalize.js';
export { mixup } from './mixup.js';
export { cutmix } from './cutmix.js';
export type { MixOptions } from './mixing.js';
export { sampleDraws, type EraseBox, type SampleDraws, type SampleKey } from './sampleDraws.js';
export { corrupt, corruptPool } from './corrupt.js';
export { CORRUPTION_NAMES, MNIST_C_SUITE, RECIPES, type CorruptionName, type Recipe } from './corruptions/recipes.js';
export type { CorruptOptions } from './corruptions/spec.js';
