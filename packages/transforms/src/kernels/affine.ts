// Affine resampling alone: the common case of `warpResample`, named for what callers ask for.
import type { Affine } from './matrix.js';
import { warpResample, type Pixels, type ResampleOptions } from './resample.js';

/**
 * Resamples one image by an affine map: output pixel (x, y) takes the input at
 * `matrix(x, y)`. It is `warpResample` without a displacement field, so there is one sampling
 * loop to keep right and fast.
 *
 * @param src Input pixels, `width * height`.
 * @param dst Output pixels, `width * height` (bytes are rounded and clamped).
 * @param width Image width.
 * @param height Image height.
 * @param matrix Output-to-input map, e.g. from `affineMatrix`.
 * @param options Interpolation and fill.
 *
 * ## Example
 * ```ts
 * const src = new Uint8Array(784), dst = new Uint8Array(784);
 * affineResample(src, dst, 28, 28, affineMatrix({ angle: 15, shiftX: 2, shiftY: 0, scale: 1, shear: 0 }, 28, 28),
 *   { interpolation: 'bilinear', fill: 0 });
 * ```
 */
export function affineResample(src: Pixels, dst: Pixels, width: number, height: number, matrix: Affine, options: ResampleOptions): void {
  warpResample(src, dst, width, height, matrix, undefined, undefined, options);
}
