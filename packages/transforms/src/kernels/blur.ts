/*
 * The two convolutions of torchvision's functional tensor code (torchvision 0.14,
 * transforms/functional_tensor.py), on one grey channel:
 *
 *   adjust_sharpness(img, f) = _blend(img, blurred, f), blurred = img with its interior (not the
 *     one-pixel border) convolved by [[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13, rounded to bytes;
 *     _blend(a, b, f) = (f a + (1 - f) b).clamp(0, 255).to(uint8) in float32, truncated.
 *   gaussian_blur(img, [kx, ky], [s, s]) = conv2d(reflect-padded img, ky x kx kernel), the
 *     kernel the outer product of two float32 kernels exp(-x^2 / (2 s^2)) / sum over
 *     x = -(k - 1) / 2 ... (k - 1) / 2, rounded half to even (`torch.round`) back to bytes.
 *
 * The sharpness blur's value is k / 13 for an integer k, never within float32 error of a half,
 * so its rounding is exact here. The Gaussian's sums are taken in double precision over the
 * float32 weights, where torch sums in float32 in an order of its own: a sum within float32
 * error of a half can round the other way (the test states the tolerance).
 */
import { OptionError } from '@idxflow/core/errors'; // errors alone: a kernel imports no RxJS

const f32 = Math.fround;

/**
 * torchvision's `adjust_sharpness(img, factor)` from `src` into `dst` (bytes, or Float32
 * values in [0, 1]): 0 gives the smoothed image, 1 the image, above 1 sharpens. Images with a
 * side of 2 pixels or fewer are copied, as torchvision returns them unchanged.
 *
 * ## Example
 * ```ts
 * declare const image: Uint8Array, out: Uint8Array;
 * sharpenPixels(image, out, 28, 28, 2); // edges crisper
 * ```
 */
export function sharpenPixels(src: Uint8Array | Float32Array, dst: Uint8Array | Float32Array, width: number, height: number, factor: number): void {
  if (width <= 2 || height <= 2) {
    dst.set(src);
    return;
  }
  if (src instanceof Uint8Array) {
    sharpenBytes(src, dst, width, height, factor);
    return;
  }
  const bytes = false as boolean;
  const bound = bytes ? 255 : 1;
  const f = f32(factor);
  const g = f32(1 - factor);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const v = src[i];
      let blurred = v; // the border keeps its own value
      if (y > 0 && y < height - 1 && x > 0 && x < width - 1) {
        const sum = src[i - width - 1] + src[i - width] + src[i - width + 1] + src[i - 1] + 5 * v + src[i + 1] + src[i + width - 1] + src[i + width] + src[i + width + 1];
        blurred = bytes ? Math.round(sum / 13) : f32(sum / 13);
      }
      const mixed = f32(f32(f * v) + f32(g * blurred));
      const clamped = mixed > 0 ? (mixed < bound ? mixed : bound) : 0;
      dst[i] = bytes ? Math.trunc(clamped) : clamped;
    }
  }
}

/** round(k / 13) for every sum k of the sharpness kernel over bytes (k / 13 is never a half). */
const THIRTEENTHS = Uint8Array.from({ length: 13 * 255 + 1 }, (_, k) => Math.round(k / 13));
/** Scratch of sharpenBytes: f32(f * v) and f32((1 - f) * v) for every byte v. */
const SHARP_IMAGE = new Float64Array(256);
const SHARP_BLURRED = new Float64Array(256);

/**
 * sharpenPixels on bytes, the same float32 operations: the two products of `_blend` come from
 * tables of the 256 bytes, the blur's rounding from THIRTEENTHS, and a pixel whose 3 x 3
 * neighbourhood is all zeros gives 0 (f32(+-0 + +-0) clamps to 0) without them.
 */
function sharpenBytes(src: Uint8Array, dst: Uint8Array | Float32Array, width: number, height: number, factor: number): void {
  const f = f32(factor);
  const g = f32(1 - factor);
  for (let v = 0; v < 256; v++) {
    SHARP_IMAGE[v] = f32(f * v);
    SHARP_BLURRED[v] = f32(g * v);
  }
  const blend = (v: number, blurred: number): number => {
    const mixed = f32(SHARP_IMAGE[v] + SHARP_BLURRED[blurred]);
    return Math.trunc(mixed > 0 ? (mixed < 255 ? mixed : 255) : 0);
  };
  // the border keeps its own value as the blurred one
  for (let x = 0, last = (height - 1) * width; x < width; x++) {
    dst[x] = blend(src[x], src[x]);
    dst[last + x] = blend(src[last + x], src[last + x]);
  }
  for (let y = 1; y < height - 1; y++) {
    const row = y * width;
    dst[row] = blend(src[row], src[row]);
    dst[row + width - 1] = blend(src[row + width - 1], src[row + width - 1]);
    // the 3 x 3 sum as three column sums sliding along the row, plus 4 more of the centre
    let left = src[row - width] + src[row] + src[row + width];
    let middle = src[row - width + 1] + src[row + 1] + src[row + width + 1];
    for (let i = row + 1, end = row + width - 1; i < end; i++) {
      const v = src[i];
      const right = src[i - width + 1] + src[i + 1] + src[i + width + 1];
      const sum = left + middle + right + 4 * v;
      left = middle;
      middle = right;
      if (sum === 0) {
        dst[i] = 0;
        continue;
      }
      const mixed = f32(SHARP_IMAGE[v] + SHARP_BLURRED[THIRTEENTHS[sum]]);
      dst[i] = Math.trunc(mixed > 0 ? (mixed < 255 ? mixed : 255) : 0);
    }
  }
}

