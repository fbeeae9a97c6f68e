import { reusablePixels, validate, type Block } from '@idxflow/core';
import { map, type OperatorFunction } from 'rxjs';
import { byteTable, normalizeInPlace } from './augmentImages.js';
import { fuseNormalize } from './fuse.js';
import { lookupBytes } from './kernels/index.js';

/** Options of `normalize()`. */
export interface NormalizeOptions {
  /** Mean subtracted after scaling to [0, 1]. Default 0.1307 (MNIST's). */
  mean?: number;
  /** Standard deviation divided by. Default 0.3081 (MNIST's). */
  std?: number;
}

/**
 * Float32 images standardised as torchvision's `ToTensor()` + `Normalize(mean, std)`:
 * `(v / 255 - mean) / std` for bytes; Float32 input is taken as already in [0, 1].
 *
 * Right after `augment()` (or rotate, shift, ...) it runs in the same pass, on the workers.
 *
 * @param options See `NormalizeOptions`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(batch(128), normalize()); // MNIST mean and std
 * ```
 */
export function normalize(options: NormalizeOptions = {}): OperatorFunction<Block, Block<Float32Array>> {
  const mean = validate.finite('mean', options.mean ?? 0.1307);
  const std = validate.finite('std', options.std ?? 0.3081);
  if (std === 0) throw new RangeError('Expected non-zero number for std but received 0 of type number');
  // One lookup per pixel, in the same table the fused path uses: the same bits either way.
  const table = byteTable(mean, std).slice();
  return (source) =>
    (fuseNormalize(source, { mean, std }) ??
      source.pipe(
        map((block): Block => {
          if (block.images instanceof Float32Array) {
            const images = block.images.slice();
            normalizeInPlace(images, 1, mean, std);
            return { ...block, images };
          }
          const images = reusablePixels(Float32Array, block.images.length);
          lookupBytes(block.images, images, table);
          return { ...block, images };
        }),
      )) as ReturnType<OperatorFunction<Block, Block<Float32Array>>>;
}

/**
 * Float32 images scaled to [0, 1] (`v / 255`), as torchvision's `ToTensor()`.
 *
 * ## Example
 * ```ts
 * mnist().pipe(batch(64), toFloat());
 * ```
 */
export function toFloat(): OperatorFunction<Block, Block<Float32Array>> {
  return normalize({ mean: 0, std: 1 });
}
