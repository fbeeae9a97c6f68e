// Gaussian smoothing as scipy.ndimage.gaussian_filter1d computes it (skimage.filters.gaussian
// calls it): a kernel of radius round(4 sigma), weights exp(-x^2 / (2 sigma^2)) summing to 1,
// along one axis at a time, with the border mode the recipe asks for.

/** The normalised kernel of `sigma`, radius int(4 sigma + 0.5). */
export function gaussianWeights(sigma: number): Float64Array {
  const radius = Math.floor(4 * sigma + 0.5);
  const weights = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let k = -radius; k <= radius; k++) sum += weights[k + radius] = Math.exp((-0.5 * k * k) / (sigma * sigma));
  for (let k = 0; k < weights.length; k++) weights[k] /= sum;
  return weights;
}

/** How values beyond the border are read: 'nearest' repeats the edge, 'constant' reads 0. */
export type Border = 'nearest' | 'constant';

/**
 * Smooths `values` (height x width) along `axis` (0: down the columns, 1: along the rows) in
 * place; `line` is scratch of max(width, height) values. A sigma of 0 leaves them as they are,
 * as scipy skips such an axis.
 */
export function smoothAxis(values: Float64Array, width: number, height: number, sigma: number, axis: 0 | 1, border: Border, line: Float64Array): void {
  if (sigma <= 1e-15) return;
  const weights = gaussianWeights(sigma);
  const radius = (weights.length - 1) / 2;
  const length = axis === 0 ? height : width;
  const lines = axis === 0 ? width : height;
  const step = axis === 0 ? width : 1;
  for (let l = 0; l < lines; l++) {
    const start = axis === 0 ? l : l * width;
    for (let i = 0; i < length; i++) line[i] = values[start + i * step];
    for (let i = 0; i < length; i++) {
      let sum = 0;
      for (let k = -radius; k <= radius; k++) {
        let j = i + k;
        if (j < 0 || j >= length) {
          if (border === 'constant') continue;
          j = j < 0 ? 0 : length - 1;
        }
        sum += weights[k + radius] * line[j];
      }
      values[start + i * step] = sum;
    }
  }
}

/** skimage's `gaussian(x, sigma)` of a 2-D image (both axes, 'nearest'), in place. */
export function smooth(values: Float64Array, width: number, height: number, sigma: number, line: Float64Array, border: Border = 'nearest'): void {
  smoothAxis(values, width, height, sigma, 0, border, line);
  smoothAxis(values, width, height, sigma, 1, border, line);
}
