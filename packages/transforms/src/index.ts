export * from './kernels/index.js';
export * from './spec.js';
export * from './augmentImages.js';
export * from './augment.js';
export * from './geometric.js';
export * from './normalize.js';
export { BatchDraws, type MixOptions } from './mixing.js';
export * from './mixup.js';
export * from './cutmix.js';
