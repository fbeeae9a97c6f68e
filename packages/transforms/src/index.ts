/**
 * The stages that change pixels. `augment()` runs geometry (one resampling), stroke and tone
 * steps, erasing and normalisation in one pass, on worker threads when asked; the single-step
 * operators, `normalize()`, and the batch mixers `mixup()` and `cutmix()`. The continual-learning
 * streams `permutedTasks()`, `rotatedTasks()` and `splitTasks()` mark each sample with its task.
 * Outside a pipeline,
 * `specOf()` checks a stage's options once, `augmentImages()` augments a run of images with it
 * (the bytes the stage gives), and `sampleDraws()` tells what one sample drew. Kernels and
 * plumbing are in `@idxflow/transforms/internal`.
 *
 * @module @idxflow/transforms
 */
export { augment, augmentPool, type RunOptions } from './augment.js';
export { specOf, type AugmentOptions, type AugmentSpec, type BlurOptions, type Chance, type ElasticOptions, type EraseOptions, type Factor, type FlipOptions, type NormalizeOptions, type PerspectiveOptions, type Range, type ResizedCropOptions, type ToggleOptions } from './spec.js';
export { augmentImages, type AugmentJob } from './augmentImages.js';
export { invertAffine, type Affine } from './kernels/matrix.js';
export { elastic, rotate, scale, shear, shift } from './geometric.js';
export { normalize, toFloat } from './normalize.js';
export { mixup } from './mixup.js';
export { cutmix } from './cutmix.js';
export type { MixOptions } from './mixing.js';
export { sampleDraws, type EraseBox, type SampleDraws, type SampleKey } from './sampleDraws.js';
export { permutedTasks, taskPermutation, type PermutedTasksOptions } from './permutedTasks.js';
export { rotatedTasks, taskAngle, type RotatedTasksOptions } from './rotatedTasks.js';
export { splitTasks, splitClassOrder, type SplitTasksOptions } from './splitTasks.js';
export type { TaskRunOptions } from './taskStages.js';
export { augMix, autoAugment, randAugment, trivialAugment } from './policies/policyStage.js';
export { policySpecOf, type AugMixOptions, type AutoAugmentOptions, type PolicyOptionsOf, type PolicyResampleOptions, type PolicySpec, type RandAugmentOptions, type TrivialAugmentOptions } from './policies/spec.js';
export { policyDraws, type PolicyDraws, type PolicyStep } from './policies/draws.js';
export { policyImages, type PolicyJob } from './policies/policyImages.js';
export type { PolicyOp } from './policies/space.js';
export { corrupt, corruptPool } from './corrupt.js';
export { corruptSpecOf, sizeRefusal, type CorruptSpec } from './corruptions/spec.js';
export { corruptImages, type CorruptJob } from './corruptions/corruptImages.js';
export { CORRUPTION_NAMES, MNIST_C_SUITE, RECIPES, type CorruptionName, type Recipe } from './corruptions/recipes.js';
export type { CorruptOptions } from './corruptions/spec.js';
