// The worker_threads entry point of the PNG sinks: blocks of pixels in, each block's PNGs out
// as one byte array and its offsets, both moved back (not copied).
import { transferWith } from '@idxflow/core/internal';
import { deflateRle } from './deflateRle.js';
import { encodeGreyPngs, type GreyPngs } from './png.js';

/** One block to encode: `shape[0]` images of `shape[1] x shape[2]` bytes. */
export interface PngTask {
  images: Uint8Array;
  shape: [number, number, number];
}

/**
 * The export's compressor: runs of a repeated byte as matches, fixed Huffman codes
 * (`deflateRle`). On small digits it is several times faster than zlib and its files somewhat
 * larger, about sharp's size (`bench/png.ts` measures both).
 */
export const exportDeflate = (data: Uint8Array): Uint8Array => deflateRle(data);

/** Encodes each task's images; the results' buffers are transferred. */
export default function run(tasks: PngTask[]): GreyPngs[] {
  const out = tasks.map((t) => encodeGreyPngs(t.images, t.shape, { deflate: exportDeflate }));
  return transferWith(out, out.flatMap((o) => [o.bytes, o.offsets]));
}
