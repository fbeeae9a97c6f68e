// canny_edges: skimage.feature.canny with its defaults (sigma 1, thresholds 0.1 and 0.2 of the
// full range), on x / 255, as skimage 0.19 computes it: Gaussian smoothing with 0 beyond the
// border, divided by the smoothing of ones; Sobel gradients; non-maximum suppression along the
// gradient, interpolated between the two neighbours it falls between; hysteresis over
// 8-connected pixels. Edges are 255, the rest 0.
import { smooth } from './gaussian.js';

/** Scratch of one image size. */
export class CannyScratch {
  smoothed = new Float64Array(0);
  ones = new Float64Array(0);
  gx = new Float64Array(0);
  gy = new Float64Array(0);
  magnitude = new Float64Array(0);
  maxima = new Uint8Array(0);
  stack = new Int32Array(0);
  line = new Float64Array(0);

  ensure(size: number, side: number): void {
    if (this.smoothed.length === size && this.line.length === side) return;
    for (const name of ['smoothed', 'ones', 'gx', 'gy', 'magnitude'] as const) this[name] = new Float64Array(size);
    this.maxima = new Uint8Array(size);
    this.stack = new Int32Array(size);
    this.line = new Float64Array(side);
  }
}

const LOW = 0.1;
const HIGH = 0.2;

/** scipy's 'reflect' index: -1 is 0, n is n - 1. */
const reflect = (i: number, n: number): number => (i < 0 ? -i - 1 : i >= n ? 2 * n - i - 1 : i);

/** Sobel of `s`: gx along the rows (axis 1, scipy's [-1, 0, 1] times [1, 2, 1] down), gy down the columns. */
function sobel(s: Float64Array, width: number, height: number, gx: Float64Array, gy: Float64Array): void {
  for (let y = 0; y < height; y++) {
    const up = reflect(y - 1, height) * width, mid = y * width, down = reflect(y + 1, height) * width;
    for (let x = 0; x < width; x++) {
      const l = reflect(x - 1, width), r = reflect(x + 1, width);
      gx[mid + x] = s[up + r] - s[up + l] + 2 * (s[mid + r] - s[mid + l]) + (s[down + r] - s[down + l]);
      gy[mid + x] = s[down + l] - s[up + l] + 2 * (s[down + x] - s[up + x]) + (s[down + r] - s[up + r]);
    }
  }
}

/**
 * Whether (x, y) is a local maximum along its gradient, the four cases of skimage's
 * `_get_local_maxima` in its order (a later case decides a pixel that two cases claim).
 */
function isMaximum(m: Float64Array, gx: Float64Array, gy: Float64Array, width: number, i: number): boolean {
  const ax = Math.abs(gx[i]), ay = Math.abs(gy[i]);
  const up = gy[i] >= 0, down = gy[i] <= 0, right = gx[i] >= 0, left = gx[i] <= 0;
  const horizontal = ay >= ax, vertical = ay <= ax;
  const w = width;
  const test = (w1: number, p1: number, p2: number, q1: number, q2: number): boolean =>
    m[p2] * w1 + m[p1] * (1 - w1) <= m[i] && m[q2] * w1 + m[q1] * (1 - w1) <= m[i];
  let result: boolean | undefined;
  const diagonal = (up && right) || (down && left);
  const anti = (down && right) || (up && left);
  if (diagonal && horizontal) result = test(ax / ay, i + w, i + w + 1, i - w, i - w - 1);
  if (diagonal && vertical) result = test(ay / ax, i + 1, i + w + 1, i - 1, i - w - 1);
  if (anti && vertical) result = test(ay / ax, i + 1, i - w + 1, i - 1, i + w - 1);
  if (anti && horizontal) result = test(ax / ay, i - w, i - w + 1, i + w, i + w - 1);
  return result === true;
}

/** The Canny edges of `src` into `dst` (255 on an edge, else 0). */
export function cannyEdges(src: Uint8Array, dst: Uint8Array, width: number, height: number, scratch: CannyScratch): void {
  const size = width * height;
  scratch.ensure(size, Math.max(width, height));
  const { smoothed, ones, gx, gy, magnitude, maxima, stack, line } = scratch;
  for (let i = 0; i < size; i++) {
    smoothed[i] = src[i] / 255;
    ones[i] = 1;
  }
  smooth(smoothed, width, height, 1, line, 'constant');
  smooth(ones, width, height, 1, line, 'constant');
  for (let i = 0; i < size; i++) smoothed[i] /= ones[i] + Number.EPSILON;
  sobel(smoothed, width, height, gx, gy);
  for (let i = 0; i < size; i++) magnitude[i] = Math.hypot(gx[i], gy[i]);
  maxima.fill(0);
  dst.fill(0);
  // Border pixels are never edges (skimage erodes the mask by one pixel).
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      if (magnitude[i] > 0 && magnitude[i] >= LOW && isMaximum(magnitude, gx, gy, width, i)) maxima[i] = 1;
    }
  }
  // Hysteresis: the 8-connected groups of weak maxima that hold a strong one.
  let top = 0;
  for (let i = 0; i < size; i++) {
    if (maxima[i] === 1 && magnitude[i] >= HIGH) {
      dst[i] = 255;
      stack[top++] = i;
    }
  }
  while (top > 0) {
    const i = stack[--top];
    const x = i % width, y = (i - x) / width;
    for (let ny = Math.max(y - 1, 0); ny <= Math.min(y + 1, height - 1); ny++) {
      for (let nx = Math.max(x - 1, 0); nx <= Math.min(x + 1, width - 1); nx++) {
        const j = ny * width + nx;
        if (maxima[j] === 1 && dst[j] === 0) {
          dst[j] = 255;
          stack[top++] = j;
        }
      }
    }
  }
}
