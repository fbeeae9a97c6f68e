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
 * Gaussian, and float32 rounding.
 *
 * The draws and the smoothing run in WebAssembly SIMD (elastic.wat, four columns per f32x4),
 * several times faster than scalar JavaScript (docs/benchmarks.md has the figures).
 * The arithmetic is float32 (coefficients rounded from double), which adds about 1e-6 of the
 * field's peak, a thousandth of Deriche's own error. It is deterministic: standard SIMD only,
 * no FMA, no relaxed SIMD, every operation IEEE-rounded in a fixed order, so every machine gives
 * the same bits. The module is instantiated once per thread, synchronously, on first use.
 */
import { ELASTIC_WASM } from './elastic.wasm.js';
import { dericheCoefficients } from './gaussian.js';
import { instantiateKernel, WASM_PAGE, type WasmMemory } from './wasm.js';
import { OptionError } from '@idxflow/core/errors'; // errors alone: a kernel imports no RxJS

/**
 * Documented bound on the smoothing error: for sigma 4 on 28 x 28 fields of uniform(-1, 1)
 * draws, the largest absolute difference from an exact zero-padded Gaussian convolution
 * (scipy.ndimage.gaussian_filter(mode='constant', truncate=8), which the test's direct sum
 * matches to 1e-16) is at most this fraction of the exact field's largest absolute value.
 * Measured worst (float32 WebAssembly kernel): 1.51e-3 over 2000 fields at sigma 4 (seeds 1 to
 * 1000 of the test's draws); over 400 fields each, 1.0e-3 to 1.2e-3 at sigma 0.5 to 3, 2.2e-3
 * at 6, 2.9e-3 at 8, 4.5e-3 at 12 (where the zero border shrinks the field's peak). The former
 * double-precision recursion gives the same figures to 3 digits (they move by 1.4e-6 at most):
 * against that recursion in double precision the float32 kernel is within 3.4e-7 of alpha on
 * fields of 1 x 1 to 30 x 29 and sigma 0.5 to 32 (the test asserts 1e-6), 7.6e-7 of the peak
 * at 28 x 28 and sigma 4.
 * In 1-D, the impulse response is within 4e-4 of the Gaussian's peak at every sigma from 0.5
 * to 32, and its variance is 0.4% short of sigma^2. test/transforms/kernels/elastic.test.ts
 * asserts the bound (and 3e-3 at sigma 1, 2 and 8).
 */
export const ELASTIC_MAX_RELATIVE_ERROR = 2e-3;

/**
 * Fills `dx` and `dy` with an elastic displacement field (Simard et al. 2003): uniform(-1, 1)
 * draws, Gaussian-smoothed with `sigma`, times `alpha` pixels. Draw i gives dx[i] for
 * i < width * height and dy[i - width * height] after that; with a stream key the draws are
 * @idxflow/core's `randomUniform(key, i)`, made in WebAssembly, so the field depends on nothing
 * but the key: for augmentation, `streamKey(seed, RandomStage.elastic, epoch, index)`.
 *
 * Smoothing costs the same for every sigma (a recursive filter, not a kernel of 8 sigma taps);
 * at sigma 4 it is within ELASTIC_MAX_RELATIVE_ERROR of the field's peak. Alpha 0 gives exact
 * zeros (and draws nothing); the field is linear in alpha up to float32 rounding.
 *
 * @param dx Horizontal displacements out, `width * height`.
 * @param dy Vertical displacements out, `width * height`.
 * @param width Field width (the image's).
 * @param height Field height.
 * @param alpha Scale in pixels (Simard et al. use 34 for MNIST); >= 0.
 * @param sigma Gaussian standard deviation in pixels (Simard et al.: 4); > 0.
 * @param draws A stream key (unsigned 32-bit, from `streamKey`): draw i is `randomUniform(key, i)`,
 *   the fast path. Or a function giving draw i, uniform on [0, 1), for i = 0 .. 2 * width * height - 1.
 *
 * ## Example
 * ```ts
 * const dx = new Float32Array(784), dy = new Float32Array(784);
 * elasticField(dx, dy, 28, 28, 34, 4, streamKey(42, RandomStage.elastic, 0, 7));
 * elasticField(dx, dy, 28, 28, 34, 4, () => Math.random());
 * ```
 */
export function elasticField(
  dx: Float32Array,
  dy: Float32Array,
  width: number,
  height: number,
  alpha: number,
  sigma: number,
  draws: number | ((i: number) => number),
): void {
  checkArguments(dx, dy, width, height, alpha, sigma, draws);
  if (alpha === 0) {
    dx.fill(0, 0, width * height);
    dy.fill(0, 0, width * height);
    return;
  }
  (kernel ??= new ElasticKernel()).field(dx, dy, width, height, alpha, sigma, draws);
}

