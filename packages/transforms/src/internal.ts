// @idxflow/transforms/internal: everything this package has, the public operators (index.ts)
// and what the CLI, the benchmarks and the tests build on: the kernels (pure functions over
// typed arrays), the normalised augmentation spec and `augmentImages()`, which applies it to
// a run of samples. No compatibility promise.
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
export * from './corrupt.js';
export * from './corruptions/recipes.js';
export * from './corruptions/spec.js';
export * from './corruptions/corruptImages.js';
