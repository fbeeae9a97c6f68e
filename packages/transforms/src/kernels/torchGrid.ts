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
  // No rotation or shear (the translations): ix depends on the column alone and iy on the row.
  if (r10 === 0 && r01 === 0 && separable(src, dst, width, height, r10, r20, r11, r21, hw, hh, nearest, fill)) return;
  // With fill 0, a position more than a pixel from the content (the non-zero pixels) samples 0
  // either way: only each row's span of positions near the content is computed, about half.
  const box = fill === 0 ? nonZeroBox(src, width, height) : undefined;
  if (box === null) {
    dst.fill(0, 0, width * height);
    return;
  }
  // Nearest: each position from its linear form in double precision, within nearestSlack of the
  // float32 chain's; only a position that close to a tie between two pixels takes the chain.
  const extentX = Math.abs(r00) * width * 0.5 + Math.abs(r10) * height * 0.5 + Math.abs(r20) + 1;
  const extentY = Math.abs(r01) * width * 0.5 + Math.abs(r11) * height * 0.5 + Math.abs(r21) + 1;
  const linear = nearest && extentX * hw < 1e5 && extentY * hh < 1e5;
  const edgeX = 0.5 - nearestSlack(extentX, hw);
  const edgeY = 0.5 - nearestSlack(extentY, hh);
  for (let y = 0, i = 0; y < height; y++) {
    // bmm of [x, y, 1] by the rescaled theta: x * r0 rounded, then fused multiply-adds (the
    // product of two float32 values is exact in double precision, the sum rounded once)
    const by = f32(y - height * 0.5 + 0.5);
    const ry0 = by * r10;
    const ry1 = by * r11;
    let from = 0;
    let to = width;
    if (box !== undefined) {
      // ix and iy are linear in x up to float32 rounding (far below the margin). A nearest
      // position samples the box only within half a pixel (and nearestSlack, at most 0.06) of
      // it: a margin of 1; bilinear reads a pixel up to 1 away: 2.
      rowSpan(ry0 + r20, ry1 + r21, r00, r01, hw, hh, width, box, linear ? 1 : 2);
      from = SPAN[0];
      to = SPAN[1];
      // loops, not fill(): a call of TypedArray fill costs more than a short row
      for (let x = 0; x < from; x++) dst[i + x] = 0;
      for (let x = to; x < width; x++) dst[i + x] = 0;
    }
    i += from;
    if (linear) {
      // ix = ((ry0 + bx r00 + r20) + 1) hw - 0.5 without the roundings, bx = x + 0.5 - width / 2
      const sx = r00 * hw;
      const sy = r01 * hh;
      const px = (ry0 + r20 + 1 + r00 * (0.5 - width * 0.5)) * hw - 0.5;
      const py = (ry1 + r21 + 1 + r01 * (0.5 - width * 0.5)) * hh - 0.5;
      for (let x = from; x < to; x++, i++) {
        const lx = px + sx * x;
        const ly = py + sy * x;
        // integers (| 0: below 1e5 in magnitude), which index the bytes faster than doubles
        let nx = Math.round(lx) | 0;
        let ny = Math.round(ly) | 0;
        if (!(Math.abs(lx - nx) < edgeX && Math.abs(ly - ny) < edgeY)) {
          // near a tie: the float32 chain decides, as below
          nx = roundHalfEven(f32(f32(f32(f32(ry0 + columns[2 * x]) + r20) + 1) * hw - 0.5)) | 0;
          ny = roundHalfEven(f32(f32(f32(f32(ry1 + columns[2 * x + 1]) + r21) + 1) * hh - 0.5)) | 0;
        }
        dst[i] = nx >= 0 && nx < width && ny >= 0 && ny < height ? src[ny * width + nx] : fill;
      }
    } else if (nearest) {
      for (let x = from; x < to; x++, i++) {
        const gx = f32(f32(ry0 + columns[2 * x]) + r20);
        const gy = f32(f32(ry1 + columns[2 * x + 1]) + r21);
        // GridSamplerKernel.cpp's unnormalize (align_corners=False): (g + 1) * (size / 2) - 0.5
        const ix = f32(f32(gx + 1) * hw - 0.5);
        const iy = f32(f32(gy + 1) * hh - 0.5);
        // round half to even (roundHalfEven, inlined)
        let nx = Math.round(ix);
        if (nx - ix === 0.5 && (nx & 1) !== 0) nx--;
        let ny = Math.round(iy);
        if (ny - iy === 0.5 && (ny & 1) !== 0) ny--;
        dst[i] = nx >= 0 && nx < width && ny >= 0 && ny < height ? src[ny * width + nx] : fill;
      }
    } else {
      for (let x = from; x < to; x++, i++) {
        const gx = f32(f32(ry0 + columns[2 * x]) + r20);
        const gy = f32(f32(ry1 + columns[2 * x + 1]) + r21);
        const ix = f32(f32(gx + 1) * hw - 0.5);
        const iy = f32(f32(gy + 1) * hh - 0.5);
        dst[i] = torchBilinear(src, width, height, ix, iy, fill, fill !== 0);
      }
    }
    i += width - to;
  }
}

