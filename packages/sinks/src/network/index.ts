export * from './params.js';
export type { ServerStats } from './bufferMeter.js';
export * from './serve.js';
export * from './requestChecks.js';
