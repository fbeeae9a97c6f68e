/**
 * The TensorFlow.js sink, in its own entry point because its types come from the optional peer
 * `@tensorflow/tfjs`. Import it only in a project that has TensorFlow.js.
 *
 * @module @idxflow/sinks/tfjs
 */
export { toTfDataset, type TfBatch, type TfDatasetOptions } from './tensors/toTfDataset.js';
export type { TensorFlow } from './tensors/tfjs.js';
