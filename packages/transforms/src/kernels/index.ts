export * from './matrix.js';
export * from './resample.js';
export * from './elastic.js';
