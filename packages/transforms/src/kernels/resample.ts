import type { Affine } from './matrix.js';

/** How to resample. */
export interface ResampleOptions {
  /** Bilinear (default in operators) or nearest neighbour. */
  interpolation: 'bilinear' | 'nearest';
  /** Value taken for positions outside the image. */
  fill: number;
}

type Pixels = Uint8Array | Float32Array;

/**
 * Resamples one image in a single pass: output pixel (x, y) takes the input at
 * `matrix(x + dx, y + dy)`, with the displacement field (if any) added in output coordinates
 * as Simard et al. (2003) add theirs, then the affine map applied.
 *
 * Bilinear interpolation weighs the four input pixels around the position; neighbours outside
 * the image count as `fill` (torchvision's behaviour with a fill value). Byte output is rounded
 * to nearest and clamped to [0, 255]. A position that lands exactly on a pixel centre returns
 * that pixel exactly, so the identity map is exactly the identity.
 *
 * @param src Input pixels, `width * height`.
 * @param dst Output pixels, `width * height` (may be Float32 for a Uint8 input: no rounding).
 * @param matrix Output-to-input map (see matrix.ts).
 * @param dx Horizontal displacement per output pixel, or undefined.
 * @param dy Vertical displacement per output pixel, or undefined.
 *
 * ## Example
 * ```ts
 * warpResample(src, dst, 28, 28, affineMatrix(params, 28, 28), undefined, undefined, { interpolation: 'bilinear', fill: 0 });
 * ```
 */
export function warpResample(
  src: Pixels,
  dst: Pixels,
  width: number,
  height: number,
  matrix: Affine,
  dx: Float32Array | undefined,
  dy: Float32Array | undefined,
  options: ResampleOptions,
): void {
  const a = matrix[0], b = matrix[1], c = matrix[2], d = matrix[3], e = matrix[4], f = matrix[5];
  const bytes = dst instanceof Uint8Array;
  // Bytes round to nearest: storing v + 0.5 truncates to round(v) for v in [0, 255].
  const bias = bytes ? 0.5 : 0;
  const fill = bytes ? Math.min(255, Math.max(0, options.fill)) : options.fill;
  const nearest = options.interpolation === 'nearest';
  const maxX = width - 1;
  const maxY = height - 1;
  for (let y = 0, i = 0; y < height; y++) {
    // The sampled position is linear along a row: step it instead of recomputing.
    let rowX = b * y + c;
    let rowY = e * y + f;
    for (let x = 0; x < width; x++, i++, rowX += a, rowY += d) {
      let sx = rowX;
      let sy = rowY;
      if (dx !== undefined && dy !== undefined) {
        // matrix(x + dx, y + dy) = matrix(x, y) + A (dx, dy)
        sx += a * dx[i] + b * dy[i];
        sy += d * dx[i] + e * dy[i];
      }
      let v: number;
      if (nearest) {
        const ix = Math.floor(sx + 0.5);
        const iy = Math.floor(sy + 0.5);
        v = ix >= 0 && ix <= maxX && iy >= 0 && iy <= maxY ? src[iy * width + ix] : fill;
      } else if (sx >= 0 && sy >= 0 && sx < maxX && sy < maxY) {
        // All four neighbours inside: the common case, without bounds checks.
        const x0 = sx | 0;
        const y0 = sy | 0;
        const fx = sx - x0;
        const fy = sy - y0;
        const k = y0 * width + x0;
        const p = src[k];
        const q = src[k + width];
        const top = p + fx * (src[k + 1] - p);
        v = top + fy * (q + fx * (src[k + width + 1] - q) - top);
      } else {
        v = bilinearAtEdge(src, width, height, sx, sy, fill);
      }
      dst[i] = v + bias;
    }
  }
}

/** Bilinear sample where some neighbours may lie outside the image (they count as `fill`). */
function bilinearAtEdge(src: Pixels, width: number, height: number, sx: number, sy: number, fill: number): number {
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  if (x0 < -1 || y0 < -1 || x0 > width - 1 || y0 > height - 1) return fill;
  const fx = sx - x0;
  const fy = sy - y0;
  const at = (x: number, y: number): number => (x >= 0 && y >= 0 && x < width && y < height ? src[y * width + x] : fill);
  const top = at(x0, y0) + fx * (at(x0 + 1, y0) - at(x0, y0));
  const bottom = at(x0, y0 + 1) + fx * (at(x0 + 1, y0 + 1) - at(x0, y0 + 1));
  return top + fy * (bottom - top);
}

/**
 * Resamples one image by an affine map alone: `warpResample` without a displacement field.
 *
 * ## Example
 * ```ts
 * affineResample(src, dst, 28, 28, affineMatrix({ angle: 15, shiftX: 2, shiftY: 0, scale: 1, shear: 0 }, 28, 28),
 *   { interpolation: 'bilinear', fill: 0 });
 * ```
 */
export function affineResample(src: Pixels, dst: Pixels, width: number, height: number, matrix: Affine, options: ResampleOptions): void {
  warpResample(src, dst, width, height, matrix, undefined, undefined, options);
}
