export * from './files/index.js';
export * from './network/index.js';
