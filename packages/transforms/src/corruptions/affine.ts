// shear, rotate, scale and translate as MNIST-C warps them: skimage's AffineTransform used as
// the INVERSE map (output pixel to input position), about the image centre, sampled bilinearly
// with 0 outside the image (skimage.transform.warp, order 1, mode 'constant').
import { byteOf } from './pixels.js';

/** `[a1, a2, a3, b1, b2, b3]`: the input position (a1 x + a2 y + a3, b1 x + b2 y + b3) sampled at output (x, y). */
export type InverseMap = Float64Array;

/**
 * The recipe's inverse map for one corruption, its linear part L, plus the translation that
 * keeps the centre fixed: (cx, cy) - L (cx, cy), MNIST-C's 13.5 * (1 - a1 - a2) for 28 x 28.
 * `shear`: L = [[1, -sin c], [0, cos c]] (skimage's shear); `rotate`: [[cos, -sin], [sin, cos]];
 * `scale`: c I; `translate`: I and the translation (dx, dy), no centring.
 */
export function inverseMap(kind: 'shear' | 'rotate' | 'scale' | 'translate', c: number, width: number, height: number, dx = 0, dy = 0): InverseMap {
  if (kind === 'translate') return Float64Array.of(1, 0, dx, 0, 1, dy);
  let a1 = c, a2 = 0, b1 = 0, b2 = c;
  if (kind === 'shear') [a1, a2, b1, b2] = [1, -Math.sin(c), 0, Math.cos(c)];
  if (kind === 'rotate') [a1, a2, b1, b2] = [Math.cos(c), -Math.sin(c), Math.sin(c), Math.cos(c)];
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  return Float64Array.of(a1, a2, cx - a1 * cx - a2 * cy, b1, b2, cy - b1 * cx - b2 * cy);
}

/** A pixel of `unit` (values / 255), 0 outside the image. */
function at(unit: Float64Array, width: number, height: number, x: number, y: number): number {
  return x < 0 || y < 0 || x >= width || y >= height ? 0 : unit[y * width + x];
}

/**
 * Warps `src` by `map` into `dst`: each output pixel the bilinear mix of the four input pixels
 * around its input position (floor and ceil of each coordinate, as skimage's bilinear
 * interpolation takes them), in units of the full range, stored as the recipe's bytes.
 *
 * @param unit Scratch of `width * height` values.
 */
export function warpUnits(src: Uint8Array, dst: Uint8Array, width: number, height: number, map: InverseMap, unit: Float64Array): void {
  for (let i = 0; i < src.length; i++) unit[i] = src[i] / 255;
  const [a1, a2, a3, b1, b2, b3] = map;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const c = a1 * x + a2 * y + a3;
      const r = b1 * x + b2 * y + b3;
      const c0 = Math.floor(c), r0 = Math.floor(r), c1 = Math.ceil(c), r1 = Math.ceil(r);
      const dc = c - c0, dr = r - r0;
      const top = (1 - dc) * at(unit, width, height, c0, r0) + dc * at(unit, width, height, c1, r0);
      const bottom = (1 - dc) * at(unit, width, height, c0, r1) + dc * at(unit, width, height, c1, r1);
      const v = (1 - dr) * top + dr * bottom;
      dst[y * width + x] = byteOf(v < 0 ? 0 : v > 1 ? 1 : v);
    }
  }
}
