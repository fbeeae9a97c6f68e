// The projective kernels on hand-worked cases: torchvision's coefficients send each end corner
// to its start corner; the pixel-centre matrix is T(-0.5) C T(+0.5); products compose maps; and
// projectiveResample of an affine map gives warpResample's bytes (checked against torchvision in
// torchvision.test.ts), of a perspective torchPerspective's within a level.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  affineMatrix,
  multiplyProjective,
  perspectiveCoefficients,
  perspectiveMatrix,
  projectiveOf,
  projectiveResample,
  torchPerspective,
  warpResample,
} from '../../../packages/transforms/src/kernels/index.js';
import { raw } from '../../fixtures/mnist.js';

const START = [0, 0, 27, 0, 27, 27, 0, 27];
const END = [3, 2, 25, 0, 27, 24, 1, 26];

const apply = (m: ArrayLike<number>, x: number, y: number): [number, number] => {
  const w = m[6] * x + m[7] * y + m[8];
  return [(m[0] * x + m[1] * y + m[2]) / w, (m[3] * x + m[4] * y + m[5]) / w];
};

const digit = (k: number): Uint8Array => readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16 + k * 784, 16 + (k + 1) * 784);

describe('perspective kernels', () => {
  it('perspectiveCoefficients sends each end corner to its start corner, and refuses end corners that leave its equations singular (two on one point)', () => {
    const c = perspectiveCoefficients(START, END);
    for (let k = 0; k < 4; k++) {
      const [x, y] = [END[2 * k], END[2 * k + 1]];
      const w = c[6] * x + c[7] * y + 1;
      expect((c[0] * x + c[1] * y + c[2]) / w).toBeCloseTo(START[2 * k], 10);
      expect((c[3] * x + c[4] * y + c[5]) / w).toBeCloseTo(START[2 * k + 1], 10);
    }
    expect(() => perspectiveCoefficients(START, [9, 2, 22, 13, 22, 13, 13, 19])).toThrow(/singular/);
  });

  it('perspectiveMatrix reads torchvision coordinates half a pixel off: C(x + 0.5, y + 0.5) - 0.5', () => {
    const c = perspectiveCoefficients(START, END);
    const m = perspectiveMatrix(c);
    for (const [x, y] of [[0, 0], [13, 7], [27, 27]]) {
      const X = x + 0.5, Y = y + 0.5, w = c[6] * X + c[7] * Y + 1;
      const [u, v] = apply(m, x, y);
      expect(u).toBeCloseTo((c[0] * X + c[1] * Y + c[2]) / w - 0.5, 10);
      expect(v).toBeCloseTo((c[3] * X + c[4] * Y + c[5]) / w - 0.5, 10);
    }
  });

  it('multiplyProjective(first, second) maps a point by second, then first', () => {
    const a = projectiveOf(affineMatrix({ angle: 20, shiftX: 1, shiftY: -2, scale: 1.1, shear: 5 }, 28, 28));
    const p = perspectiveMatrix(perspectiveCoefficients(START, END));
    const both = multiplyProjective(a, p);
    for (const [x, y] of [[0, 0], [5, 20], [27, 13]]) {
      const [u, v] = apply(both, x, y);
      const [s, t] = apply(a, ...apply(p, x, y));
      expect(u).toBeCloseTo(s, 10);
      expect(v).toBeCloseTo(t, 10);
    }
  });

  it("projectiveResample of an affine map gives warpResample's bytes, bilinear and nearest, fill 0 and 90", () => {
    const m = affineMatrix({ angle: 17, shiftX: 1.5, shiftY: -0.5, scale: 0.9, shear: 8 }, 28, 28);
    for (const k of [0, 1, 2, 3]) {
      for (const options of [{ interpolation: 'bilinear', fill: 0 }, { interpolation: 'nearest', fill: 0 }, { interpolation: 'bilinear', fill: 90 }] as const) {
        const a = new Uint8Array(784), b = new Uint8Array(784);
        warpResample(digit(k), a, 28, 28, m, undefined, undefined, options);
        projectiveResample(digit(k), b, 28, 28, projectiveOf(m), undefined, undefined, options);
        expect(Buffer.from(b).equals(Buffer.from(a)), `digit ${k} ${JSON.stringify(options)}`).toBe(true);
      }
    }
  });

  it("projectiveResample of a perspective gives torchPerspective's bytes within a level where all four neighbours are inside the image (double against float32 positions, ties up against half to even)", () => {
    // At the border torchvision's fill mask multiplies the zero-padded sum by the weights inside
    // once more; projectiveResample counts outside neighbours as the fill, as warpResample does.
    const c = perspectiveCoefficients(START, END);
    const m = perspectiveMatrix(c);
    let differing = 0;
    let compared = 0;
    for (let k = 0; k < 50; k++) {
      const a = new Uint8Array(784), b = new Uint8Array(784);
      torchPerspective(digit(k), a, 28, 28, c, 'bilinear', 0);
      projectiveResample(digit(k), b, 28, 28, m, undefined, undefined, { interpolation: 'bilinear', fill: 0 });
      for (let i = 0; i < 784; i++) {
        const [sx, sy] = apply(m, i % 28, Math.floor(i / 28));
        if (!(sx >= 0 && sx <= 27 && sy >= 0 && sy <= 27)) continue;
        compared++;
        expect(Math.abs(a[i] - b[i])).toBeLessThanOrEqual(1);
        if (a[i] !== b[i]) differing++;
      }
    }
    expect(compared).toBeGreaterThan(25_000);
    expect(differing).toBeLessThan(compared * 0.01);
  });
});
