// torchGridSample's shortcuts (positions from their linear form away from ties, one map per
// column and per row for translations, one copy for an integer shift, only the span near the
// content) against torch's computation transcribed pixel by pixel: `_gen_affine_grid`'s base grid
// times the rescaled theta in float32, grid_sample's unnormalize (align_corners=False), nearest
// rounding half to even or bilinear weights, the fill outside. Matrices from torchvision's
// `_get_inverse_affine_matrix` (torchvisionAffine), among them those that land positions exactly
// between pixels (turns by multiples of 22.5 degrees, shears by tenths), on MNIST digits and on
// noise, for square and odd sizes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { roundHalfEven, torchBilinear, torchGridSample, torchvisionAffine, type PolicyResampling } from '@idxflow/transforms/internal';
import { raw } from '../../fixtures/mnist.js';

const f32 = Math.fround;

/** torch's result for every pixel, each through the whole float32 chain. */
function reference(src: Uint8Array, width: number, height: number, matrix: Float64Array, { interpolation, fill }: PolicyResampling): Uint8Array {
  const dst = new Uint8Array(width * height);
  const hw = f32(0.5 * width);
  const hh = f32(0.5 * height);
  const r00 = f32(f32(matrix[0]) / hw), r10 = f32(f32(matrix[1]) / hw), r20 = f32(f32(matrix[2]) / hw);
  const r01 = f32(f32(matrix[3]) / hh), r11 = f32(f32(matrix[4]) / hh), r21 = f32(f32(matrix[5]) / hh);
  for (let y = 0, i = 0; y < height; y++) {
    const by = f32(y - height * 0.5 + 0.5);
    for (let x = 0; x < width; x++, i++) {
      const bx = f32(x - width * 0.5 + 0.5);
      // base [bx, by, 1] times theta: bx * r0 rounded, then a fused multiply-add, then + r2
      const gx = f32(f32(by * r10 + f32(bx * r00)) + r20);
      const gy = f32(f32(by * r11 + f32(bx * r01)) + r21);
      const ix = f32(f32(gx + 1) * hw - 0.5);
      const iy = f32(f32(gy + 1) * hh - 0.5);
      if (interpolation === 'nearest') {
        const nx = roundHalfEven(ix);
        const ny = roundHalfEven(iy);
        dst[i] = nx >= 0 && nx < width && ny >= 0 && ny < height ? src[ny * width + nx] : fill;
      } else {
        dst[i] = torchBilinear(src, width, height, ix, iy, fill, fill !== 0);
      }
    }
  }
  return dst;
}

const digits = readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16);

// A small deterministic generator, so a failure names a case that can be run again.
function generator(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 2 ** 32;
}

type Kind = 'tie turn' | 'turn' | 'shear x' | 'shear y' | 'translation' | 'general';
const KINDS: Kind[] = ['tie turn', 'turn', 'shear x', 'shear y', 'translation', 'general'];
const DEG = 180 / Math.PI;

function randomCase(rand: () => number, kind: Kind): { width: number; height: number; matrix: Float64Array; src: Uint8Array; resampling: PolicyResampling } {
  const sizes: [number, number][] = [[28, 28], [28, 28], [32, 32], [27, 29], [5, 7], [64, 48]];
  const [width, height] = sizes[Math.floor(rand() * sizes.length)];
  const tenth = (): number => Math.atan(Math.round(rand() * 20 - 10) / 10) * DEG;
  const angle = kind === 'tie turn' ? Math.round(rand() * 16) * 22.5 - 180 : kind === 'turn' ? rand() * 360 - 180 : 0;
  const shear: [number, number] = kind === 'shear x' ? [tenth(), 0] : kind === 'shear y' ? [0, tenth()] : kind === 'general' ? [rand() * 60 - 30, rand() * 60 - 30] : [0, 0];
  const translate: [number, number] =
    kind === 'translation' ? [Math.round(rand() * 80 - 40), Math.round(rand() * 80 - 40)] : rand() < 0.3 ? [Math.round(rand() * 10 - 5), Math.round(rand() * 10 - 5)] : [0, 0];
  // the policies' shears pivot at the corner, their turns and translations at the centre
  const center: [number, number] = rand() < 0.5 ? [0, 0] : [-width * 0.5, -height * 0.5];
  const matrix = torchvisionAffine(center, angle, translate, shear, new Float64Array(6));
  const src = new Uint8Array(width * height);
  if (width === 28 && height === 28 && rand() < 0.8) {
    const d = Math.floor(rand() * 10000);
    src.set(digits.subarray(d * 784, (d + 1) * 784));
  } else {
    for (let i = 0; i < src.length; i++) src[i] = rand() < 0.5 ? 0 : Math.floor(rand() * 256);
  }
  const resampling: PolicyResampling = { interpolation: rand() < 0.7 ? 'nearest' : 'bilinear', fill: rand() < 0.6 ? 0 : Math.floor(rand() * 256) };
  return { width, height, matrix, src, resampling };
}

