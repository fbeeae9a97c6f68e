import { randomUniform, streamKey } from '@idxflow/core/internal';
import { describe, expect, it } from 'vitest';
import { ELASTIC_MAX_RELATIVE_ERROR, elasticField } from '../../../packages/transforms/src/kernels/index.js';
import { dericheRecursive, dericheTap, exactGaussian, uniformDraws } from './reference.js';

const W = 28;
const H = 28;
const N = W * H;

function field(draws: Float64Array, alpha: number, sigma: number, w = W, h = H): { dx: Float32Array; dy: Float32Array } {
  const dx = new Float32Array(w * h);
  const dy = new Float32Array(w * h);
  elasticField(dx, dy, w, h, alpha, sigma, (i) => draws[i]);
  return { dx, dy };
}

/** Largest |ours - exact| over the largest |exact|, for the dx and dy fields of one seed. */
function relativeError(seed: number, sigma: number): number {
  const draws = uniformDraws(2 * N, seed);
  const { dx, dy } = field(draws, 1, sigma);
  let worst = 0;
  for (const [ours, offset] of [[dx, 0], [dy, N]] as const) {
    const exact = exactGaussian(Array.from(draws.subarray(offset, offset + N), (d) => 2 * d - 1), W, H, sigma, 8);
    let peak = 0;
    let error = 0;
    exact.forEach((v, i) => {
      peak = Math.max(peak, Math.abs(v));
      error = Math.max(error, Math.abs(v - ours[i]));
    });
    worst = Math.max(worst, error / peak);
  }
  return worst;
}

