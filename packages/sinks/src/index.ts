/**
 * Where a pipeline ends. Files (IDX, NPY/NPZ, PNG folders, WebDataset shards) written
 * atomically with a manifest, a batch server for trainers in other processes, and typed arrays
 * for tensor libraries. TensorFlow.js has its own entry point, `@idxflow/sinks/tfjs`; plumbing
 * shared with the CLI is in `@idxflow/sinks/internal`.
 *
 * @module @idxflow/sinks
 */

// The sink contract: which Block fields each sink stores
export { OPTIONAL_FIELDS, SINK_STORES, sinksStoring, UnstorableFieldError, type BlockField, type OptionalField, type SinkName } from './stores.js';

// Files
export { exportTo, EXPORT_FORMATS, type ExportFormat, type ExportOptions } from './files/export.js';
export type { ExportedFile, ExportSummary, FileSinkOptions } from './files/types.js';
export { toIdx, type IdxSinkOptions } from './files/idx.js';
export { toNpy } from './files/npy.js';
export { toKerasNpz, toNpz } from './files/npz.js';
export { toPngFolder, type PngSinkOptions } from './files/pngFolder.js';
export { toWebDataset, type WebDatasetOptions } from './files/webDataset.js';
export type { Manifest } from './files/manifest.js';
export { JOINED_FORMATS, joinParts, PartJoinError, removeParts } from './files/joinParts.js';
export { ExportCountError } from './files/errors.js';
export { ExportRefusedError } from './files/exportDir.js';
export { ExportBusyError } from './files/exportLock.js';
export { mergeExportParts, type MergeOptions, type MergeResult } from './files/mergeParts.js';

// Network
export { serve, type BatchServer, type PipelineFactory, type ServeOptions } from './network/serve.js';
export type { ServeParams } from './network/params.js';
export type { ServerStats } from './network/bufferMeter.js';

// Tensors
export { iterateBlocks } from './tensors/iterateBlocks.js';
export { toTensors, type Layout, type TensorBatch, type TensorOptions } from './tensors/toTensors.js';
