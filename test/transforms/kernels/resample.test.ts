import { describe, expect, it } from 'vitest';
import { affineMatrix, affineResample, warpResample, type AffineParams } from '@idxflow/transforms';
import { lcgBytes } from '../../fixtures/blocks.js';

const NONE: AffineParams = { angle: 0, shiftX: 0, shiftY: 0, scale: 1, shear: 0 };
const W = 28;
const H = 28;
const image = lcgBytes(W * H, 5);
const at = (img: ArrayLike<number>, x: number, y: number, w = W): number => img[y * w + x];

function resample(src: Uint8Array | Float32Array, params: Partial<AffineParams>, interpolation: 'bilinear' | 'nearest', w = W, h = H, fill = 0): Uint8Array | Float32Array {
  const dst = new (src.constructor as typeof Uint8Array)(w * h);
  affineResample(src, dst, w, h, affineMatrix({ ...NONE, ...params }, w, h), { interpolation, fill });
  return dst;
}

describe('affine resampling, checked against hand-worked and independent expectations', () => {
  it('rotates a 3 x 3 image by 90 degrees counter-clockwise (hand-worked)', () => {
    // 1 2 3        3 6 9
    // 4 5 6  -->   2 5 8   (the top-right corner moves to the top-left: counter-clockwise)
    // 7 8 9        1 4 7
    const src = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(Array.from(resample(src, { angle: 90 }, 'nearest', 3, 3))).toEqual([3, 6, 9, 2, 5, 8, 1, 4, 7]);
    expect(Array.from(resample(src, { angle: -90 }, 'nearest', 3, 3))).toEqual([7, 4, 1, 8, 5, 2, 9, 6, 3]);
    expect(Array.from(resample(src, { angle: 180 }, 'bilinear', 3, 3))).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it('rotation by 90, -90 and 180 degrees is an exact pixel permutation of a 28 x 28 image', () => {
    // out(x, y) for a counter-clockwise quarter turn takes in(W-1-y, x); a half turn in(W-1-x, H-1-y).
    const ccw = resample(image, { angle: 90 }, 'nearest');
    const cw = resample(image, { angle: -90 }, 'bilinear');
    const half = resample(image, { angle: 180 }, 'nearest');
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        expect(at(ccw, x, y)).toBe(at(image, W - 1 - y, x));
        expect(at(cw, x, y)).toBe(at(image, y, H - 1 - x));
        expect(at(half, x, y)).toBe(at(image, W - 1 - x, H - 1 - y));
      }
    }
  });

  it('integer shifts equal an array shift with fill, both interpolations, both signs', () => {
    for (const [sx, sy] of [[3, -2], [-5, 4], [0, 7]]) {
      for (const interpolation of ['bilinear', 'nearest'] as const) {
        const out = resample(image, { shiftX: sx, shiftY: sy }, interpolation, W, H, 17);
        for (let y = 0; y < H; y++) {
          for (let x = 0; x < W; x++) {
            const fromX = x - sx; // a positive shift moves the content right and down
            const fromY = y - sy;
            const inside = fromX >= 0 && fromX < W && fromY >= 0 && fromY < H;
            expect(at(out, x, y)).toBe(inside ? at(image, fromX, fromY) : 17);
          }
        }
      }
    }
  });

  it('identity parameters are exactly the identity for bytes and floats', () => {
    const floats = Float32Array.from(image, (v) => v / 7 - 3);
    for (const interpolation of ['bilinear', 'nearest'] as const) {
      expect(Array.from(resample(image, {}, interpolation))).toEqual(Array.from(image));
      expect(Array.from(resample(floats, {}, interpolation))).toEqual(Array.from(floats));
      const dst = new Float32Array(W * H);
      warpResample(floats, dst, W, H, affineMatrix(NONE, W, H), new Float32Array(W * H), new Float32Array(W * H), { interpolation, fill: 0 });
      expect(Array.from(dst)).toEqual(Array.from(floats));
    }
  });

  it("moves a blob's centre of mass by a fractional shift", () => {
    // A smooth blob well inside the frame (a Gaussian of sigma 2 at (12, 13)).
    const blob = new Float32Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) blob[y * W + x] = Math.exp(-((x - 12) ** 2 + (y - 13) ** 2) / 8);
    const centre = (img: Float32Array): [number, number] => {
      let m = 0, mx = 0, my = 0;
      img.forEach((v, i) => ((m += v), (mx += v * (i % W)), (my += v * Math.floor(i / W))));
      return [mx / m, my / m];
    };
    const [x0, y0] = centre(blob);
    for (const [sx, sy] of [[1.5, -2.25], [0.3, 0.7]]) {
      const [x1, y1] = centre(resample(blob, { shiftX: sx, shiftY: sy }, 'bilinear') as Float32Array);
      expect(x1 - x0).toBeCloseTo(sx, 4);
      expect(y1 - y0).toBeCloseTo(sy, 4);
    }
  });

  it('bilinear rotation agrees with an obviously-correct reference', () => {
    // Reference: for each output pixel, rotate its offset from the centre by -angle (undoing a
    // counter-clockwise turn on screen, y down), then weigh the four neighbours; outside = fill.
    const reference = (src: ArrayLike<number>, degrees: number): number[] => {
      const t = (degrees * Math.PI) / 180;
      const c = (W - 1) / 2;
      const px = (x: number, y: number): number => (x >= 0 && y >= 0 && x < W && y < H ? src[y * W + x] : 0);
      const out: number[] = [];
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const u = x - c;
          const v = y - c;
          const sx = c + Math.cos(t) * u - Math.sin(t) * v;
          const sy = c + Math.sin(t) * u + Math.cos(t) * v;
          const x0 = Math.floor(sx), y0 = Math.floor(sy), fx = sx - x0, fy = sy - y0;
          out.push(
            px(x0, y0) * (1 - fx) * (1 - fy) + px(x0 + 1, y0) * fx * (1 - fy) + px(x0, y0 + 1) * (1 - fx) * fy + px(x0 + 1, y0 + 1) * fx * fy,
          );
        }
      }
      return out;
    };
    const floats = Float32Array.from(image);
    for (const degrees of [17, 33, -71]) {
      const expected = reference(image, degrees);
      const bytes = resample(image, { angle: degrees }, 'bilinear');
      const f = resample(floats, { angle: degrees }, 'bilinear');
      expected.forEach((v, i) => {
        expect(Math.abs(bytes[i] - v)).toBeLessThanOrEqual(0.5 + 1e-9);
        expect(Math.abs(f[i] - v)).toBeLessThan(1e-3);
      });
    }
  });

  it('scale 2 about the centre maps a hand-worked point', () => {
    // A bright pixel at (16, 13) of a 28 x 28 image (centre 13.5, 13.5) moves to
    // 13.5 + 2 * (16 - 13.5) = 18.5 and 13.5 + 2 * (13 - 13.5) = 12.5. Output (18, 12) samples
    // input (13.5 + (18 - 13.5) / 2, 13.5 + (12 - 13.5) / 2) = (15.75, 12.75): the bright
    // pixel's bilinear weight there is 0.75 * 0.75; the same holds at (19, 12), (18, 13), (19, 13).
    const src = new Float32Array(W * H);
    src[13 * W + 16] = 1;
    const out = resample(src, { scale: 2 }, 'bilinear') as Float32Array;
    const peak = [[18, 12], [19, 12], [18, 13], [19, 13]];
    for (const [x, y] of peak) expect(out[y * W + x]).toBeCloseTo(0.5625, 6);
    out.forEach((v, i) => {
      if (!peak.some(([x, y]) => y * W + x === i)) expect(v).toBeLessThan(0.5625);
    });
  });
});
