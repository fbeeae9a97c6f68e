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
 *
 * This file computes the coefficients (in double precision); elastic.wat runs the recursion in
 * float32 WebAssembly SIMD, four lines at a time.
 */

/** Deriche (1993), fourth order: (A, B, b, w) of each damped cosine term. */
const PAIRS = [
  [1.68, 3.735, 1.783, 0.6318],
  [-0.6803, -0.2598, 1.723, 1.997],
] as const;

/**
 * The recursion's coefficients for `sigma`, per term: n0, n1 (causal numerator), m1, m2
 * (anti-causal numerator), d1, d2 (denominator), then the same six of the second term, scaled
 * so the whole kernel sums to 1. Internal to the kernels: elastic.wat runs the recursion and
 * `elasticField` is the public use. A new array each call: the elastic kernel keeps its own
 * copy for the last sigma.
 *
 * ## Example
 * ```ts
 * const c = dericheCoefficients(4); // c[0] = n0 = 1.68 / (sum of all taps), c[4] = d1, ...
 * ```
 */
export function dericheCoefficients(sigma: number): Float64Array {
  const coefficients = new Float64Array(12);
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
  return coefficients;
}
