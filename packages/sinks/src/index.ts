/**
 * Where a pipeline ends. Files (IDX, NPY/NPZ, PNG folders, WebDataset shards, Hugging Face
 * Parquet) written atomically with a manifest; exports that resume and run in parts on many
 * machines (`runExport()`), and their merge (`mergeExportParts()`); a batch server for trainers
 * in other processes, with the request checks it uses; and typed arrays
 * for tensor libraries. TensorFlow.js has its own entry point, `@idxflow/sinks/tfjs`; plumbing
 * shared between the idxflow packages is in `@idxflow/sinks/internal`.
 *
 * @module @idxflow/sinks
 */

// The sink contract: which Block fields each sink stores
export { OPTIONAL_FIELDS, SINK_STORES, sinksStoring, UnstorableFieldError, type BlockField, type OptionalField, type SinkName } from './stores.js';

// Files
export { exportTo, EXPORT_FORMATS, type ExportFormat, type ExportOptions } from './files/export.js';
export type { ExportedFile, ExportSummary, FileSinkOptions } from './files/types.js';
export { toIdx, type IdxSinkOptions } from './files/idx.js';
export { npyHeader, toNpy } from './files/npy.js';
export { AtomicFile } from './files/atomic.js';
export { toKerasNpz, toNpz } from './files/npz.js';
export { toPngFolder, type PngSinkOptions } from './files/pngFolder.js';
export { toWebDataset, type WebDatasetOptions } from './files/webDataset.js';
export { toHfParquet, type HfParquetOptions } from './files/hfParquet.js';
export { hfDatasetCard, type HfCardInfo, type HfExportOptions } from './files/hfCard.js';
export { writeOutputFile, type OutputFileOptions } from './files/outputFile.js';
export { ExportCountError } from './files/errors.js';
export { ExportRefusedError, refuseOutputAmongInputs } from './files/exportDir.js';
export { ExportBusyError } from './files/exportLock.js';

// Resumable exports, exports in parts, and their merge
export { runExport, ExportInterruptedError, type ExportRun, type ExportSection, type RunExportOptions } from './files/runExport.js';
export { partRange, type ExportPart } from './files/exportPlan.js';
export { mergeExportParts, type MergeOptions, type MergeResult } from './files/mergeParts.js';
export { JOINED_FORMATS, joinParts, PartJoinError, removeParts } from './files/joinParts.js';
export { ManifestError, manifestName, mergeManifests, readManifest, writeManifest, writeManifestFile, type Manifest, type ManifestExtra, type PartRecord } from './files/manifest.js';

// Network
export { serve, type BatchServer, type PipelineFactory, type ServeOptions } from './network/serve.js';
export type { ServeParams } from './network/params.js';
export type { ServerStats } from './network/bufferMeter.js';
export { hostNamesOf, hostProblem, isLoopback, originProblem, requestTarget, tokenDigest, tokenProblem, type HostNames } from './network/requestChecks.js';

// Tensors
export { iterateBlocks } from './tensors/iterateBlocks.js';
export { toTensors, type Layout, type TensorBatch, type TensorOptions } from './tensors/toTensors.js';