/** Validation apart, so `elasticField` stays small enough for V8 to inline it into its caller. */
function checkArguments(dx: Float32Array, dy: Float32Array, width: number, height: number, alpha: number, sigma: number, draws: unknown): void {
  if (!(Number.isInteger(width) && width > 0)) throw new OptionError(`Expected positive integer for width but received ${width} of type ${typeof width}`);
  if (!(Number.isInteger(height) && height > 0)) throw new OptionError(`Expected positive integer for height but received ${height} of type ${typeof height}`);
  if (!(alpha >= 0 && alpha < Infinity)) throw new OptionError(`Expected non-negative finite number for alpha but received ${alpha} of type ${typeof alpha}`);
  if (!(sigma > 0 && sigma < Infinity)) throw new OptionError(`Expected positive finite number for sigma but received ${sigma} of type ${typeof sigma}`);
  const size = width * height;
  if (dx.length < size || dy.length < size) throw new OptionError(`Expected at least ${size} values for dx and dy but received ${dx.length} and ${dy.length}`);
  if (typeof draws === 'number' ? !(Number.isInteger(draws) && draws >= 0 && draws <= 0xffffffff) : typeof draws !== 'function') {
    throw new OptionError(`Expected unsigned 32-bit stream key or function for draws but received ${String(draws)} of type ${typeof draws}`);
  }
}

/** What elastic.wat exports. */
interface ElasticExports {
  memory: WasmMemory;
  draw(out: number, key: number, width: number, rows: number, cols: number, base: number): void;
  smooth(width: number, height: number, first: number, second: number, line: number, tx: number, ty: number, fx: number, fy: number): void;
}

// Byte offsets in the kernel's memory: the x-pass coefficients (12 vectors), the y-pass ones
// (numerators times alpha, so the gain costs nothing), the causal sums of one group of four
// columns (16 bytes a row), then the fields (see ElasticKernel.layout).
const FIRST = 0;
const SECOND = 192;
const LINE = 384;

/** This thread's instance of elastic.wat, with the layout for the last field size and the coefficients for the last alpha and sigma. */
let kernel: ElasticKernel | undefined;

class ElasticKernel {
  private readonly wasm: ElasticExports;
  private floats: Float32Array;
  private width = 0;
  private height = 0;
  private alpha = Number.NaN;
  private sigma = Number.NaN;
  /** Padded width and height: rows of the drawn (transposed) fields, and their length. */
  private rows = 0;
  private cols = 0;
  private tx = 0;
  private ty = 0;
  private fx = 0;
  private fy = 0;
  private outX = new Float32Array(0);
  private outY = new Float32Array(0);

  constructor() {
    this.wasm = instantiateKernel<ElasticExports>(ELASTIC_WASM);
    this.floats = new Float32Array(this.wasm.memory.buffer);
  }

  field(dx: Float32Array, dy: Float32Array, width: number, height: number, alpha: number, sigma: number, draws: number | ((i: number) => number)): void {
    if (width !== this.width || height !== this.height) this.layout(width, height);
    if (alpha !== this.alpha || sigma !== this.sigma) this.coefficients(alpha, sigma);
    const size = width * height;
    if (typeof draws === 'number') {
      this.wasm.draw(this.tx, draws, width, this.rows, this.cols, 0);
      this.wasm.draw(this.ty, draws, width, this.rows, this.cols, size);
    } else {
      this.drawWith(draws, width, height);
    }
    this.wasm.smooth(width, height, FIRST, SECOND, LINE, this.tx, this.ty, this.fx, this.fy);
    dx.set(this.outX);
    dy.set(this.outY);
  }

  /** The fields: drawn transposed at tx and ty, smoothed row-major into fx and fy. */
  private layout(width: number, height: number): void {
    this.rows = (width + 3) & ~3;
    this.cols = (height + 3) & ~3;
    const area = 4 * this.rows * this.cols;
    this.tx = LINE + 16 * Math.max(this.rows, this.cols);
    this.ty = this.tx + area;
    this.fx = this.ty + area;
    this.fy = this.fx + area;
    const need = this.fy + area;
    const memory = this.wasm.memory;
    if (need > memory.buffer.byteLength) memory.grow(Math.ceil((need - memory.buffer.byteLength) / WASM_PAGE));
    this.floats = new Float32Array(memory.buffer);
    this.outX = new Float32Array(memory.buffer, this.fx, width * height);
    this.outY = new Float32Array(memory.buffer, this.fy, width * height);
    this.width = width;
    this.height = height;
  }

  /** Each coefficient four times (one f32x4); the y pass's numerators times alpha. */
  private coefficients(alpha: number, sigma: number): void {
    const c = dericheCoefficients(sigma);
    for (let k = 0; k < 12; k++) {
      const numerator = k % 6 < 4;
      this.floats.fill(c[k], FIRST / 4 + 4 * k, FIRST / 4 + 4 * k + 4);
      this.floats.fill(numerator ? c[k] * alpha : c[k], SECOND / 4 + 4 * k, SECOND / 4 + 4 * k + 4);
    }
    this.alpha = alpha;
    this.sigma = sigma;
  }

  /** Draws from a function, written transposed as `draw` writes them. */
  private drawWith(random: (i: number) => number, width: number, height: number): void {
    const floats = this.floats;
    const size = width * height;
    const cols = this.cols;
    const tx = this.tx / 4;
    const ty = this.ty / 4;
    for (let y = 0, i = 0; y < height; y++) {
      for (let x = 0; x < width; x++, i++) {
        floats[tx + x * cols + y] = 2 * random(i) - 1;
        floats[ty + x * cols + y] = 2 * random(size + i) - 1;
      }
    }
  }
}
