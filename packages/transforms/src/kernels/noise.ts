// Additive Gaussian noise from uniform draws the caller supplies (its own counter-based stream,
// so the noise depends on nothing but the sample's key).
import { OptionError } from '@idxflow/core/errors'; // errors alone: a kernel imports no RxJS

const TWO_PI = 2 * Math.PI;

/**
 * Adds `sigma * z` to every pixel, `z` standard normal (Box-Muller: uniforms 2k and 2k + 1 give
 * the normals of pixels 2k and 2k + 1), and clamps to the pixel range: bytes to [0, 255],
 * rounded to nearest (ties up); Float32 to [0, 1].
 *
 * @param pixels Pixels, changed in place.
 * @param sigma Standard deviation in pixel units (e.g. 0.1 * 255 for bytes).
 * @param uniforms At least `pixels.length` rounded up to even draws, each uniform on [0, 1).
 *
 * ## Example
 * ```ts
 * const image = new Float32Array(28 * 28);
 * const u = Float64Array.from({ length: 784 }, () => Math.random());
 * addGaussianNoise(image, 0.1 * 255, u);
 * ```
 */
export function addGaussianNoise(pixels: Uint8Array | Float32Array, sigma: number, uniforms: ArrayLike<number>): void {
  const n = pixels.length;
  if (uniforms.length < n + (n & 1)) throw new OptionError(`Expected at least ${n + (n & 1)} uniforms but received ${uniforms.length}`);
  const bytes = pixels instanceof Uint8Array;
  const high = bytes ? 255 : 1;
  for (let i = 0; i < n; i += 2) {
    const radius = sigma * Math.sqrt(-2 * Math.log(1 - uniforms[i])); // 1 - u is in (0, 1]: no log(0)
    const angle = TWO_PI * uniforms[i + 1];
    pixels[i] = clamped(pixels[i] + radius * Math.cos(angle), high, bytes);
    if (i + 1 < n) pixels[i + 1] = clamped(pixels[i + 1] + radius * Math.sin(angle), high, bytes);
  }
}

function clamped(v: number, high: number, bytes: boolean): number {
  const x = v > 0 ? (v < high ? v : high) : 0;
  return bytes ? x + 0.5 : x; // the byte store truncates: x + 0.5 rounds half up
}
