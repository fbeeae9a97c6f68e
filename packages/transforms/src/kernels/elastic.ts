/*
 * Elastic distortion fields after Simard, Steinkraus and Platt, "Best practices for
 * convolutional neural networks applied to visual document analysis" (ICDAR 2003), section 2:
 * a random field uniform in (-1, 1) per pixel for x and for y, convolved with a Gaussian of
 * standard deviation sigma, scaled by alpha pixels. `warpResample` adds it to the sampling
 * position.
 *
 * The smoothing is Deriche's recursive Gaussian (gaussian.ts): constant work per pixel for any
 * sigma, with zero outside the field, as scipy.ndimage.gaussian_filter(mode='constant') in the
 * usual MNIST elastic code. The zero boundary is exact; the only error is Deriche's fit of the
 * Gaussian.
 */
import { recursiveGaussian } from './gaussian.js';

/**
 * Documented bound on the smoothing error: for sigma 4 on 28 x 28 fields of uniform(-1, 1)
 * draws, the largest absolute difference from an exact zero-padded Gaussian convolution
 * (scipy.ndimage.gaussian_filter(mode='constant', truncate=8), which the test's direct sum
 * matches to 1e-16) is at most this fraction of the exact field's largest absolute value.
 * Measured worst: 1.5e-3 over 2000 fields at sigma 4; 1.0e-3 to 1.2e-3 at sigma 0.5 to 3,
 * 1.8e-3 at 6, 2.2e-3 at 8, 4.8e-3 at 12 (where the zero border shrinks the field's peak).
 * In 1-D, the impulse response is within 4e-4 of the Gaussian's peak at every sigma from 0.5
 * to 32, and its variance is 0.4% short of sigma^2. test/transforms/kernels/elastic.test.ts
 * asserts the bound (and 3e-3 at sigma 1, 2 and 8).
 */
export const ELASTIC_MAX_RELATIVE_ERROR = 2e-3;

/**
 * Length of the scratch buffer `elasticField` needs for a `width` x `height` field: one line,
 * `max(width, height)`. Float64Array keeps the recursion in double precision; Float32Array
 * works too (it adds about 1e-7 relative rounding).
 *
 * ## Example
 * ```ts
 * const scratch = new Float64Array(elasticScratchSize(28, 28)); // 28
 * ```
 */
export function elasticScratchSize(width: number, height: number): number {
  return Math.max(width, height);
}

/**
 * Fills `dx` and `dy` with an elastic displacement field (Simard et al. 2003): uniform(-1, 1)
 * draws, Gaussian-smoothed with `sigma`, times `alpha` pixels. The draws come from `random`,
 * a function of the draw's number only, so the field depends on nothing but the generator's
 * key: draw i gives dx[i] for i < width * height and dy[i - width * height] after that.
 *
 * Smoothing costs the same for every sigma (a recursive filter, not a kernel of 8 sigma taps);
 * at sigma 4 it is within ELASTIC_MAX_RELATIVE_ERROR of the field's peak. Alpha 0 gives exact
 * zeros (and draws nothing); the field is linear in alpha.
 *
 * @param dx Horizontal displacements out, `width * height`.
 * @param dy Vertical displacements out, `width * height`.
 * @param width Field width (the image's).
 * @param height Field height.
 * @param alpha Scale in pixels (Simard et al. use 34 for MNIST); >= 0.
 * @param sigma Gaussian standard deviation in pixels (Simard et al.: 4); > 0.
 * @param random Uniform on [0, 1) for draw i, i = 0 .. 2 * width * height - 1.
 * @param scratch At least `elasticScratchSize(width, height)` entries; reused, not kept.
 *
 * ## Example
 * ```ts
 * const dx = new Float32Array(784), dy = new Float32Array(784);
 * const scratch = new Float64Array(elasticScratchSize(28, 28));
 * elasticField(dx, dy, 28, 28, 34, 4, () => Math.random(), scratch);
 * ```
 */
export function elasticField(
  dx: Float32Array,
  dy: Float32Array,
  width: number,
  height: number,
  alpha: number,
  sigma: number,
  random: (i: number) => number,
  scratch: Float32Array | Float64Array,
): void {
  const size = width * height;
  checkArguments(dx, dy, width, height, alpha, sigma, scratch);
  if (alpha === 0) {
    dx.fill(0, 0, size);
    dy.fill(0, 0, size);
    return;
  }
  drawUniform(dx, dy, size, random);
  recursiveGaussian(dx, width, height, sigma, alpha, scratch);
  recursiveGaussian(dy, width, height, sigma, alpha, scratch);
}

/** Validation apart, so `elasticField` stays small enough for V8 to inline it into its caller. */
function checkArguments(dx: Float32Array, dy: Float32Array, width: number, height: number, alpha: number, sigma: number, scratch: Float32Array | Float64Array): void {
  if (!(Number.isInteger(width) && width > 0)) throw new RangeError(`Expected positive integer for width but received ${width} of type ${typeof width}`);
  if (!(Number.isInteger(height) && height > 0)) throw new RangeError(`Expected positive integer for height but received ${height} of type ${typeof height}`);
  if (!(alpha >= 0 && alpha < Infinity)) throw new RangeError(`Expected non-negative finite number for alpha but received ${alpha} of type ${typeof alpha}`);
  if (!(sigma > 0 && sigma < Infinity)) throw new RangeError(`Expected positive finite number for sigma but received ${sigma} of type ${typeof sigma}`);
  const size = width * height;
  if (dx.length < size || dy.length < size) throw new RangeError(`Expected at least ${size} values for dx and dy but received ${dx.length} and ${dy.length}`);
  const need = elasticScratchSize(width, height);
  if (scratch.length < need) throw new RangeError(`Expected at least ${need} entries for scratch but received ${scratch.length}`);
}

/** Uniform(-1, 1) draws: dx from draws 0 .. size - 1, dy from the next size. */
function drawUniform(dx: Float32Array, dy: Float32Array, size: number, random: (i: number) => number): void {
  for (let i = 0; i < size; i++) {
    dx[i] = 2 * random(i) - 1;
    dy[i] = 2 * random(size + i) - 1;
  }
}