describe('elasticField (Simard et al. 2003)', () => {
  it('stays within the documented bound of an exact zero-padded Gaussian (sigma 4, 28 x 28, 600 fields)', () => {
    let worst = 0;
    for (let seed = 1; seed <= 300; seed++) worst = Math.max(worst, relativeError(seed, 4));
    expect(ELASTIC_MAX_RELATIVE_ERROR).toBeLessThanOrEqual(2e-3);
    expect(worst).toBeLessThanOrEqual(ELASTIC_MAX_RELATIVE_ERROR);
  });

  it('is as accurate for other sigmas (1, 2, 8: within 3e-3 of the peak)', () => {
    for (const sigma of [1, 2, 8]) {
      let worst = 0;
      for (let seed = 1; seed <= 40; seed++) worst = Math.max(worst, relativeError(1000 + seed, sigma));
      expect(worst).toBeLessThanOrEqual(3e-3);
    }
  });

  it('has the impulse response of a Gaussian of standard deviation sigma', () => {
    // One unit draw (u = 1) at the centre of a 61 x 61 field, u = 0 elsewhere: the response is
    // the separable kernel g(x) g(y), with g the unit-sum sampled Gaussian.
    const n = 61;
    const c = 30;
    const sigma = 4;
    const draws = new Float64Array(2 * n * n).fill(0.5);
    draws[c * n + c] = 1;
    const { dx, dy } = field(draws, 1, sigma, n, n);
    let total = 0;
    for (let k = -40; k <= 40; k++) total += Math.exp(-(k * k) / (2 * sigma * sigma));
    const g = (k: number): number => Math.exp(-(k * k) / (2 * sigma * sigma)) / total;
    let variance = 0;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        expect(Math.abs(dx[y * n + x] - g(x - c) * g(y - c))).toBeLessThan(1e-3 * g(0) * g(0));
        variance += dx[y * n + x] * (x - c) ** 2;
      }
    }
    // Deriche's fit has a variance 0.4% short of sigma^2 (std 0.2% short).
    expect(Math.abs(variance / (sigma * sigma) - 1)).toBeLessThan(0.01);
    expect(dy.every((v) => Math.abs(v) < 1e-12)).toBe(true);
  });

  it('is zero outside the field, like scipy mode="constant": a constant field falls to 0.302 in the corners', () => {
    // All draws 1 (u = 1). Inside, a unit-sum kernel keeps 1. At a corner only the taps k >= 0
    // land inside along each axis: (1/2 + g(0)/2)^2 with g(0) = 1 / sum_k exp(-k^2/32).
    const draws = new Float64Array(2 * 101 * 101).fill(1 - 1e-12);
    const { dx } = field(draws, 1, 4, 101, 101);
    let total = 0;
    for (let k = -40; k <= 40; k++) total += Math.exp(-(k * k) / 32);
    const corner = (0.5 + 0.5 / total) ** 2;
    expect(corner).toBeCloseTo(0.302, 3);
    expect(dx[0]).toBeCloseTo(corner, 3);
    expect(dx[101 * 101 - 1]).toBeCloseTo(corner, 3);
    expect(dx[50 * 101 + 50]).toBeCloseTo(1, 3);
  });

  it('is all zeros for alpha 0 without drawing, and linear in alpha', () => {
    let calls = 0;
    const dx = new Float32Array(N).fill(3);
    const dy = new Float32Array(N).fill(3);
    elasticField(dx, dy, W, H, 0, 4, () => (calls++, 0.9));
    elasticField(dx, dy, W, H, 0, 4, 12345);
    expect(calls).toBe(0);
    expect(dx.every((v) => Object.is(v, 0)) && dy.every((v) => Object.is(v, 0))).toBe(true);
    const draws = uniformDraws(2 * N, 7);
    const one = field(draws, 1, 4);
    const big = field(draws, 34, 4);
    for (let i = 0; i < N; i++) {
      expect(Math.abs(big.dx[i] - 34 * one.dx[i])).toBeLessThan(1e-5 * 34);
      expect(Math.abs(big.dy[i] - 34 * one.dy[i])).toBeLessThan(1e-5 * 34);
    }
    expect(one.dx.some((v) => v !== 0)).toBe(true);
  });

  it('takes dx from draws 0 .. W*H-1 and dy from the next W*H', () => {
    const draws = new Float64Array(2 * N).fill(0.5); // u = 0 everywhere...
    draws[N + 100] = 0.9; // ...but one dy draw
    const { dx, dy } = field(draws, 1, 2);
    expect(dx.every((v) => v === 0)).toBe(true);
    expect(dy[100]).toBeGreaterThan(0);
  });

  it('has mean near 0 and the neighbour correlation of Gaussian-smoothed white noise', () => {
    // For white noise smoothed by a Gaussian of std s, neighbours correlate as exp(-1 / (4 s^2)):
    // 0.9394 for s = 2, 0.9845 for s = 4. The zero border nudges it up slightly.
    for (const sigma of [2, 4]) {
      let sum = 0, squares = 0, products = 0, count = 0;
      for (let seed = 1; seed <= 200; seed++) {
        const { dx, dy } = field(uniformDraws(2 * N, 5000 + seed), 1, sigma);
        for (const f of [dx, dy]) {
          for (let y = 0; y < H; y++) {
            for (let x = 0; x < W - 1; x++) {
              const v = f[y * W + x];
              sum += v;
              squares += v * v;
              products += v * f[y * W + x + 1];
              count++;
            }
          }
        }
      }
      const rms = Math.sqrt(squares / count);
      expect(Math.abs(sum / count)).toBeLessThan(0.1 * rms);
      expect(Math.abs(products / squares - Math.exp(-1 / (4 * sigma * sigma)))).toBeLessThan(0.01);
    }
  });

  it('is the plain double-precision recursion of the test, to float32 rounding (sizes 28x28 to 1x1, sigma 0.5 to 20)', () => {
    // The reference itself: its impulse response is Deriche's closed-form kernel.
    const n = 41;
    const impulse = new Float64Array(n * n);
    impulse[20 * n + 20] = 1;
    const response = dericheRecursive(impulse, n, n, 3);
    const tap = (k: number): number => dericheTap(Math.abs(k), 3) / dericheTap(0, 3);
    for (const [x, y] of [[20, 20], [25, 20], [20, 11], [3, 38]]) {
      expect(response[y * n + x] / response[20 * n + 20]).toBeCloseTo(tap(x - 20) * tap(y - 20), 12);
    }
    // Errors relative to alpha, the scale of the draws: float32 keeps 24 bits (a step of 1.2e-7
    // at 1), the recursion adds a few such steps. Relative to the field's peak they look larger
    // where the field is tiny (a 4 x 9 field at sigma 20 averages to ~1% of alpha).
    const alpha = 3;
    let worst = 0;
    for (const [w, h] of [[28, 28], [5, 7], [1, 1], [13, 3], [3, 13], [4, 9], [30, 29]]) {
      for (const sigma of [0.5, 1, 2.5, 4, 8, 20]) {
        const draws = uniformDraws(2 * w * h, 31 * w + h);
        const { dx, dy } = field(draws, alpha, sigma, w, h);
        for (const [ours, offset] of [[dx, 0], [dy, w * h]] as const) {
          const expected = dericheRecursive(Array.from(draws.subarray(offset, offset + w * h), (d) => alpha * (2 * d - 1)), w, h, sigma);
          expected.forEach((v, i) => (worst = Math.max(worst, Math.abs(ours[i] - v) / alpha)));
        }
      }
    }
    expect(worst).toBeLessThan(1e-6);
  });

  it('draws randomUniform(key, i) of @idxflow/core itself when given the stream key', () => {
    for (const [w, h] of [[28, 28], [5, 7], [1, 1], [13, 3]]) {
      for (const index of [0, 1, 99]) {
        const key = streamKey(2024, 0x454c, 3, index);
        const ours = { dx: new Float32Array(w * h), dy: new Float32Array(w * h) };
        const plain = { dx: new Float32Array(w * h), dy: new Float32Array(w * h) };
        elasticField(ours.dx, ours.dy, w, h, 34, 4, key);
        elasticField(plain.dx, plain.dy, w, h, 34, 4, (j) => randomUniform(key, j));
        expect(ours).toEqual(plain);
      }
    }
  });

  it('rejects bad arguments, naming them', () => {
    const dx = new Float32Array(N);
    const dy = new Float32Array(N);
    expect(() => elasticField(dx, dy, W, H, 34, 0, 1)).toThrow(/sigma/);
    expect(() => elasticField(dx, dy, W, H, -1, 4, 1)).toThrow(/alpha/);
    expect(() => elasticField(dx, dy, W, H + 1, 34, 4, 1)).toThrow(/dx and dy/);
    expect(() => elasticField(dx, dy, W, H, 34, 4, -1)).toThrow(/draws/);
    expect(() => elasticField(dx, dy, W, H, 34, 4, 2 ** 32)).toThrow(/draws/);
  });
});
