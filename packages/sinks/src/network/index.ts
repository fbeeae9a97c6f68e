export * from './framing.js';
export * from './params.js';
export * from './serve.js';
export * from './client.js';
