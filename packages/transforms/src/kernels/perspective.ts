/*
 * Perspective (projective) maps: torchvision's coefficients from four corner pairs, its tensor
 * resampling in float32 (`_perspective_grid` then `grid_sample`), and the general projective
 * resampling augment() uses when a perspective shares the one resampling with other steps.
 *
 * A `Projective` is a 3 x 3 output-to-input map in pixel-centre coordinates, row-major
 * `[a, b, c, d, e, f, g, h, i]`: x_in = (a x + b y + c) / (g x + h y + i), y_in likewise with
 * `d, e, f`. An `Affine` [a, b, c, d, e, f] is the projective map with last row [0, 0, 1].
 */
import { OptionError } from '@idxflow/core/errors'; // errors alone: a kernel imports no RxJS
import type { Affine } from './matrix.js';
import { bilinearAt, nearestAt, type Pixels, type ResampleOptions } from './resample.js';
import { roundHalfEven, torchBilinear } from './torchGrid.js';

/** `[a, b, c, d, e, f, g, h, i]`, row-major, output to input. */
export type Projective = Float64Array;

const f32 = Math.fround;

/**
 * torchvision's `_get_perspective_coeffs(startpoints, endpoints)`: the eight coefficients of the
 * map from each end point (output) to its start point (input), x_in = (c0 x + c1 y + c2) /
 * (c6 x + c7 y + 1), y_in = (c3 x + c4 y + c5) / (c6 x + c7 y + 1), in torchvision's pixel
 * coordinates. torchvision solves the 8 x 8 system by float32 least squares; this solves it
 * exactly in double precision (Gaussian elimination with partial pivoting).
 *
 * @param start Four `[x, y]` corners of the input, flattened: top-left, top-right, bottom-right, bottom-left.
 * @param end Where each goes in the output, flattened likewise.
 * @param out Where to write the eight coefficients (a new array if omitted).
 * @throws OptionError when the equations are singular: two end corners on one point, or a map
 *   whose horizon passes through the origin (the form with the last coefficient 1 cannot express it).
 *
 * ## Example
 * ```ts
 * const c = perspectiveCoefficients([0, 0, 27, 0, 27, 27, 0, 27], [3, 2, 25, 0, 27, 24, 1, 27]);
 * ```
 */
export function perspectiveCoefficients(start: ArrayLike<number>, end: ArrayLike<number>, out: Float64Array = new Float64Array(8)): Float64Array {
  if (!solvePerspective(start, end, out)) throw new OptionError(`Expected end corners whose equations are not singular (no two on one point, no horizon through the origin) but received start ${Array.from(start)} and end ${Array.from(end)}`);
  return out;
}

const system = new Float64Array(72); // 8 rows of 8 coefficients and the right-hand side

/** `perspectiveCoefficients` into `out`, or false when the equations have no solution. */
export function solvePerspective(start: ArrayLike<number>, end: ArrayLike<number>, out: Float64Array): boolean {
  const a = system;
  for (let k = 0; k < 4; k++) {
    const x = end[2 * k], y = end[2 * k + 1], u = start[2 * k], v = start[2 * k + 1];
    a.set([x, y, 1, 0, 0, 0, -u * x, -u * y, u], 18 * k);
    a.set([0, 0, 0, x, y, 1, -v * x, -v * y, v], 18 * k + 9);
  }
  for (let col = 0; col < 8; col++) {
    let pivot = col;
    for (let r = col + 1; r < 8; r++) if (Math.abs(a[r * 9 + col]) > Math.abs(a[pivot * 9 + col])) pivot = r;
    if (!(Math.abs(a[pivot * 9 + col]) > 1e-9)) return false;
    for (let c = 0; c < 9; c++) [a[col * 9 + c], a[pivot * 9 + c]] = [a[pivot * 9 + c], a[col * 9 + c]];
    for (let r = 0; r < 8; r++) {
      if (r === col) continue;
      const factor = a[r * 9 + col] / a[col * 9 + col];
      if (factor !== 0) for (let c = col; c < 9; c++) a[r * 9 + c] -= factor * a[col * 9 + c];
    }
  }
  for (let k = 0; k < 8; k++) out[k] = a[k * 9 + 8] / a[k * 9 + k];
  return true;
}

/**
 * The `Projective` (pixel-centre coordinates) of torchvision's perspective coefficients: its grid
 * samples at (x + 0.5, y + 0.5) and reads the input 0.5 lower, so the map is T(-0.5) C T(0.5).
 *
 * @param c The eight coefficients (`perspectiveCoefficients`).
 * @param out Where to write (a new matrix if omitted).
 *
 * ## Example
 * ```ts
 * const m = perspectiveMatrix(perspectiveCoefficients([0, 0, 27, 0, 27, 27, 0, 27], [3, 2, 25, 0, 27, 24, 1, 27]));
 * ```
 */