/**
 * torchvision's Gaussian kernel as float32 values (`_get_gaussian_kernel1d`): `size` weights
 * `exp(-0.5 (x / sigma)^2)` over x = -(size - 1) / 2 ... (size - 1) / 2, divided by their sum.
 *
 * ## Example
 * ```ts
 * gaussianKernel(3, 1, new Float64Array(3)); // [0.274, 0.452, 0.274]
 * ```
 */
export function gaussianKernel(size: number, sigma: number, out: Float64Array): Float64Array {
  const half = (size - 1) / 2;
  const s = f32(sigma);
  let sum = 0;
  for (let i = 0; i < size; i++) {
    const t = f32((i - half) / s);
    out[i] = f32(Math.exp(f32(-0.5 * f32(t * t))));
    sum += out[i];
  }
  const total = f32(sum);
  for (let i = 0; i < size; i++) out[i] = f32(out[i] / total);
  return out;
}

/** Scratch memory of `gaussianBlurPixels`, grown as needed and reused. */
export class BlurScratch {
  kernelX = new Float64Array(0);
  kernelY = new Float64Array(0);
  weights = new Float64Array(0);
  /** The source column (row) of each padded column (row): reflect padding as an index map. */
  columns = new Int32Array(0);
  rows = new Int32Array(0);
  /** Counts of non-zero pixels of the padded image above and left of each position (a summed-area table). */
  nonZero = new Int32Array(0);

  ensure(kernelX: number, kernelY: number, width: number, height: number): void {
    const area = (width + kernelX) * (height + kernelY);
    if (this.nonZero.length !== area) this.nonZero = new Int32Array(area);
    if (this.kernelX.length !== kernelX) this.kernelX = new Float64Array(kernelX);
    if (this.kernelY.length !== kernelY) this.kernelY = new Float64Array(kernelY);
    if (this.weights.length !== kernelX * kernelY) this.weights = new Float64Array(kernelX * kernelY);
    if (this.columns.length !== width + kernelX - 1) this.columns = new Int32Array(width + kernelX - 1);
    if (this.rows.length !== height + kernelY - 1) this.rows = new Int32Array(height + kernelY - 1);
  }
}

/** Index `i` of a line of `n` values padded by `pad` on each side, reflected (`torch.nn.functional.pad(mode='reflect')`). */
function reflectIndex(i: number, pad: number, n: number): number {
  const j = i - pad;
  return j < 0 ? -j : j >= n ? 2 * (n - 1) - j : j;
}

/** The summed-area table of the padded image's non-zero pixels: entry (py, px) counts those above py and left of px. */
function nonZeroTable(src: Uint8Array | Float32Array, columns: Int32Array, rows: Int32Array, table: Int32Array): Int32Array {
  const stride = columns.length + 1;
  table.fill(0, 0, stride);
  for (let py = 0; py < rows.length; py++) {
    const row = rows[py];
    let count = 0;
    table[(py + 1) * stride] = 0;
    for (let px = 0; px < columns.length; px++) {
      if (src[row + columns[px]] !== 0) count++;
      table[(py + 1) * stride + px + 1] = table[py * stride + px + 1] + count;
    }
  }
  return table;
}

/** `torch.round`: to nearest, a half to the even neighbour. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision's `gaussian_blur(img, [kernelX, kernelY], [sigma, sigma])` from `src` into `dst`
 * (bytes, rounded half to even, or Float32 values), with reflect padding. Each kernel size is
 * odd and at most `2 * side - 1` (reflect padding reaches at most one side back).
 *
 * ## Example
 * ```ts
 * declare const image: Uint8Array, out: Uint8Array;
 * gaussianBlurPixels(image, out, 28, 28, 5, 5, 1.2, new BlurScratch());
 * ```
 */
export function gaussianBlurPixels(
  src: Uint8Array | Float32Array,
  dst: Uint8Array | Float32Array,
  width: number,
  height: number,
  kernelX: number,
  kernelY: number,
  sigma: number,
  scratch: BlurScratch,
): void {
  const padX = (kernelX - 1) >> 1;
  const padY = (kernelY - 1) >> 1;
  if (padX >= width || padY >= height) {
    throw new OptionError(`Expected kernel sizes below twice the image's sides (${2 * width} x ${2 * height}) for blur but received ${kernelX} x ${kernelY}`);
  }
  scratch.ensure(kernelX, kernelY, width, height);
  const kx = gaussianKernel(kernelX, sigma, scratch.kernelX);
  const ky = gaussianKernel(kernelY, sigma, scratch.kernelY);
  const weights = scratch.weights;
  for (let r = 0; r < kernelY; r++) for (let c = 0; c < kernelX; c++) weights[r * kernelX + c] = f32(ky[r] * kx[c]);
  const { columns, rows } = scratch;
  for (let i = 0; i < columns.length; i++) columns[i] = reflectIndex(i, padX, width);
  for (let i = 0; i < rows.length; i++) rows[i] = reflectIndex(i, padY, height) * width;
  const bytes = dst instanceof Uint8Array;
  const nonZero = nonZeroTable(src, columns, rows, scratch.nonZero);
  const stride = columns.length + 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      // A window of zeros (most of a digit's background) sums to exactly 0, in torch too.
      const inside = nonZero[(y + kernelY) * stride + x + kernelX] - nonZero[y * stride + x + kernelX] - nonZero[(y + kernelY) * stride + x] + nonZero[y * stride + x];
      if (inside === 0) {
        dst[y * width + x] = 0;
        continue;
      }
      let sum = 0;
      for (let r = 0; r < kernelY; r++) {
        const row = rows[y + r];
        const w = r * kernelX;
        for (let c = 0; c < kernelX; c++) sum += weights[w + c] * src[row + columns[x + c]];
      }
      dst[y * width + x] = bytes ? Math.min(255, Math.max(0, roundHalfEven(sum))) : f32(sum);
    }
  }
}
