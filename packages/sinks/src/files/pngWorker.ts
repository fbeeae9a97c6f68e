// The worker_threads entry point of the PNG sinks: blocks of pixels in, each block's PNGs out
// as one byte array and its offsets, both moved back (not copied).
import { deflateSync } from 'node:zlib';
import { transferWith } from '@idxflow/core';
import { encodeGreyPngs, type GreyPngs } from './png.js';

/** One block to encode: `shape[0]` images of `shape[1] x shape[2]` bytes. */
export interface PngTask {
  images: Uint8Array;
  shape: [number, number, number];
}

/**
 * Node's zlib with a window just big enough for one image's filtered rows (at least 2^9 bytes),
 * and a small hash table: on 28 x 28 digits about twice as fast as fflate and the default
 * window, which spend most of their time setting up tables the image never fills.
 */
export function nodeDeflate(data: Uint8Array, level: number): Uint8Array {
  const windowBits = Math.min(15, Math.max(9, Math.ceil(Math.log2(Math.max(1, data.length)))));
  return deflateSync(data, { level, windowBits, memLevel: 4 });
}

/** Encodes each task's images; the results' buffers are transferred. */
export default function run(tasks: PngTask[]): GreyPngs[] {
  const out = tasks.map((t) => encodeGreyPngs(t.images, t.shape, { deflate: nodeDeflate }));
  return transferWith(out, out.flatMap((o) => [o.bytes, o.offsets]));
}