/**
 * How far the float32 chain's ix = f32(f32(f32(f32(ry0 + f32(bx r00)) + r20) + 1) hw - 0.5) can be
 * from its real value ((ry0 + bx r00 + r20) + 1) hw - 0.5, with `extent` = |r00| width / 2 +
 * |r10| height / 2 + |r20| + 1 bounding |bx r00|, every partial sum and |g + 1|: five roundings to
 * float32 (relative error 2^-24 each), four of them scaled by hw, so at most
 * 2^-24 (5 extent hw + 0.5), doubled for the double-precision steps; plus 1e-9 for the linear
 * form's own rounding (its terms stay below 1e5). A linear position farther than this from
 * every half-integer rounds to the same pixel as the chain's, and is never a tie.
 */
function nearestSlack(extent: number, half: number): number {
  return 2 ** -23 * (5 * extent * half + 0.5) + 1e-9;
}

/** Scratch: the source column of each column and the source row of each row (-1 outside). */
let sourceColumns = new Int32Array(0);
let sourceRows = new Int32Array(0);

/** How far from a whole pixel a bilinear position may be and still give the whole pixel's byte. */
const WHOLE = 2 ** -12;

/**
 * Sets sourceColumns to each column's nearest source column (-1 outside) when r10 is a zero (ix is
 * then the column's alone), by the per-pixel loop's float32 operations; with `nearest` false,
 * returns false as soon as a position is more than WHOLE from a whole pixel.
 */
function sourceColumnsOf(width: number, r10: number, r20: number, hw: number, height: number, nearest: boolean): boolean {
  if (sourceColumns.length < width) sourceColumns = new Int32Array(width);
  // ry0 = by * r10 is a zero for every row; the first row's stands for all.
  const ry0 = f32(0.5 - height * 0.5) * r10;
  for (let x = 0; x < width; x++) {
    const gx = f32(f32(ry0 + columns[2 * x]) + r20);
    const ix = f32(f32(gx + 1) * hw - 0.5);
    const k = roundHalfEven(ix);
    if (!nearest && !(Math.abs(ix - k) <= WHOLE)) return false;
    sourceColumns[x] = k >= 0 && k < width ? k : -1;
  }
  return true;
}

/**
 * torchGridSample when theta has no rotation or shear (r10 = r01 = 0): then ry0 and each column's
 * x * r01 are zeros, so ix is a function of the column alone and iy of the row alone, and each is
 * computed once, by the same float32 operations. Nearest maps each column to its source column
 * and each row to its source row, as the per-pixel loop does. Bilinear takes the shortcut only when
 * every ix and iy is within 2^-12 of a whole pixel k (as an integer translation gives, up to
 * float32 rounding): the weights off that pixel sum to at most 2^-11, which moves the sum (and
 * fill's mask) by at most 255 * 2^-11 = 0.125 each, so the rounded byte is pixel k's (fill,
 * an integer, when k is outside). Returns false when it does not apply.
 */
function separable(src: Uint8Array, dst: Uint8Array, width: number, height: number, r10: number, r20: number, r11: number, r21: number, hw: number, hh: number, nearest: boolean, fill: number): boolean {
  if (!nearest && !Number.isInteger(fill)) return false;
  if (sourceRows.length < height) sourceRows = new Int32Array(height);
  if (!sourceColumnsOf(width, r10, r20, hw, height, nearest)) return false;
  for (let y = 0; y < height; y++) {
    const by = f32(y - height * 0.5 + 0.5);
    // each column's x * r01 is a zero
    const gy = f32(f32(by * r11 + columns[1]) + r21);
    const iy = f32(f32(gy + 1) * hh - 0.5);
    const k = roundHalfEven(iy);
    if (!nearest && !(Math.abs(iy - k) <= WHOLE)) return false;
    sourceRows[y] = k >= 0 && k < height ? k * width : -1;
  }
  // A run of columns that shift by the same amount is a copy.
  let first = 0;
  while (first < width && sourceColumns[first] < 0) first++;
  let last = width;
  while (last > first && sourceColumns[last - 1] < 0) last--;
  let shifted = true;
  for (let x = first; x < last; x++) if (sourceColumns[x] !== sourceColumns[first] + x - first) shifted = false;
  if (shifted && first < last && shiftedRows(src, dst, width, height, first, last, fill)) return true;
  for (let y = 0, i = 0; y < height; y++, i += width) {
    const row = sourceRows[y];
    if (row < 0 || first === last) {
      for (let x = 0; x < width; x++) dst[i + x] = fill;
    } else if (shifted) {
      for (let x = 0; x < first; x++) dst[i + x] = fill;
      for (let x = first, from = row + sourceColumns[first] - first; x < last; x++) dst[i + x] = src[from + x];
      for (let x = last; x < width; x++) dst[i + x] = fill;
    } else {
      for (let x = 0; x < width; x++) {
        const c = sourceColumns[x];
        dst[i + x] = c < 0 ? fill : src[row + c];
      }
    }
  }
  return true;
}

