// @idxflow/sinks/internal: everything this package has, the public names (index.ts) and the
// plumbing the benchmarks and the tests build on (atomic files, the export folder's checks and
// lock, PNG and tar encoders, the server's parameter parser). No compatibility promise.
export * from './files/index.js';
export * from './network/index.js';
export * from './tensors/index.js';
export * from './stores.js';
