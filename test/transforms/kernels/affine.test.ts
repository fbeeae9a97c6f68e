import { describe, expect, it } from 'vitest';
import { affineMatrix, affineResample, type AffineParams } from '../../../packages/transforms/src/kernels/index.js';
import { lcgBytes } from '../../fixtures/blocks.js';
import { referenceWarp, rotationSource } from './reference.js';

const NONE: AffineParams = { angle: 0, shiftX: 0, shiftY: 0, scale: 1, shear: 0 };
const W = 28;
const H = 28;
const image = lcgBytes(W * H, 5);
const floats = Float32Array.from(image, (v) => v / 7 - 3.3);
const INTERPOLATIONS = ['bilinear', 'nearest'] as const;

type Pixels = Uint8Array | Float32Array;

function resample(src: Pixels, params: Partial<AffineParams>, interpolation: 'bilinear' | 'nearest', w = W, h = H, fill = 0): Pixels {
  const dst = src instanceof Uint8Array ? new Uint8Array(w * h) : new Float32Array(w * h);
  affineResample(src, dst, w, h, affineMatrix({ ...NONE, ...params }, w, h), { interpolation, fill });
  return dst;
}

describe('affineResample: quarter and half turns are exact permutations', () => {
  it('turns a 3 x 3 image counter-clockwise by 90 degrees (hand-worked)', () => {
    // 1 2 3        3 6 9     Counter-clockwise as displayed: the top-right corner (3) moves
    // 4 5 6  -->   2 5 8     to the top-left, the right column becomes the top row. So
    // 7 8 9        1 4 7     out[y][x] = in[x][W-1-y] (row x, column W-1-y of the input).
    const src = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(resample(src, { angle: 90 }, 'nearest', 3, 3))).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
  });

  it('turns a 5 x 5 image by 90, -90 and 180 degrees (hand-worked, both interpolations)', () => {
    const src = Uint8Array.from({ length: 25 }, (_, i) => i + 1);
    // prettier-ignore
    const ccw = [5, 10, 15, 20, 25, 4, 9, 14, 19, 24, 3, 8, 13, 18, 23, 2, 7, 12, 17, 22, 1, 6, 11, 16, 21];
    // prettier-ignore
    const cw = [21, 16, 11, 6, 1, 22, 17, 12, 7, 2, 23, 18, 13, 8, 3, 24, 19, 14, 9, 4, 25, 20, 15, 10, 5];
    const half = Array.from({ length: 25 }, (_, i) => 25 - i);
    for (const interpolation of INTERPOLATIONS) {
      expect(Array.from(resample(src, { angle: 90 }, interpolation, 5, 5))).toEqual(ccw);
      expect(Array.from(resample(src, { angle: -90 }, interpolation, 5, 5))).toEqual(cw);
      expect(Array.from(resample(src, { angle: 180 }, interpolation, 5, 5))).toEqual(half);
    }
  });

  it('turns a random 28 x 28 image exactly, bytes and floats, both interpolations', () => {
    // From the 3 x 3 case: a counter-clockwise quarter turn takes out(x, y) = in(W-1-y, x);
    // clockwise out(x, y) = in(y, H-1-x); a half turn in(W-1-x, H-1-y).
    const at = (img: Pixels, x: number, y: number): number => img[y * W + x];
    for (const src of [image, floats]) {
      for (const interpolation of INTERPOLATIONS) {
        const ccw = resample(src, { angle: 90 }, interpolation);
        const ccw3 = resample(src, { angle: -270 }, interpolation);
        const cw = resample(src, { angle: -90 }, interpolation);
        const half = resample(src, { angle: 180 }, interpolation);
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            expect(at(ccw, x, y)).toBe(at(src, W - 1 - y, x));
            expect(at(ccw3, x, y)).toBe(at(src, W - 1 - y, x));
            expect(at(cw, x, y)).toBe(at(src, y, H - 1 - x));
            expect(at(half, x, y)).toBe(at(src, W - 1 - x, H - 1 - y));
          }
        }
      }
    }
  });
});