/**
 * separable()'s whole-image shift: when the columns [first, last) and the rows in range both shift
 * by one amount (an integer translation), source pixel k + offset lands on k for every k of the
 * block from the first row and column in range to the last, so one copy moves it; the columns
 * outside [first, last) of those rows (which the copy filled with the neighbouring rows' pixels)
 * and the rows out of range then take the fill. Returns false when the rows do not shift as one.
 */
function shiftedRows(src: Uint8Array, dst: Uint8Array, width: number, height: number, first: number, last: number, fill: number): boolean {
  let top = 0;
  while (top < height && sourceRows[top] < 0) top++;
  let bottom = height;
  while (bottom > top && sourceRows[bottom - 1] < 0) bottom--;
  if (top === bottom) return false;
  for (let y = top; y < bottom; y++) if (sourceRows[y] !== sourceRows[top] + (y - top) * width) return false;
  const start = top * width + first;
  const offset = sourceRows[top] + sourceColumns[first] - start;
  const end = (bottom - 1) * width + last;
  dst.set(src.subarray(start + offset, end + offset), start);
  for (let i = 0; i < start; i++) dst[i] = fill;
  for (let y = top, i = top * width; y < bottom; y++, i += width) {
    for (let x = 0; x < first; x++) dst[i + x] = fill;
    for (let x = last; x < width; x++) dst[i + x] = fill;
  }
  for (let i = end; i < width * height; i++) dst[i] = fill;
  return true;
}

const BOX = new Float64Array(4);
const SPAN: [number, number] = [0, 0];

/** [left, right, top, bottom] of the non-zero pixels, or null when there are none. */
function nonZeroBox(src: Uint8Array, width: number, height: number): Float64Array | null {
  let left = width, right = -1, top = height, bottom = -1;
  for (let y = 0, i = 0; y < height; y++, i += width) {
    // the first non-zero from the left, then the last from the right: the middle is not read
    let x = 0;
    while (x < width && src[i + x] === 0) x++;
    if (x === width) continue;
    if (x < left) left = x;
    let r = width - 1;
    while (src[i + r] === 0) r--;
    if (r > right) right = r;
    if (y < top) top = y;
    bottom = y;
  }
  if (right < 0) return null;
  BOX[0] = left;
  BOX[1] = right;
  BOX[2] = top;
  BOX[3] = bottom;
  return BOX;
}

/**
 * Sets SPAN to the columns [from, to) of a row whose positions ix = ((g0 + a bx) + 1) hw - 0.5
 * (bx the column's centre coordinate), and iy likewise, fall within `margin` pixels of the box.
 */
function rowSpan(g0: number, g1: number, a: number, d: number, hw: number, hh: number, width: number, box: Float64Array, margin: number): void {
  SPAN[0] = 0;
  SPAN[1] = width;
  clip(g0, a, hw, box[0] - margin, box[1] + margin, width);
  clip(g1, d, hh, box[2] - margin, box[3] + margin, width);
  SPAN[0] = Math.max(0, Math.min(SPAN[0], width));
  SPAN[1] = Math.max(SPAN[0], Math.min(SPAN[1], width));
}

/** Narrows SPAN to the columns whose position(x) = p0 + slope * x lies in (low, high), give or take a column. */
function clip(g: number, k: number, half: number, low: number, high: number, width: number): void {
  const p0 = (g + k * (0.5 - width * 0.5) + 1) * half - 0.5;
  const slope = k * half;
  if (slope === 0) {
    if (!(p0 > low && p0 < high)) SPAN[1] = SPAN[0];
    return;
  }
  const x1 = (low - p0) / slope;
  const x2 = (high - p0) / slope;
  SPAN[0] = Math.max(SPAN[0], Math.floor(Math.min(x1, x2)));
  SPAN[1] = Math.min(SPAN[1], Math.ceil(Math.max(x1, x2)) + 1);
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
