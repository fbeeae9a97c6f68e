/*
 * torchvision's tensor resampling as torch computes it, in float32 operation for operation:
 * `_gen_affine_grid` (a base grid of centre coordinates times theta / (size / 2)) then
 * `grid_sample(mode, padding_mode="zeros", align_corners=False)` and `_cast_squeeze_out`
 * (round half to even back to bytes). The automatic policies need it bit for bit: their ops pivot
 * at the image corner and land on exact halves (a shear by 0.1 blends two pixels 0.95 : 0.05,
 * a 45° turn puts positions exactly between pixels in float32), where warpResample's double
 * precision positions and ties-up rounding give the other byte. A `fill` other than 0 takes the
 * place of the zeros outside, as torchvision's mask does.
 */
import type { Affine } from './matrix.js';
import type { PolicyResampling } from './policyOps.js';

const f32 = Math.fround;

/** Rounds half to even, as torch's `round()` and `nearbyint`. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/**
 * Resamples byte `src` into `dst` by torchvision's output-to-input `matrix` in its centre
 * coordinates (`_get_inverse_affine_matrix`'s), as `F_t.affine` / `F_t.rotate` do.
 *
 * ## Example
 * ```ts
 * const src = new Uint8Array(784), dst = new Uint8Array(784);
 * torchGridSample(src, dst, 28, 28, torchvisionAffine([0, 0], -30, [0, 0], [0, 0], new Float64Array(6)), { interpolation: 'nearest', fill: 0 });
 * ```
 */
export function torchGridSample(src: Uint8Array, dst: Uint8Array, width: number, height: number, matrix: Affine, resampling: PolicyResampling): void {
  const hw = f32(0.5 * width);
  const hh = f32(0.5 * height);
  // rescaled_theta = theta.T / [w / 2, h / 2], in float32
  const r00 = f32(f32(matrix[0]) / hw), r10 = f32(f32(matrix[1]) / hw), r20 = f32(f32(matrix[2]) / hw);
  const r01 = f32(f32(matrix[3]) / hh), r11 = f32(f32(matrix[4]) / hh), r21 = f32(f32(matrix[5]) / hh);
  const nearest = resampling.interpolation === 'nearest';
  const fill = resampling.fill;
  // Each column's x * r0 (rounded once), the same for every row.
  if (columns.length < 2 * width) columns = new Float64Array(2 * width);
  for (let x = 0; x < width; x++) {
    const bx = f32(x - width * 0.5 + 0.5);
    columns[2 * x] = f32(bx * r00);
    columns[2 * x + 1] = f32(bx * r01);
  }
  // With fill 0, a position more than a pixel from the content (the non-zero pixels) samples 0
  // either way: only each row's span of positions near the content is computed, about half.
  const box = fill === 0 ? nonZeroBox(src, width, height) : undefined;
  if (box === null) {
    dst.fill(0, 0, width * height);
    return;
  }
  for (let y = 0, i = 0; y < height; y++) {
    // bmm of [x, y, 1] by the rescaled theta: x * r0 rounded, then fused multiply-adds (the
    // product of two float32 values is exact in double precision, the sum rounded once)
    const by = f32(y - height * 0.5 + 0.5);
    const ry0 = by * r10;
    const ry1 = by * r11;
    let from = 0;
    let to = width;
    if (box !== undefined) {
      // ix and iy are linear in x up to float32 rounding (far below the margin of 2 pixels).
      const span = rowSpan(ry0 + r20, ry1 + r21, r00, r01, hw, hh, width, box);
      from = span[0];
      to = span[1];
      dst.fill(0, i, i + from);
      dst.fill(0, i + to, i + width);
    }
    i += from;
    for (let x = from; x < to; x++, i++) {
      const gx = f32(f32(ry0 + columns[2 * x]) + r20);
      const gy = f32(f32(ry1 + columns[2 * x + 1]) + r21);
      // GridSamplerKernel.cpp's unnormalize (align_corners=False): (g + 1) * (size / 2) - 0.5
      const ix = f32(f32(gx + 1) * hw - 0.5);
      const iy = f32(f32(gy + 1) * hh - 0.5);
      if (nearest) {
        const nx = roundHalfEven(ix);
        const ny = roundHalfEven(iy);
        dst[i] = nx >= 0 && nx < width && ny >= 0 && ny < height ? src[ny * width + nx] : fill;
      } else {
        dst[i] = torchBilinear(src, width, height, ix, iy, fill, fill !== 0);
      }
    }
    i += width - to;
  }
}

