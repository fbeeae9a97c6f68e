// @idxflow/core/internal: everything this package has, the public names (index.ts) and the
// plumbing the other idxflow packages and the tests build on (block helpers, the flow-control
// protocol, the RNG, the worker pool, validation, the frame encoder). No compatibility promise:
// it changes with the packages that use it.
export * from './block.js';
export * from './recycle.js';
export * from './errors.js';
export * from './httpStatus.js';
export * from './flow.js';
export * from './operate.js';
export * from './optional.js';
export * from './rng.js';
export * from './crc32.js';
export * from './gunzip.js';
export * as validate from './validate.js';
export * from './idx/types.js';
export * from './idx/decode.js';
export * from './idx/encode.js';
export * from './idx/info.js';
export * from './protocol/framing.js';
export * from './sources/bytes.js';
export * from './sources/file.js';
export * from './sources/url.js';
export * from './sources/server.js';
export * from './datasets/registry.js';
export * from './datasets/download.js';
export * from './datasets/resolve.js';
export * from './datasets/idx.js';
export * from './datasets/sources.js';
export * from './stages/batch.js';
export * from './stages/epochs.js';
export * from './stages/mapAsync.js';
export * from './stages/samples.js';
export * from './stages/shard.js';
export * from './stages/shuffle.js';
export * from './stages/shuffleWindow.js';
export * from './stages/skipSamples.js';
export * from './stages/takeSamples.js';
export * from './stages/rows.js';
export * from './loadBlock.js';
export * from './pool.js';
export * from './unxz.js';
export * from './sources/zipMember.js';
export * from './zip/centralDirectory.js';
export * from './datasets/emnist.js';
export * from './datasets/qmnist.js';
export * from './datasets/cards.js';
export * from './datasets/catalog.js';
export * from './npy/decode.js';
export * from './datasets/npy.js';
export * from './datasets/parquet.js';
export * from './datasets/imageFolder.js';
export * from './images/mnistStyle.js';
export * from './images/decodeGrey.js';
export * from './folders.js';
export * from './inflateLimit.js';
export * from './datasets/csv.js';
export * from './datasets/signLanguage.js';
export * from './datasets/collections.js';
export * from './datasets/medmnist.js';
export * from './datasets/k49.js';
export * from './datasets/pngTree.js';
export * from './datasets/pngTrees.js';
export * from './tar/tarParser.js';
// rxjs's values, each required from its own module (rx.ts): for transforms and sinks, so that
// importing them costs what importing core does.
export { concatAll, concatMap, defer, lastValueFrom, map, Observable, reduce, Subscriber, switchMap, tap, toArray, zip } from './rx.js';
