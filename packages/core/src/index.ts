/**
 * What a pipeline is made of. The Block, the sources (datasets, IDX files, bytes, a batch
 * server), the IDX and gzip decoders, the stages that reorder, group and split samples, flow
 * control for custom sinks, and the typed errors. Plumbing shared with the other idxflow
 * packages is in `@idxflow/core/internal`.
 *
 * @module @idxflow/core
 */

export type { Block, PixelArray } from './block.js';
export type { Rows, Run } from './stages/rows.js';
export type { Sample } from './stages/samples.js';

// Sources
export * from './datasets/sources.js';
export { DATASETS, type DatasetSpec, type RemoteFile, type Split } from './datasets/registry.js';
export { defaultCacheDir, resolveDataset, type ResolveOptions } from './datasets/resolve.js';
export type { DatasetProgress } from './datasets/download.js';
export { idx, idxPair, type IdxInput, type IdxPairOptions, type IdxSourceOptions, type PublishedShape } from './datasets/idx.js';
export { fromBytes, type ByteSourceOptions } from './sources/bytes.js';
export { fromFile } from './sources/file.js';
export { fromUrl, type UrlSourceOptions } from './sources/url.js';
export { fromServer, type FromServerOptions } from './sources/server.js';
export { loadBlock } from './loadBlock.js';
export { emnist, emnistClasses, EMNIST_VARIANTS, type EmnistOptions, type EmnistVariant } from './datasets/emnist.js';
export { qmnist, qmnistColumns, QMNIST_COLUMNS, QMNIST_SPLITS, type QmnistOptions, type QmnistSplit, type QmnistTable } from './datasets/qmnist.js';
export { npy, npz, type NpySourceOptions, type NpzSourceOptions } from './datasets/npy.js';
export { parquet, parquetClassNames, type ParquetSourceOptions } from './datasets/parquet.js';
export { imageFolder, imageFolderClasses, type ImageFolderOptions } from './datasets/imageFolder.js';
export { DEFAULT_MAX_IMAGE_PIXELS } from './images/decodeGrey.js';
export { csv, type CsvSourceOptions } from './datasets/csv.js';
export { signLanguageMnist, SIGN_LANGUAGE_CLASSES, type SignLanguageOptions } from './datasets/signLanguage.js';
export { medmnist, refuseRgb, MEDMNIST_RGB_SUBSETS, MEDMNIST_SIZES, MEDMNIST_SPLITS, MEDMNIST_SUBSETS, type MedmnistOptions, type MedmnistSize, type MedmnistSplit, type MedmnistSubset } from './datasets/medmnist.js';
export { kuzushiji49, K49_CLASSES, type K49Options } from './datasets/k49.js';
export { mnistC, mnistCFiles, MNIST_C_CORRUPTIONS, type MnistCOptions } from './datasets/mnistC.js';
export { kanjiClasses, kuzushijiKanji, notMnist, NOT_MNIST_CLASSES, type PngTreeDatasetOptions } from './datasets/pngTrees.js';
export { pngTree, type PngTreeOptions } from './datasets/pngTree.js';
export { CATALOG, datasetEntry, type CatalogEntry, type CatalogOptions } from './datasets/catalog.js';
export { COLLECTION_ENTRIES } from './datasets/collections.js';
export { DATASET_NAMES } from './datasets/names.js';
export { DATASET_CARDS, type DatasetCard } from './datasets/cards.js';
export { fromZipMember, type ZipMemberOptions } from './sources/zipMember.js';
export { DEFAULT_MAX_INFLATE_RATIO, type InflateLimitOptions } from './inflateLimit.js';

// Decoding
export { gunzip, type GunzipOptions } from './gunzip.js';
export { unxz, type UnxzOptions } from './unxz.js';
export { decodeIdx, type DecodeIdxOptions } from './idx/decode.js';
export { encodeIdx } from './idx/encode.js';
export type { IdxArray, IdxHeader, IdxRecords, IdxType } from './idx/types.js';
export { idxFileInfo, type IdxFileInfo } from './idx/info.js';
export { decodeNpy, type DecodeNpyOptions, type NpyHeader, type NpyRecords } from './npy/decode.js';
export { decodeFrames, FrameDecoder, type FrameHeader } from './protocol/framing.js';

// Stages
export { batch, type BatchOptions } from './stages/batch.js';
export { epochs } from './stages/epochs.js';
export { shuffle, shuffleRows, type ShuffleOptions } from './stages/shuffle.js';
export { asRows, gather, gatherRows } from './stages/rows.js';
export { shuffleWindow, type ShuffleWindowOptions } from './stages/shuffleWindow.js';
export { shard, type ShardOptions } from './stages/shard.js';
export { samples } from './stages/samples.js';
export { skipSamples } from './stages/skipSamples.js';
export { takeSamples } from './stages/takeSamples.js';
export { mapAsync, type MapAsyncOptions } from './stages/mapAsync.js';

// Memory and flow control
export { recycle } from './recycle.js';
export { holdUntil, UNBOUNDED_WARNING } from './flow.js';
export type { WorkerPool } from './pool.js';

// Errors
export {
  ArchiveError,
  BlockMismatchError,
  ChecksumError,
  ConnectionError,
  CsvFormatError,
  DatasetMismatchError,
  DatasetNotFoundError,
  DownloadError,
  FileChangedError,
  FormatLimitError,
  GzipError,
  IdxflowError,
  IdxFormatError,
  ImageFolderError,
  ImageTooLargeError,
  InflateLimitError,
  InternalError,
  NpyFormatError,
  OptionError,
  ParquetFormatError,
  PngFormatError,
  WorkerThreadError,
  XzError,
  ZipError,
  type DatasetPlace,
  type DatasetSearch,
  type ErrorDetails,
} from './errors.js';
export { HTTP_STATUS_OF_CODE, httpStatusOf } from './httpStatus.js';
export { HttpStatusError } from './sources/url.js';
export { ServerError } from './sources/server.js';
export { MissingPackageError } from './optional.js';
export { FrameError, RemotePipelineError } from './protocol/framing.js';