describe('torchGridSample', () => {
  for (const kind of KINDS) {
    it(`gives torch's bytes, pixel for pixel, for 3,000 ${kind}s`, () => {
      const rand = generator(KINDS.indexOf(kind) + 1);
      const failures: string[] = [];
      for (let n = 0; n < 3000; n++) {
        const { width, height, matrix, src, resampling } = randomCase(rand, kind);
        const dst = new Uint8Array(width * height);
        torchGridSample(src, dst, width, height, matrix, resampling);
        const expected = reference(src, width, height, matrix, resampling);
        const wrong = dst.findIndex((v, i) => v !== expected[i]);
        if (wrong >= 0) failures.push(`case ${n}: ${width} x ${height}, matrix ${Array.from(matrix).join(', ')}, ${resampling.interpolation}, fill ${resampling.fill}: pixel ${wrong} is ${dst[wrong]}, torch ${expected[wrong]}`);
      }
      expect(failures.slice(0, 5)).toEqual([]);
    });
  }

  it("meets ties: a turn by 45 degrees puts positions exactly halfway between pixels, and gives torch's bytes", () => {
    // The tie turns above do meet ties: positions exactly halfway between two pixels in float32.
    const matrix = torchvisionAffine([0, 0], 45, [0, 0], [0, 0], new Float64Array(6));
    const src = digits.subarray(0, 784);
    const hw = f32(14);
    let ties = 0;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const bx = f32(x - 13.5), by = f32(y - 13.5);
        const gx = f32(f32(by * f32(f32(matrix[1]) / hw) + f32(bx * f32(f32(matrix[0]) / hw))) + f32(f32(matrix[2]) / hw));
        const ix = f32(f32(gx + 1) * hw - 0.5);
        if (ix - Math.floor(ix) === 0.5) ties++;
      }
    }
    expect(ties).toBeGreaterThan(0);
    const dst = new Uint8Array(784);
    torchGridSample(src, dst, 28, 28, matrix, { interpolation: 'nearest', fill: 0 });
    expect(Array.from(dst)).toEqual(Array.from(reference(src, 28, 28, matrix, { interpolation: 'nearest', fill: 0 })));
  });

  it('shifts by whole pixels for an integer translation, bilinear too, with the fill where nothing lands', () => {
    // hand-worked: a translation by (2, -1) moves pixel (x, y) to (x + 2, y - 1)
    const src = Uint8Array.from({ length: 5 * 4 }, (_, i) => i + 1);
    const matrix = torchvisionAffine([0, 0], 0, [2, -1], [0, 0], new Float64Array(6));
    for (const interpolation of ['nearest', 'bilinear'] as const) {
      const dst = new Uint8Array(20);
      torchGridSample(src, dst, 5, 4, matrix, { interpolation, fill: 9 });
      const expected = Array.from({ length: 20 }, (_, i) => {
        const x = (i % 5) - 2, y = Math.floor(i / 5) + 1;
        return x >= 0 && x < 5 && y < 4 ? src[y * 5 + x] : 9;
      });
      expect(Array.from(dst)).toEqual(expected);
    }
  });
});
