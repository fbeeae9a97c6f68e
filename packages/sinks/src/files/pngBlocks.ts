import { type Block, checkBlock, map, type TaskStaging, workerMap } from '@idxflow/core/internal';
import type { OperatorFunction } from 'rxjs';
import { encodeGreyPngs, type GreyPngs } from './png.js';
import { exportDeflate, type PngTask } from './pngWorker.js';
import { BlockMismatchError } from '@idxflow/core';

/** A block and the PNG of each of its samples: sample i is `pngs.bytes.subarray(pngs.offsets[i], pngs.offsets[i + 1])`. */
export interface PngBlock {
  block: Block<Uint8Array>;
  pngs: GreyPngs;
}

const WORKER = new URL('./pngWorker.js', import.meta.url);

/** Checks that a block can become PNGs: bytes, and images of at least 1 x 1. */
function checkPngBlock(sink: string, block: Block): Block<Uint8Array> {
  checkBlock(sink, block);
  if (block.images instanceof Float32Array) {
    throw new BlockMismatchError('Expected uint8 images for a PNG export but received float32 (PNG stores 8-bit pixels: export before normalize(), or use npy or npz)');
  }
  return block as Block<Uint8Array>;
}

/**
 * Encodes every block's samples as 8-bit grey PNGs (`encodeGreyPngs` with `deflateRle`), on
 * `workers` threads of a pool of this stream's own, or on the main thread with 0. Order is kept.
 *
 * @param sink The sink asking, for messages.
 * @param workers Threads (integer >= 0).
 */
export function pngBlocks(sink: string, workers: number): OperatorFunction<Block, PngBlock> {
  const task = (block: Block<Uint8Array>): PngTask => ({ images: block.images, shape: [...block.shape] });
  if (workers === 0) {
    return map((input) => {
      const block = checkPngBlock(sink, input);
      return { block, pngs: encodeGreyPngs(block.images, block.shape, { deflate: exportDeflate }) };
    });
  }
  return (source) =>
    source.pipe(
      map((input) => checkPngBlock(sink, input)),
      workerMap(
        { filename: WORKER, workers },
        (block: Block<Uint8Array>, staging: TaskStaging): PngTask[] => [{ ...task(block), images: staging.share(block.images) }],
        ([pngs]: GreyPngs[], block: Block<Uint8Array>) => ({ block, pngs }),
      ),
    );
}