describe('affineResample: shifts, identity, scale', () => {
  it('integer shifts equal an array shift with fill, both interpolations, both signs', () => {
    for (const [sx, sy] of [[3, -2], [-5, 4], [0, 7], [-1, -1], [30, 0]]) {
      for (const src of [image, floats]) {
        for (const interpolation of INTERPOLATIONS) {
          const out = resample(src, { shiftX: sx, shiftY: sy }, interpolation, W, H, 17);
          for (let y = 0; y < H; y++) {
            for (let x = 0; x < W; x++) {
              const fromX = x - sx; // a positive shift moves the content right and down
              const fromY = y - sy;
              const inside = fromX >= 0 && fromX < W && fromY >= 0 && fromY < H;
              expect(out[y * W + x]).toBe(inside ? src[fromY * W + fromX] : 17);
            }
          }
        }
      }
    }
  });

  it('identity parameters are exactly the identity, byte for byte, for bytes and floats', () => {
    for (const interpolation of INTERPOLATIONS) {
      expect(resample(image, {}, interpolation)).toEqual(image);
      expect(resample(floats, {}, interpolation)).toEqual(floats);
      // Odd sizes and a non-square image too.
      const odd = lcgBytes(7 * 3, 9);
      expect(resample(odd, {}, interpolation, 7, 3, 200)).toEqual(odd);
    }
  });

  it("moves a blob's centre of mass by a fractional shift (bilinear, within 1e-6)", () => {
    const blob = new Float32Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) blob[y * W + x] = Math.exp(-((x - 12) ** 2 + (y - 13) ** 2) / 8);
    const centre = (img: Pixels): [number, number] => {
      let m = 0, mx = 0, my = 0;
      for (let i = 0; i < img.length; i++) {
        m += img[i];
        mx += img[i] * (i % W);
        my += img[i] * Math.floor(i / W);
      }
      return [mx / m, my / m];
    };
    const [x0, y0] = centre(blob);
    for (const [sx, sy] of [[1.5, 2.25], [-0.75, 1.5], [2.25, -1.5], [0.3, 0.7]]) {
      const [x1, y1] = centre(resample(blob, { shiftX: sx, shiftY: sy }, 'bilinear'));
      expect(Math.abs(x1 - x0 - sx)).toBeLessThan(1e-6);
      expect(Math.abs(y1 - y0 - sy)).toBeLessThan(1e-6);
    }
  });

  it('bilinear rotation agrees with a per-pixel cos/sin reference (1 grey level, 1e-4 for floats)', () => {
    for (const degrees of [17, 33, -71, 5.5]) {
      for (const fill of [0, 40]) {
        const expected = referenceWarp(image, W, H, rotationSource(W, H, degrees), fill);
        const bytes = resample(image, { angle: degrees }, 'bilinear', W, H, fill);
        const f = resample(Float32Array.from(image), { angle: degrees }, 'bilinear', W, H, fill);
        let worstBytes = 0;
        let worstFloats = 0;
        expected.forEach((v, i) => {
          worstBytes = Math.max(worstBytes, Math.abs(bytes[i] - v));
          worstFloats = Math.max(worstFloats, Math.abs(f[i] - v));
        });
        // Bytes are the reference rounded to nearest: off by at most half a grey level.
        expect(worstBytes).toBeLessThanOrEqual(0.5 + 1e-9);
        expect(worstFloats).toBeLessThan(1e-4);
      }
    }
  });

  it('scale 2 about the centre maps hand-worked points', () => {
    // 5 x 5, centre (2, 2): output (4, 2) samples input (2 + (4 - 2) / 2, 2) = (3, 2) exactly;
    // output (3, 2) samples (2.5, 2), halfway between (2, 2) and (3, 2).
    const src = Float32Array.from({ length: 25 }, (_, i) => i * i);
    const out = resample(src, { scale: 2 }, 'bilinear', 5, 5);
    expect(out[2 * 5 + 4]).toBe(src[2 * 5 + 3]);
    expect(out[2 * 5 + 3]).toBe((src[2 * 5 + 2] + src[2 * 5 + 3]) / 2);
    expect(out[2 * 5 + 2]).toBe(src[2 * 5 + 2]);
    // Output (0, 0) samples (1, 1).
    expect(out[0]).toBe(src[1 * 5 + 1]);
    // 28 x 28, centre (13.5, 13.5): a bright pixel at (16, 13) is seen from output (18, 12) at
    // input (15.75, 12.75): weight 0.75 * 0.75; likewise from (19, 12), (18, 13), (19, 13).
    const dot = new Float32Array(W * H);
    dot[13 * W + 16] = 1;
    const big = resample(dot, { scale: 2 }, 'bilinear');
    const peak = [[18, 12], [19, 12], [18, 13], [19, 13]];
    for (const [x, y] of peak) expect(big[y * W + x]).toBe(0.5625);
    big.forEach((v, i) => {
      if (!peak.some(([x, y]) => y * W + x === i)) expect(v).toBeLessThan(0.5625);
    });
  });

  it('shear 45 degrees moves the top row right and the bottom row left by two (5 x 5, nearest)', () => {
    const src = Uint8Array.from({ length: 25 }, (_, i) => i + 1);
    const out = resample(src, { shear: 45 }, 'nearest', 5, 5, 0);
    // Row y moves by -(y - 2): row 0 by +2, row 4 by -2, the middle row stays.
    // prettier-ignore
    expect(Array.from(out)).toEqual([
      0, 0, 1, 2, 3,
      0, 6, 7, 8, 9,
      11, 12, 13, 14, 15,
      17, 18, 19, 20, 0,
      23, 24, 25, 0, 0,
    ]);
  });
});
