/*
 * Gaussian smoothing whose cost per pixel does not depend on sigma: Deriche's fourth-order
 * recursive filter (R. Deriche, "Recursively implementing the Gaussian and its derivatives",
 * INRIA RR-1893, 1993), in the parallel causal + anti-causal form surveyed by P. Getreuer, "A
 * Survey of Gaussian Convolution Algorithms", IPOL 2013, section 4.
 *
 * Deriche fits, for t >= 0,
 *   exp(-t^2 / (2 sigma^2)) ~ sum_j exp(-b_j t / sigma) (A_j cos(w_j t / sigma) + B_j sin(w_j t / sigma))
 * with the two (A, B, b, w) of PAIRS. Each term sampled at integers, h[n] = r^n (A cos nθ +
 * B sin nθ) with r = exp(-b / sigma) and θ = w / sigma, has the z-transform
 *   (n0 + n1 z^-1) / (1 + d1 z^-1 + d2 z^-2),  n0 = A, n1 = r (B sin θ - A cos θ),
 *   d1 = -2 r cos θ, d2 = r^2,
 * so it is a second-order recursion. The symmetric kernel is the causal part (taps n >= 0) plus
 * the anti-causal part (taps n >= 1, numerator n1 - n0 d1 and -n0 d2: Getreuer eq. 31).
 *
 * Because the two parts are added, not chained, a zero boundary is exact: each recursion starts
 * from zero state, which is what zeros beyond the line would have produced. That is
 * scipy.ndimage.gaussian_filter(mode='constant', cval=0). The kernel is scaled to unit sum
 * (scipy normalises its truncated kernel too), so a constant stays constant inside the image.
 */

/** Deriche (1993), fourth order: (A, B, b, w) of each damped cosine term. */
const PAIRS = [
  [1.68, 3.735, 1.783, 0.6318],
  [-0.6803, -0.2598, 1.723, 1.997],
] as const;

/** Per term: n0, n1 (causal numerator), m1, m2 (anti-causal numerator), d1, d2. */
const coefficients = new Float64Array(12);
let coefficientsSigma = Number.NaN;

/** Fills `coefficients` for `sigma`; cached for the last sigma, since a stage uses one. */
function prepare(sigma: number): Float64Array {
  if (sigma === coefficientsSigma) return coefficients;
  let sum = 0;
  for (let j = 0; j < 2; j++) {
    const [A, B, b, w] = PAIRS[j];
    const r = Math.exp(-b / sigma);
    const theta = w / sigma;
    const n0 = A;
    const n1 = r * (B * Math.sin(theta) - A * Math.cos(theta));
    const d1 = -2 * r * Math.cos(theta);
    const d2 = r * r;
    coefficients.set([n0, n1, n1 - n0 * d1, -n0 * d2, d1, d2], 6 * j);
    // Sum of all taps: causal N(1)/D(1) plus anti-causal (N(1) - n0 D(1))/D(1).
    const D = 1 + d1 + d2;
    sum += (2 * (n0 + n1) - n0 * D) / D;
  }
  for (let j = 0; j < 2; j++) for (let k = 0; k < 4; k++) coefficients[6 * j + k] /= sum;
  coefficientsSigma = sigma;
  return coefficients;
}

/**
 * Smooths a `width` x `height` field in place by a Gaussian of standard deviation `sigma`,
 * zero outside, along x then along y, and multiplies it by `gain`. `line` holds the causal
 * part of one line: `max(width, height)` entries. Internal to the kernels: `elasticField` is
 * the public use.
 *
 * One function for both axes on purpose: V8 then compiles it on its own instead of inlining
 * it into `elasticField`, whose inlining budget goes to the caller's random-number closure.
 *
 * ## Example
 * ```ts
 * const field = new Float32Array(784).fill(1);
 * recursiveGaussian(field, 28, 28, 4, 1, new Float64Array(28)); // 1 inside, 0.3 in the corners
 * ```
 */
export function recursiveGaussian(field: Float32Array, width: number, height: number, sigma: number, gain: number, line: Float32Array | Float64Array): void {
  const c = prepare(sigma);
  const n0 = c[0], n1 = c[1], m1 = c[2], m2 = c[3], d1 = c[4], d2 = c[5];
  const N0 = c[6], N1 = c[7], M1 = c[8], M2 = c[9], D1 = c[10], D2 = c[11];
  for (let axis = 0; axis < 2; axis++) {
    // Along x: rows of `width` samples, step 1. Along y: columns of `height`, step `width`.
    const n = axis === 0 ? width : height;
    const lines = axis === 0 ? height : width;
    const step = axis === 0 ? 1 : width;
    const next = axis === 0 ? width : 1;
    const g = axis === 0 ? 1 : gain;
    for (let l = 0; l < lines; l++) {
      const start = l * next;
      // Causal: the two terms run side by side, two independent recursions the CPU overlaps;
      // the feedback of the latest output comes last, to keep the dependency chain short.
      let x1 = 0, u1 = 0, u2 = 0, v1 = 0, v2 = 0;
      for (let i = 0, k = start; i < n; i++, k += step) {
        const x0 = field[k];
        const u = n0 * x0 + n1 * x1 - d2 * u2 - d1 * u1;
        const v = N0 * x0 + N1 * x1 - D2 * v2 - D1 * v1;
        line[i] = u + v;
        x1 = x0; u2 = u1; u1 = u; v2 = v1; v1 = v;
      }
      // Anti-causal, from the far end; x1 and x2 are the inputs one and two samples ahead.
      let x2 = 0;
      x1 = u1 = u2 = v1 = v2 = 0;
      for (let i = n - 1, k = start + i * step; i >= 0; i--, k -= step) {
        const u = m1 * x1 + m2 * x2 - d2 * u2 - d1 * u1;
        const v = M1 * x1 + M2 * x2 - D2 * v2 - D1 * v1;
        const x0 = field[k]; // read before this sample is overwritten
        field[k] = g * (line[i] + u + v);
        x2 = x1; x1 = x0; u2 = u1; u1 = u; v2 = v1; v1 = v;
      }
    }
  }
}
