export * from './files/index.js';
export * from './network/index.js';
export * from './tensors/index.js';
