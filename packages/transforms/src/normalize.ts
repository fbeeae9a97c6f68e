import { type Block, checkBlock, checkRows, gatherRows, isRows, layoutOf, map, reusablePixels, type Run, sampleSize } from '@idxflow/core/internal';
import type { OperatorFunction } from 'rxjs';
import { byteTable, normalizeInPlace } from './augmentImages.js';
import { gatherLookup, lookupBytes } from './kernels/index.js';
import { normalizationOf, type NormalizeOptions } from './spec.js';

export type { NormalizeOptions } from './spec.js';

/**
 * Float32 images standardised as torchvision's `ToTensor()` + `Normalize(mean, std)`:
 * `(v / 255 - mean) / std` for bytes; Float32 input is taken as already in [0, 1].
 *
 * A pass of its own, on the main thread (a table lookup per pixel is cheaper than handing the
 * work to a thread). After `shuffleRows()` it gathers the samples in the same pass. To
 * normalise on the workers in the augmentation's own pass, give `augment()` its `normalize`
 * option instead: the bits are the same.
 *
 * @param options See `NormalizeOptions`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(batch(128), normalize()); // MNIST mean and std
 * ```
 */
export function normalize(options: NormalizeOptions = {}): OperatorFunction<Run, Block<Float32Array>> {
  const { mean, std } = normalizationOf(options, '');
  // One lookup per pixel, in the same table augment() uses: the same bits either way.
  const table = byteTable(mean, std);
  return map((input): Block<Float32Array> => {
    if (isRows(input)) {
      checkRows('normalize()', input);
      const from = layoutOf(input);
      if (from.images instanceof Uint8Array) {
        const images = reusablePixels(Float32Array, input.rows.length * sampleSize(from));
        gatherLookup(from.images, input.rows, sampleSize(from), images, table);
        return gatherRows(input, images);
      }
      return normalizeBlock(gatherRows(input), mean, std, table);
    }
    checkBlock('normalize()', input);
    return normalizeBlock(input, mean, std, table);
  });
}

function normalizeBlock(block: Block, mean: number, std: number, table: Float32Array): Block<Float32Array> {
  if (block.images instanceof Float32Array) {
    const images = reusablePixels(Float32Array, block.images.length);
    images.set(block.images);
    normalizeInPlace(images, 1, mean, std);
    return { ...block, images };
  }
  const images = reusablePixels(Float32Array, block.images.length);
  lookupBytes(block.images, images, table);
  return { ...block, images };
}

/**
 * Float32 images scaled to [0, 1] (`v / 255`), as torchvision's `ToTensor()`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(batch(64), toFloat());
 * ```
 */
export function toFloat(): OperatorFunction<Run, Block<Float32Array>> {
  return normalize({ mean: 0, std: 1 });
}