export function perspectiveMatrix(c: ArrayLike<number>, out: Projective = new Float64Array(9)): Projective {
  // C' (x, y) = C (x + 0.5, y + 0.5) - 0.5: substitute, then subtract 0.5 times the denominator.
  const g = c[6], h = c[7], i = 1 + 0.5 * (c[6] + c[7]);
  out[0] = c[0] - 0.5 * g;
  out[1] = c[1] - 0.5 * h;
  out[2] = c[2] + 0.5 * (c[0] + c[1]) - 0.5 * i;
  out[3] = c[3] - 0.5 * g;
  out[4] = c[4] - 0.5 * h;
  out[5] = c[5] + 0.5 * (c[3] + c[4]) - 0.5 * i;
  out[6] = g;
  out[7] = h;
  out[8] = i;
  return out;
}

/**
 * `first ∘ second` for projective maps (output to input): the change applied to the image first
 * goes on the left, as for `multiplyAffine`.
 *
 * @param first Applied to the image first (its map is applied to positions last).
 * @param second Applied to the image second.
 * @param out Where to write (may be either input; a new matrix if omitted).
 *
 * ## Example
 * ```ts
 * const c = perspectiveCoefficients([0, 0, 27, 0, 27, 27, 0, 27], [3, 2, 25, 0, 27, 24, 1, 27]);
 * const both = multiplyProjective(projectiveOf(affineMatrix({ angle: 10, shiftX: 0, shiftY: 0, scale: 1, shear: 0 }, 28, 28)), perspectiveMatrix(c));
 * ```
 */
export function multiplyProjective(first: Projective, second: Projective, out: Projective = new Float64Array(9)): Projective {
  const p = Array.from(first);
  const q = Array.from(second);
  for (let r = 0; r < 3; r++) {
    for (let c = 0; c < 3; c++) out[r * 3 + c] = p[r * 3] * q[c] + p[r * 3 + 1] * q[3 + c] + p[r * 3 + 2] * q[6 + c];
  }
  return out;
}

/**
 * An affine map as a projective one (last row 0, 0, 1).
 *
 * @param m The affine map.
 * @param out Where to write (a new matrix if omitted).
 *
 * ## Example
 * ```ts
 * const p = projectiveOf(identityAffine());
 * ```
 */
export function projectiveOf(m: Affine, out: Projective = new Float64Array(9)): Projective {
  out.set([m[0], m[1], m[2], m[3], m[4], m[5], 0, 0, 1]);
  return out;
}

/**
 * Resamples one image by a projective map, and optionally a displacement field added to the
 * output position first (as `warpResample`): output (x, y) takes the input at
 * `matrix(x + dx, y + dy)`. Same interpolation, fill, rounding (ties up) and table as
 * `warpResample`, in double precision.
 *
 * @param src Input pixels, `width * height`.
 * @param dst Output pixels, `width * height`.
 * @param width Image width.
 * @param height Image height.
 * @param matrix Output-to-input projective map.
 * @param dx Horizontal displacement per output pixel, or undefined.
 * @param dy Vertical displacement per output pixel, or undefined.
 * @param options Interpolation, fill and table.
 *
 * ## Example
 * ```ts
 * const src = new Uint8Array(784), dst = new Uint8Array(784);
 * const c = perspectiveCoefficients([0, 0, 27, 0, 27, 27, 0, 27], [3, 2, 25, 0, 27, 24, 1, 27]);
 * projectiveResample(src, dst, 28, 28, perspectiveMatrix(c), undefined, undefined, { interpolation: 'bilinear', fill: 0 });
 * ```
 */
export function projectiveResample(
  src: Pixels,
  dst: Pixels,
  width: number,
  height: number,
  matrix: Projective,
  dx: Float32Array | undefined,
  dy: Float32Array | undefined,
  options: ResampleOptions,
): void {
  if (src.length < width * height || dst.length < width * height) throw new OptionError(`Expected at least ${width * height} pixels for src and dst but received ${src.length} and ${dst.length}`);
  const [a, b, c, d, e, f, g, h, k] = matrix;
  const { table, fill } = options;
  const nearest = options.interpolation === 'nearest';
  const bytes = dst instanceof Uint8Array || table !== undefined;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      const px = dx === undefined ? x : x + dx[i];
      const py = dy === undefined ? y : y + dy[i];
      const w = g * px + h * py + k;
      const sx = (a * px + b * py + c) / w;
      const sy = (d * px + e * py + f) / w;
      // A point behind the eye (w <= 0) is outside the image.
      const value = !(w > 0) ? fill : nearest ? nearestAt(src, width, height, sx, sy, fill) : bilinearAt(src, width, height, sx, sy, fill);
      if (!bytes) {
        dst[i] = value;
        continue;
      }
      const byte = value > 0 ? (value < 255 ? Math.floor(value + 0.5) : 255) : 0;
      dst[i] = table === undefined ? byte : table[byte];
    }
  }
}

