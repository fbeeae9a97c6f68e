export * from './iterateBlocks.js';
export * from './toTensors.js';
export * from './toTfDataset.js';
export type { TensorFlow } from './tfjs.js';
