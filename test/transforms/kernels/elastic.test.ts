import { describe, expect, it } from 'vitest';
import { ELASTIC_MAX_RELATIVE_ERROR, elasticField, elasticScratchSize } from '@idxflow/transforms';
import { lcgBytes } from '../../fixtures/blocks.js';

const W = 28;
const H = 28;

/** Uniform draws in [0, 1) from an LCG, independent of idxflow's generator. */
const drawsOf = (seed: number): number[] => Array.from(lcgBytes(2 * W * H * 4, seed)).filter((_, i) => i % 4 === 0).map((b, i) => ((b * 256 + ((i * 97) % 256)) / 65536));

function field(draws: number[], alpha: number, sigma: number): { dx: Float32Array; dy: Float32Array } {
  const dx = new Float32Array(W * H);
  const dy = new Float32Array(W * H);
  elasticField(dx, dy, W, H, alpha, sigma, (i) => draws[i], new Float64Array(elasticScratchSize(W, H)));
  return { dx, dy };
}

/** Exact Gaussian smoothing with zero outside the image (scipy's mode='constant'), truncated at 8 sigma. */
function exactGaussian(u: number[], sigma: number): Float64Array {
  const r = Math.ceil(8 * sigma);
  const k = Array.from({ length: 2 * r + 1 }, (_, i) => Math.exp(-((i - r) ** 2) / (2 * sigma * sigma)));
  const sum = k.reduce((a, b) => a + b, 0);
  const rows = new Float64Array(W * H);
  const out = new Float64Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let i = -r; i <= r; i++) if (x + i >= 0 && x + i < W) rows[y * W + x] += (k[i + r] / sum) * u[y * W + x + i];
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) for (let i = -r; i <= r; i++) if (y + i >= 0 && y + i < H) out[y * W + x] += (k[i + r] / sum) * rows[(y + i) * W + x];
  return out;
}

describe('elasticField (Simard et al. 2003)', () => {
  it("follows a Gaussian's 1-D impulse response within 3.4% of its peak (sigma 4, away from borders)", () => {
    // A single line of 101 pixels: the x pass is the filter; the y pass of a 1-row image only
    // scales by its own centre tap, so compare shapes after normalising to unit sum.
    const n = 101;
    const dx = new Float32Array(n);
    const dy = new Float32Array(n);
    elasticField(dx, dy, n, 1, 1, 4, (i) => (i === 50 ? 1 : 0.5), new Float64Array(elasticScratchSize(n, 1)));
    const sum = dx.reduce((a, b) => a + b, 0);
    const g = (k: number): number => Math.exp(-(k * k) / 32) / Math.sqrt(32 * Math.PI);
    for (let k = -30; k <= 30; k++) expect(Math.abs(dx[50 + k] / sum - g(k))).toBeLessThan(0.034 * g(0));
  });

  it('is all zeros for alpha 0, and linear in alpha', () => {
    const draws = drawsOf(1);
    const zero = field(draws, 0, 4);
    expect(zero.dx.every((v) => v === 0) && zero.dy.every((v) => v === 0)).toBe(true);
    const one = field(draws, 1, 4);
    const big = field(draws, 34, 4);
    one.dx.forEach((v, i) => expect(big.dx[i]).toBeCloseTo(34 * v, 4));
    one.dy.forEach((v, i) => expect(big.dy[i]).toBeCloseTo(34 * v, 4));
  });

  it('stays within the documented bound of an exact Gaussian of the same uniform draws', () => {
    let worst = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const draws = drawsOf(seed);
      const { dx, dy } = field(draws, 1, 4);
      const ux = draws.slice(0, W * H).map((d) => 2 * d - 1);
      const uy = draws.slice(W * H).map((d) => 2 * d - 1);
      for (const [ours, exact] of [[dx, exactGaussian(ux, 4)], [dy, exactGaussian(uy, 4)]] as const) {
        const peak = Math.max(...Array.from(exact, Math.abs));
        const error = Math.max(...Array.from(exact, (v, i) => Math.abs(v - ours[i])));
        worst = Math.max(worst, error / peak);
      }
    }
    expect(worst).toBeLessThanOrEqual(ELASTIC_MAX_RELATIVE_ERROR);
  });

  it('has mean near 0 and is smooth: neighbours correlate as a sigma-4 Gaussian field should', () => {
    let sum = 0;
    let count = 0;
    let products = 0;
    let squares = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const { dx } = field(drawsOf(seed), 1, 4);
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W - 1; x++) {
          sum += dx[y * W + x];
          count++;
          products += dx[y * W + x] * dx[y * W + x + 1];
          squares += dx[y * W + x] ** 2;
        }
      }
    }
    const rms = Math.sqrt(squares / count);
    expect(Math.abs(sum / count)).toBeLessThan(0.1 * rms);
    // White noise smoothed by a Gaussian of sigma s has neighbour correlation exp(-1 / (4 s^2)):
    // 0.984 for s = 4 (away from the border; the zero border lowers it slightly).
    expect(products / squares).toBeGreaterThan(0.95);
  });
});
