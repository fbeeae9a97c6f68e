export * from './iterateBlocks.js';
export * from './toTensors.js';