/**
 * torchvision 0.14's `F.perspective(img, startpoints, endpoints, interpolation, fill=[fill])` on
 * a uint8 tensor, in float32 operation for operation: `_perspective_grid` (a grid of pixel
 * centres + 0.5 through the coefficients, `bmm` as torch sums it), `grid_sample(align_corners=
 * False)` with torchvision's fill mask (as `RandomPerspective`, which always passes a fill), and
 * rounding half to even. Bytes equal torchvision's for the same coefficients.
 *
 * @param src Input bytes, `width * height`.
 * @param dst Output bytes.
 * @param width Image width.
 * @param height Image height.
 * @param coefficients The eight coefficients (`perspectiveCoefficients`).
 * @param interpolation Bilinear or nearest.
 * @param fill The value outside the image.
 *
 * ## Example
 * ```ts
 * const src = new Uint8Array(784), dst = new Uint8Array(784);
 * torchPerspective(src, dst, 28, 28, perspectiveCoefficients([0, 0, 27, 0, 27, 27, 0, 27], [3, 2, 25, 0, 27, 24, 1, 27]), 'bilinear', 0);
 * ```
 */
export function torchPerspective(src: Uint8Array, dst: Uint8Array, width: number, height: number, coefficients: ArrayLike<number>, interpolation: 'bilinear' | 'nearest', fill: number): void {
  const hw = f32(0.5 * width);
  const hh = f32(0.5 * height);
  const r00 = f32(f32(coefficients[0]) / hw), r10 = f32(f32(coefficients[1]) / hw), r20 = f32(f32(coefficients[2]) / hw);
  const r01 = f32(f32(coefficients[3]) / hh), r11 = f32(f32(coefficients[4]) / hh), r21 = f32(f32(coefficients[5]) / hh);
  const c6 = f32(coefficients[6]), c7 = f32(coefficients[7]);
  const nearest = interpolation === 'nearest';
  // With fill 0, a position whose neighbours all lie off the content (the non-zero pixels)
  // samples exactly 0 either way (the mask multiplies 0): only positions near it are sampled.
  const box = fill === 0 ? contentBox(src, width, height) : WHOLE;
  const left = box[0] - 1, right = box[1] + 1, top = box[2] - 1, bottom = box[3] + 1;
  for (let y = 0, i = 0; y < height; y++) {
    const by = y + 0.5;
    for (let x = 0; x < width; x++, i++) {
      const bx = x + 0.5;
      // bmm as torchGridSample sums it: x * r0 rounded, then y * r1 added and rounded, then r2.
      const g1x = f32(f32(f32(bx * r00) + by * r10) + r20);
      const g1y = f32(f32(f32(bx * r01) + by * r11) + r21);
      const g2 = f32(f32(f32(bx * c6) + by * c7) + 1);
      const gx = f32(f32(g1x / g2) - 1);
      const gy = f32(f32(g1y / g2) - 1);
      const ix = f32(f32(gx + 1) * hw - 0.5);
      const iy = f32(f32(gy + 1) * hh - 0.5);
      if (fill === 0 && !(ix >= left && ix < right && iy >= top && iy < bottom)) {
        dst[i] = 0;
        continue;
      }
      if (nearest) {
        const nx = roundHalfEven(ix);
        const ny = roundHalfEven(iy);
        dst[i] = nx >= 0 && nx < width && ny >= 0 && ny < height ? src[ny * width + nx] : fill;
      } else {
        dst[i] = torchBilinear(src, width, height, ix, iy, fill, true);
      }
    }
  }
}

const WHOLE = [-Infinity, Infinity, -Infinity, Infinity];
const BOX = [0, 0, 0, 0];

/** [left, right, top, bottom] of the non-zero pixels (an empty box, left > right, when there are none). */
function contentBox(src: Uint8Array, width: number, height: number): number[] {
  let left = width, right = -1, top = height, bottom = -1;
  for (let y = 0, i = 0; y < height; y++) {
    for (let x = 0; x < width; x++, i++) {
      if (src[i] === 0) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      bottom = y;
    }
  }
  BOX[0] = left;
  BOX[1] = right;
  BOX[2] = top;
  BOX[3] = bottom;
  return BOX;
}
