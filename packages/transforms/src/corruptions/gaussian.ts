// Gaussian smoothing as scipy.ndimage.gaussian_filter1d computes it (skimage.filters.gaussian
// calls it): a kernel of radius int(truncate sigma + 0.5) (truncate 4 unless the recipe says),
// weights exp(-x^2 / (2 sigma^2)) summing to 1, along one axis at a time, with the border mode
// the recipe asks for.

/** The normalised kernel of `sigma`, radius int(truncate sigma + 0.5). */
export function gaussianWeights(sigma: number, truncate = 4): Float64Array {
  const radius = Math.floor(truncate * sigma + 0.5);
  const weights = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) sum += weights[k + radius] = Math.exp((-0.5 * k * k) / (sigma * sigma));
  for (let k = 0; k < weights.length; k++) weights[k] /= sum;
  return weights;
}

/**
 * How values beyond the border are read: 'nearest' repeats the edge, 'constant' reads 0,
 * 'reflect' mirrors the line about its edge (scipy's d c b a | a b c d | d c b a), again and
 * again when the kernel is longer than the line.
 */
export type Border = 'nearest' | 'constant' | 'reflect';

/** Index `j` of a line of `length` mirrored into it (scipy's 'reflect': period 2 length). */
function reflected(j: number, length: number): number {
  const period = 2 * length;
  const m = ((j % period) + period) % period;
  return m < length ? m : period - 1 - m;
}

/** The padded line when the caller's scratch is too short for it: grown once per thread, then reused. */
let padded = new Float64Array(0);

/**
 * Smooths `values` (height x width) along `axis` (0: down the columns, 1: along the rows) in
 * place. Each line is copied with `radius` values beyond each end as the border mode reads them,
 * then convolved without a test per tap (the sums run in the same order, and an added 0 changes
 * no sum, so 'constant' gives what skipping those taps gives). `line` is scratch for that padded
 * line; shorter than length + 2 radius (a wide kernel), a buffer of the module's is used. A sigma
 * of 0 leaves the values as they are, as scipy skips such an axis.
 */
export function smoothAxis(values: Float64Array, width: number, height: number, sigma: number, axis: 0 | 1, border: Border, line: Float64Array, truncate = 4): void {
  if (sigma <= 1e-15) return;
  const weights = gaussianWeights(sigma, truncate);
  const taps = weights.length;
  const radius = (taps - 1) / 2;
  const length = axis === 0 ? height : width;
  const lines = axis === 0 ? width : height;
  const step = axis === 0 ? width : 1;
  if (line.length < length + 2 * radius && padded.length < length + 2 * radius) padded = new Float64Array(length + 2 * radius);
  const ext = line.length >= length + 2 * radius ? line : padded;
  for (let l = 0; l < lines; l++) {
    const start = axis === 0 ? l : l * width;
    for (let j = -radius; j < length + radius; j++) {
      let v = 0;
      if (j >= 0 && j < length) v = values[start + j * step];
      else if (border !== 'constant') v = values[start + (border === 'reflect' ? reflected(j, length) : j < 0 ? 0 : length - 1) * step];
      ext[j + radius] = v;
    }
    for (let i = 0; i < length; i++) {
      let sum = 0;
      for (let k = 0; k < taps; k++) sum += weights[k] * ext[i + k];
      values[start + i * step] = sum;
    }
  }
}

/** skimage's `gaussian(x, sigma, mode=border, truncate=truncate)` of a 2-D image (both axes; 'nearest' and 4 by default), in place. */
export function smooth(values: Float64Array, width: number, height: number, sigma: number, line: Float64Array, border: Border = 'nearest', truncate = 4): void {
  smoothAxis(values, width, height, sigma, 0, border, line, truncate);
  smoothAxis(values, width, height, sigma, 1, border, line, truncate);
}
