// Slow, obviously-correct references for the kernel tests. Written from the definitions
// (no stepping, no snapping, no shortcuts) and sharing no code with the kernels.

/** Pixel (x, y) of a row-major image, or `fill` outside it. */
export function pixel(src: ArrayLike<number>, width: number, height: number, x: number, y: number, fill: number): number {
  return x >= 0 && y >= 0 && x < width && y < height ? src[y * width + x] : fill;
}

/** Bilinear sample with the textbook weights (1 - fx)(1 - fy) ...; outside pixels are `fill`. */
export function bilinear(src: ArrayLike<number>, width: number, height: number, sx: number, sy: number, fill: number): number {
  const x0 = Math.floor(sx);
  const y0 = Math.floor(sy);
  const fx = sx - x0;
  const fy = sy - y0;
  return (
    pixel(src, width, height, x0, y0, fill) * (1 - fx) * (1 - fy) +
    pixel(src, width, height, x0 + 1, y0, fill) * fx * (1 - fy) +
    pixel(src, width, height, x0, y0 + 1, fill) * (1 - fx) * fy +
    pixel(src, width, height, x0 + 1, y0 + 1, fill) * fx * fy
  );
}

/** Resamples with a per-pixel map from output (x, y) to input position: the definition. */
export function referenceWarp(
  src: ArrayLike<number>,
  width: number,
  height: number,
  toSource: (x: number, y: number, i: number) => [number, number],
  fill: number,
): Float64Array {
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const [sx, sy] = toSource(x, y, y * width + x);
      out[y * width + x] = bilinear(src, width, height, sx, sy, fill);
    }
  }
  return out;
}

/**
 * Where output (x, y) samples for a counter-clockwise (as displayed) rotation by `degrees`
 * about the centre. On screen y points down, so turning the digit counter-clockwise by t moves
 * an offset (u, v) to (u cos t + v sin t, -u sin t + v cos t); the output samples the inverse,
 * the offset turned by -t: (u cos t - v sin t, u sin t + v cos t).
 */
export function rotationSource(width: number, height: number, degrees: number): (x: number, y: number) => [number, number] {
  const t = (degrees * Math.PI) / 180;
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  return (x, y) => {
    const u = x - cx;
    const v = y - cy;
    return [cx + Math.cos(t) * u - Math.sin(t) * v, cy + Math.sin(t) * u + Math.cos(t) * v];
  };
}

/**
 * Exact Gaussian smoothing of a `width` x `height` field with zero outside (scipy's
 * gaussian_filter with mode='constant'): the sampled kernel, truncated at `truncate` sigma and
 * normalised to unit sum as scipy does, applied along x then y by direct summation.
 */
export function exactGaussian(u: ArrayLike<number>, width: number, height: number, sigma: number, truncate = 8): Float64Array {
  const r = Math.ceil(truncate * sigma);
  const taps = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const total = taps.reduce((a, b) => a + b, 0);
  const k = taps.map((t) => t / total);
  const rows = new Float64Array(width * height);
  const out = new Float64Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let j = -r; j <= r; j++) if (x + j >= 0 && x + j < width) s += k[j + r] * u[y * width + x + j];
      rows[y * width + x] = s;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let j = -r; j <= r; j++) if (y + j >= 0 && y + j < height) s += k[j + r] * rows[(y + j) * width + x];
      out[y * width + x] = s;
    }
  }
  return out;
}

/** Uniform draws on [0, 1) from a Park-Miller generator, independent of idxflow's rng. */
export function uniformDraws(n: number, seed: number): Float64Array {
  const out = new Float64Array(n);
  let s = (seed % 2147483646) + 1;
  for (let i = 0; i < n; i++) {
    s = (s * 16807) % 2147483647;
    out[i] = (s - 1) / 2147483646;
  }
  return out;
}

/** Deriche (1993), fourth order: (A, B, b, w) of each damped cosine term, typed in again here. */
const DERICHE = [
  [1.68, 3.735, 1.783, 0.6318],
  [-0.6803, -0.2598, 1.723, 1.997],
];

/** Deriche's one-sided kernel at n >= 0, unscaled: sum of exp(-b n / s) (A cos(w n / s) + B sin(w n / s)). */
export function dericheTap(n: number, sigma: number): number {
  return DERICHE.reduce((s, [A, B, b, w]) => s + Math.exp((-b * n) / sigma) * (A * Math.cos((w * n) / sigma) + B * Math.sin((w * n) / sigma)), 0);
}

/**
 * Deriche's recursive Gaussian (zero outside) written out plainly in double precision, along
 * x then along y. Per line and term, the causal recursion y[i] = n0 x[i] + n1 x[i-1] - d1 y[i-1]
 * - d2 y[i-2] (the z-transform of r^n (A cos nθ + B sin nθ)) runs forwards and, on its own,
 * backwards; the symmetric kernel is the sum of the two less the centre tap counted twice,
 * n0 x[i]. Scaled by the sum of the two-sided kernel, summed tap by tap.
 */
export function dericheRecursive(u: ArrayLike<number>, width: number, height: number, sigma: number): Float64Array {
  let total = dericheTap(0, sigma);
  for (let n = 1; n < 100 * sigma + 100; n++) total += 2 * dericheTap(n, sigma);
  const smoothLine = (x: number[]): number[] => {
    const out = x.map(() => 0);
    for (const [A, B, b, w] of DERICHE) {
      const r = Math.exp(-b / sigma);
      const t = w / sigma;
      const n0 = A;
      const n1 = r * (B * Math.sin(t) - A * Math.cos(t));
      const d1 = -2 * r * Math.cos(t);
      const d2 = r * r;
      const at = (a: number[], i: number): number => (i >= 0 && i < a.length ? a[i] : 0);
      const forward: number[] = [];
      for (let i = 0; i < x.length; i++) forward[i] = n0 * x[i] + n1 * at(x, i - 1) - d1 * at(forward, i - 1) - d2 * at(forward, i - 2);
      const reversed = [...x].reverse();
      const backward: number[] = [];
      for (let i = 0; i < x.length; i++) backward[i] = n0 * reversed[i] + n1 * at(reversed, i - 1) - d1 * at(backward, i - 1) - d2 * at(backward, i - 2);
      backward.reverse();
      for (let i = 0; i < x.length; i++) out[i] += (forward[i] + backward[i] - n0 * x[i]) / total;
    }
    return out;
  };
  const out = Float64Array.from(u);
  for (let y = 0; y < height; y++) {
    const row = smoothLine(Array.from(out.subarray(y * width, (y + 1) * width)));
    row.forEach((v, x) => (out[y * width + x] = v));
  }
  for (let x = 0; x < width; x++) {
    const column = smoothLine(Array.from({ length: height }, (_, y) => out[y * width + x]));
    column.forEach((v, y) => (out[y * width + x] = v));
  }
  return out;
}
