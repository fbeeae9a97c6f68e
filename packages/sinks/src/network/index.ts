export * from './framing.js';
export * from './params.js';
export type { ServerStats } from './bufferMeter.js';
export * from './serve.js';
export * from './client.js';