const BOX = new Float64Array(4);
const SPAN: [number, number] = [0, 0];

/** [left, right, top, bottom] of the non-zero pixels, or null when there are none. */
function nonZeroBox(src: Uint8Array, width: number, height: number): Float64Array | null {
  let left = width, right = -1, top = height, bottom = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (src[y * width + x] === 0) continue;
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      bottom = y;
    }
  }
  if (right < 0) return null;
  BOX[0] = left;
  BOX[1] = right;
  BOX[2] = top;
  BOX[3] = bottom;
  return BOX;
}

/**
 * The columns [from, to) of a row whose positions ix = ((g0 + a bx) + 1) hw - 0.5 (bx the
 * column's centre coordinate), and iy likewise, fall within 2 pixels of the box.
 */
function rowSpan(g0: number, g1: number, a: number, d: number, hw: number, hh: number, width: number, box: Float64Array): [number, number] {
  let from = 0;
  let to = width;
  const clip = (g: number, k: number, half: number, low: number, high: number): void => {
    // position(x) = p0 + slope * x
    const p0 = (g + k * (0.5 - width * 0.5) + 1) * half - 0.5;
    const slope = k * half;
    if (slope === 0) {
      if (!(p0 > low && p0 < high)) to = from;
      return;
    }
    const x1 = (low - p0) / slope;
    const x2 = (high - p0) / slope;
    from = Math.max(from, Math.floor(Math.min(x1, x2)));
    to = Math.min(to, Math.ceil(Math.max(x1, x2)) + 1);
  };
  clip(g0, a, hw, box[0] - 2, box[1] + 2);
  clip(g1, d, hh, box[2] - 2, box[3] + 2);
  SPAN[0] = Math.max(0, Math.min(from, width));
  SPAN[1] = Math.max(SPAN[0], Math.min(to, width));
  return SPAN;
}

/** Scratch: each column's products with the rescaled theta's first row. */
let columns = new Float64Array(0);

const valueAt = (src: Uint8Array, width: number, height: number, x: number, y: number): number => (x >= 0 && x < width && y >= 0 && y < height ? src[y * width + x] : -1);

/**
 * grid_sample's bilinear weights and sum (GridSamplerKernel.cpp) at input position (ix, iy),
 * float32, zeros outside, rounded half to even; `masked`: torchvision's fill mask (the weights
 * over a channel of ones, then `img * mask + (1 - mask) * fill`), which torchvision applies
 * whenever a fill is given, 0 included.
 */
export function torchBilinear(src: Uint8Array, width: number, height: number, ix: number, iy: number, fill: number, masked: boolean): number {
  const x0 = Math.floor(ix);
  const y0 = Math.floor(iy);
  const w = f32(ix - x0);
  const e = f32(1 - w);
  const n = f32(iy - y0);
  const s = f32(1 - n);
  const nw = f32(s * e), ne = f32(s * w), sw = f32(n * e), se = f32(n * w);
  const vnw = valueAt(src, width, height, x0, y0), vne = valueAt(src, width, height, x0 + 1, y0);
  const vsw = valueAt(src, width, height, x0, y0 + 1), vse = valueAt(src, width, height, x0 + 1, y0 + 1);
  let sum = f32((vne < 0 ? 0 : vne) * ne + f32((vnw < 0 ? 0 : vnw) * nw));
  sum = f32((vsw < 0 ? 0 : vsw) * sw + sum);
  sum = f32((vse < 0 ? 0 : vse) * se + sum);
  if (masked) {
    // torchvision's mask: the same weights over a channel of ones, then img * mask + (1 - mask) * fill
    const mask = f32(f32(f32((vnw < 0 ? 0 : nw) + (vne < 0 ? 0 : ne)) + (vsw < 0 ? 0 : sw)) + (vse < 0 ? 0 : se));
    sum = f32(f32(sum * mask) + f32(f32(1 - mask) * fill));
  }
  const r = roundHalfEven(sum);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}
