// MNIST-C's elastic_transform (its generator's adaptation of ImageNet-C's, after Simard et al.
// 2003): a random affine warp (three points of the image moved by up to `shift` pixels each,
// OpenCV's warpAffine, bilinear, 0 outside), then a displacement field of uniform(-1, 1) draws
// smoothed by a Gaussian (skimage's gaussian, mode 'reflect', truncate 3) times `alpha`,
// sampled bilinearly with scipy's map_coordinates (order 1, mode 'constant': 0 for a position
// outside the image). MNIST-C writes the parameters as multiples of 28, the side; here they are
// multiples of the side of the (square) image. The Simard kernel of augment()
// (kernels/elastic.ts) smooths with 0 beyond the border and draws another layout, so this
// recipe keeps its own field, smoothed by the recipe's Gaussian (gaussian.ts).
import type { SampleStream } from './draws.js';
import { smooth } from './gaussian.js';
import { byteOf } from './pixels.js';

/** Scratch of one thread: the image in units of the full range, the warped image, the two fields, a line. */
export interface ElasticScratch {
  /** `side * side` values. */
  unit: Float64Array;
  /** `side * side` values. */
  warped: Float64Array;
  /** `side * side` values. */
  dx: Float64Array;
  /** `side * side` values. */
  dy: Float64Array;
  /** At least `side` values. */
  line: Float64Array;
}

/**
 * The affine map taking the moved points back to the recipe's three points (the inverse of
 * OpenCV's getAffineTransform(pts1, pts2)), `[a, b, c, d, e, f]`: input (a x + b y + c, d x + e y + f)
 * for output (x, y). Points are float32 as the recipe's; the six moves are drawn in its order
 * (x then y of each point).
 */
function inverseAffine(side: number, shift: number, draws: SampleStream, out: Float64Array): void {
  const centre = Math.floor(side / 2);
  const square = Math.floor(side / 3);
  const from = [centre + square, centre + square, centre + square, centre - square, centre - square, centre - square];
  const to = from.map((v) => Math.fround(v + Math.fround(draws.between(-shift, shift))));
  // Solve u_i = a x_i + b y_i + c over the three moved points (x_i, y_i) by Cramer's rule.
  const [x0, y0, x1, y1, x2, y2] = to;
  const det = x0 * (y1 - y2) - y0 * (x1 - x2) + (x1 * y2 - x2 * y1);
  for (let axis = 0; axis < 2; axis++) {
    const u0 = from[axis], u1 = from[2 + axis], u2 = from[4 + axis];
    out[3 * axis] = (u0 * (y1 - y2) - y0 * (u1 - u2) + (u1 * y2 - u2 * y1)) / det;
    out[3 * axis + 1] = (x0 * (u1 - u2) - u0 * (x1 - x2) + (x1 * u2 - x2 * u1)) / det;
    out[3 * axis + 2] = (x0 * (y1 * u2 - y2 * u1) - y0 * (x1 * u2 - x2 * u1) + u0 * (x1 * y2 - x2 * y1)) / det;
  }
}

/** Pixel (x, y) of `image`, 0 outside it. */
const at = (image: Float64Array, side: number, x: number, y: number): number => (x < 0 || y < 0 || x >= side || y >= side ? 0 : image[y * side + x]);

/**
 * warpAffine's sampling: the input position in fixed point of 1/32 pixel (OpenCV's INTER_BITS),
 * the four pixels around it mixed bilinearly, 0 beyond the border (BORDER_CONSTANT); float32.
 */
function warpAffine(src: Float64Array, dst: Float64Array, side: number, map: Float64Array): void {
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const fx = Math.floor((Math.round((map[0] * x + map[1] * y + map[2]) * 1024) + 16) / 32);
      const fy = Math.floor((Math.round((map[3] * x + map[4] * y + map[5]) * 1024) + 16) / 32);
      const ix = fx >> 5, iy = fy >> 5;
      const tx = (fx & 31) / 32, ty = (fy & 31) / 32;
      const top = (1 - tx) * at(src, side, ix, iy) + tx * at(src, side, ix + 1, iy);
      const bottom = (1 - tx) * at(src, side, ix, iy + 1) + tx * at(src, side, ix + 1, iy + 1);
      dst[y * side + x] = Math.fround((1 - ty) * top + ty * bottom);
    }
  }
}

/** A field of uniform(-1, 1) draws (row-major), smoothed as the recipe smooths it, times alpha, as float32. */
function displacement(field: Float64Array, side: number, alpha: number, sigma: number, draws: SampleStream, line: Float64Array): void {
  for (let i = 0; i < side * side; i++) field[i] = draws.between(-1, 1);
  smooth(field, side, side, sigma, line, 'reflect', 3);
  for (let i = 0; i < side * side; i++) field[i] = Math.fround(field[i] * alpha);
}

/**
 * Elastic transform of a square grey image into `dst`.
 *
 * @param params The severity's `[alpha, sigma, shift]` as multiples of the side (MNIST-C's
 *   28 x (2, 0.7, 0.1) at severity 1 ... 28 x (0.12, 0.01, 0.02) at 5).
 * @param draws The sample's stream: 6 moves, then the x field's side^2 draws, then the y field's.
 */
export function elasticTransform(src: Uint8Array, dst: Uint8Array, side: number, params: readonly number[], draws: SampleStream, scratch: ElasticScratch, map: Float64Array): void {
  const [alpha, sigma, shift] = params.map((p) => p * side);
  const { unit, warped, dx, dy, line } = scratch;
  for (let i = 0; i < side * side; i++) unit[i] = Math.fround(src[i] / 255); // the recipe's float32 image
  inverseAffine(side, shift, draws, map);
  warpAffine(unit, warped, side, map);
  displacement(dx, side, alpha, sigma, draws, line);
  displacement(dy, side, alpha, sigma, draws, line);
  const last = side - 1;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      const i = y * side + x;
      const r = y + dy[i], c = x + dx[i];
      if (!(r >= 0 && r <= last && c >= 0 && c <= last)) {
        dst[i] = 0;
        continue;
      }
      const r0 = Math.floor(r), c0 = Math.floor(c);
      const tr = r - r0, tc = c - c0;
      const top = (1 - tc) * at(warped, side, c0, r0) + tc * at(warped, side, c0 + 1, r0);
      const bottom = (1 - tc) * at(warped, side, c0, r0 + 1) + tc * at(warped, side, c0 + 1, r0 + 1);
      const v = Math.fround((1 - tr) * top + tr * bottom);
      dst[i] = byteOf(v < 0 ? 0 : v > 1 ? 1 : v);
    }
  }
}
