// @idxflow/transforms/internal: everything this package has, the public operators (index.ts)
// and what the benchmarks and the tests build on: the kernels (pure functions over typed
// arrays) and the plumbing of the augmentation spec. No compatibility promise.
export * from './kernels/index.js';
export * from './spec.js';
export * from './augmentImages.js';
export * from './augment.js';
export * from './geometric.js';
export * from './normalize.js';
export { BatchDraws, type MixOptions } from './mixing.js';
export * from './mixup.js';
export * from './cutmix.js';
export * from './sampleDraws.js';
export * from './sampleGeometry.js';
export * from './taskPixels.js';
export * from './taskStages.js';
export * from './permutedTasks.js';
export * from './rotatedTasks.js';
export * from './splitTasks.js';
export * from './policies/space.js';
export * from './policies/autoPolicies.js';
export * from './policies/spec.js';
export * from './policies/draws.js';
export * from './policies/policyImages.js';
export * from './policies/policyStage.js';
export * from './corrupt.js';
export * from './corruptions/recipes.js';
export * from './corruptions/spec.js';
export * from './corruptions/corruptImages.js';
export * from './sampleProjective.js';
export { PIXEL_DRAWS } from './draws.js';
