export * from './matrix.js';
export * from './resample.js';
export * from './affine.js';
export * from './elastic.js';
export * from './lookup.js';
