export * from './kernels/index.js';
export * from './spec.js';
export * from './augmentImages.js';
export * from './augment.js';
export * from './geometric.js';
export * from './normalize.js';
