export * from './types.js';
export * from './atomic.js';
export * from './idx.js';
export * from './npy.js';
export * from './png.js';
export * from './tar.js';
export * from './export.js';
