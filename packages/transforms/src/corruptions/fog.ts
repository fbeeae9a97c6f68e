// fog (a plasma fractal added and the range rescaled) and spatter (blobs of mud from blurred,
// thresholded noise).
import type { SampleStream } from './draws.js';
import { smooth } from './gaussian.js';
import { byteOf } from './pixels.js';

export const PLASMA_SIDE = 256;

/**
 * A 256 x 256 diamond-square height map in [0, 1] (the recipe's plasma_fractal): each midpoint
 * the mean of its four neighbours (wrapping around) plus wibble * U(-wibble, wibble), wibble
 * starting at 100 and divided by `decay` per level. Draws: squares then diamonds (the row-edge
 * points, then the column-edge points) per level, row-major.
 */
export function plasmaFractal(map: Float64Array, decay: number, draws: SampleStream): void {
  const n = PLASMA_SIDE;
  const mask = n - 1; // n is a power of two: & mask wraps around
  map.fill(0);
  let wibble = 100;
  for (let step = n; step >= 2; step >>= 1) {
    const half = step >> 1;
    const low = -wibble * wibble;
    const span = 2 * wibble * wibble;
    // Squares: the four corners around each midpoint.
    for (let r = half; r < n; r += step) {
      const up = ((r - half) & mask) * n;
      const down = ((r + half) & mask) * n;
      for (let c = half; c < n; c += step) {
        const left = (c - half) & mask;
        const right = (c + half) & mask;
        map[r * n + c] = (map[up + left] + map[down + left] + map[up + right] + map[down + right]) / 4 + low + span * draws.uniform();
      }
    }
    // Diamonds on the grid's rows: the midpoints above and below, the corners left and right.
    for (let r = 0; r < n; r += step) {
      const up = ((r - half) & mask) * n;
      const down = ((r + half) & mask) * n;
      for (let c = half; c < n; c += step) map[r * n + c] = (map[down + c] + map[up + c] + map[r * n + ((c - half) & mask)] + map[r * n + ((c + half) & mask)]) / 4 + low + span * draws.uniform();
    }
    // Diamonds on the grid's columns: the midpoints left and right, the corners above and below.
    for (let r = half; r < n; r += step) {
      const up = ((r - half) & mask) * n;
      const down = ((r + half) & mask) * n;
      for (let c = 0; c < n; c += step) map[r * n + c] = (map[r * n + ((c + half) & mask)] + map[r * n + ((c - half) & mask)] + map[up + c] + map[down + c]) / 4 + low + span * draws.uniform();
    }
    wibble /= decay;
  }
  let min = Infinity;
  for (let i = 0; i < map.length; i++) if (map[i] < min) min = map[i];
  let max = -Infinity;
  for (let i = 0; i < map.length; i++) {
    const v = (map[i] -= min);
    if (v > max) max = v;
  }
  for (let i = 0; i < map.length; i++) map[i] /= max;
}

/** Fog: x + c fractal, rescaled by max / (max + c) so the brightest digit pixel keeps its place. */
export function fog(src: Uint8Array, dst: Uint8Array, width: number, height: number, params: readonly number[], draws: SampleStream, map: Float64Array): void {
  const [c, decay] = params;
  plasmaFractal(map, decay, draws);
  let max = 0;
  for (let i = 0; i < src.length; i++) max = Math.max(max, src[i] / 255);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = ((src[y * width + x] / 255 + c * map[y * PLASMA_SIDE + x]) * max) / (max + c);
      dst[y * width + x] = byteOf(Math.min(Math.max(v, 0), 1));
    }
  }
}

/**
 * Spatter: liquid = N(mean, spread^2) per pixel, blurred by `blur`, kept above `threshold`; the
 * mask of it blurred by `mudBlur` and kept from 0.8 up; where the mask is, the pixel becomes
 * mud of value 63 / 255: x (1 - m) + 63 / 255 m.
 */
export function spatter(src: Uint8Array, dst: Uint8Array, width: number, height: number, params: readonly number[], draws: SampleStream, liquid: Float64Array, mask: Float64Array, line: Float64Array): void {
  const [mean, spread, blur, threshold, mudBlur] = params;
  const size = width * height;
  for (let i = 0; i < size; i++) liquid[i] = mean + spread * draws.normal();
  smooth(liquid, width, height, blur, line);
  for (let i = 0; i < size; i++) mask[i] = liquid[i] > threshold ? 1 : 0;
  smooth(mask, width, height, mudBlur, line);
  for (let i = 0; i < size; i++) {
    const m = mask[i] < 0.8 ? 0 : mask[i];
    dst[i] = byteOf(Math.min(Math.max((src[i] / 255) * (1 - m) + (63 / 255) * m, 0), 1));
  }
}
