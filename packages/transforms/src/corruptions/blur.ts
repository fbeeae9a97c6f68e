// The blur corruptions: Gaussian blur, glass blur and motion blur.
import type { SampleStream } from './draws.js';
import { smoothAxis } from './gaussian.js';
import { byteOf } from './pixels.js';

/**
 * Gaussian blur as the recipe calls it, `gaussian(x, sigma, multichannel=True)` on a 2-D
 * image: skimage then takes the last axis for colour channels, so the blur runs down the
 * columns only (vertically), with the edge repeated. Faithful to the released data; a blur of
 * both axes would be another corruption.
 */
export function gaussianBlur(src: Uint8Array, dst: Uint8Array, width: number, height: number, sigma: number, unit: Float64Array, line: Float64Array): void {
  for (let i = 0; i < src.length; i++) unit[i] = src[i] / 255;
  smoothAxis(unit, width, height, sigma, 0, 'nearest', line);
  for (let i = 0; i < src.length; i++) dst[i] = byteOf(Math.min(Math.max(unit[i], 0), 1));
}

/**
 * Glass blur: the vertical blur above, stored as bytes (truncated), then `passes` sweeps from
 * the bottom-right corner in which each pixel at least `delta` from the border swaps, with
 * chance 1/2, with the pixel (dx, dy) away, dx and dy in [-delta, delta); then the blur again.
 */
export function glassBlur(src: Uint8Array, dst: Uint8Array, width: number, height: number, params: readonly number[], draws: SampleStream, unit: Float64Array, line: Float64Array): void {
  const [sigma, delta, passes] = params;
  for (let i = 0; i < src.length; i++) unit[i] = src[i] / 255;
  smoothAxis(unit, width, height, sigma, 0, 'nearest', line);
  for (let i = 0; i < src.length; i++) dst[i] = Math.floor(unit[i] * 255); // np.uint8(): truncation
  for (let pass = 0; pass < passes; pass++) {
    for (let h = height - delta; h > delta; h--) {
      for (let w = width - delta; w > delta; w--) {
        if (draws.uniform() >= 0.5) continue;
        const dx = draws.integer(-delta, delta);
        const dy = draws.integer(-delta, delta);
        const a = h * width + w;
        const b = (h + dy) * width + (w + dx);
        const t = dst[a];
        dst[a] = dst[b];
        dst[b] = t;
      }
    }
  }
  gaussianBlur(dst, dst, width, height, sigma, unit, line);
}

/**
 * Motion blur as ImageMagick's MotionBlurImage computes it: a one-sided Gaussian of `sigma`
 * over 2 ceil(radius) + 1 taps, tap i at (round(i cos a), round(i sin a)) from the pixel, the
 * edge repeated beyond the border; the angle drawn uniformly in [-45, 45) degrees.
 */
export function motionBlur(src: Uint8Array, dst: Uint8Array, width: number, height: number, params: readonly number[], draws: SampleStream): void {
  const [radius, sigma] = params;
  const angle = (draws.between(-45, 45) * Math.PI) / 180;
  const taps = 2 * Math.ceil(radius) + 1;
  let total = 0;
  const weights: number[] = [];
  for (let i = 0; i < taps; i++) total += weights[i] = Math.exp(-(i * i) / (2 * sigma * sigma));
  const ox = weights.map((_, i) => Math.ceil(i * Math.cos(angle) - 0.5));
  const oy = weights.map((_, i) => Math.ceil(i * Math.sin(angle) - 0.5));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let sum = 0;
      for (let i = 0; i < taps; i++) {
        const sx = Math.min(Math.max(x + ox[i], 0), width - 1);
        const sy = Math.min(Math.max(y + oy[i], 0), height - 1);
        sum += weights[i] * src[sy * width + sx];
      }
      dst[y * width + x] = Math.min(255, Math.round(sum / total));
    }
  }
}
