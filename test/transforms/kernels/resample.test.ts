import { describe, expect, it } from 'vitest';
import {
  affineMatrix,
  elasticField,
  identityAffine,
  warpResample,
  type AffineParams,
} from '../../../packages/transforms/src/kernels/index.js';
import { lcgBytes } from '../../fixtures/blocks.js';
import { pixel, referenceWarp, uniformDraws } from './reference.js';

const NONE: AffineParams = { angle: 0, shiftX: 0, shiftY: 0, scale: 1, shear: 0 };
const W = 28;
const H = 28;
const image = lcgBytes(W * H, 11);
const INTERPOLATIONS = ['bilinear', 'nearest'] as const;

describe('warpResample', () => {
  it('is exactly the identity with an identity matrix and zero or alpha-0 fields', () => {
    const floats = Float32Array.from(image, (v) => v * 0.37 - 11);
    const zeros = new Float32Array(W * H);
    const dx = new Float32Array(W * H).fill(5);
    const dy = new Float32Array(W * H).fill(-5);
    elasticField(dx, dy, W, H, 0, 4, Math.random);
    for (const interpolation of INTERPOLATIONS) {
      for (const src of [image, floats]) {
        for (const [fx, fy] of [[zeros, zeros], [dx, dy], [undefined, undefined]]) {
          const dst = src instanceof Uint8Array ? new Uint8Array(W * H) : new Float32Array(W * H);
          warpResample(src, dst, W, H, affineMatrix(NONE, W, H), fx, fy, { interpolation, fill: 3 });
          expect(dst).toEqual(src);
        }
      }
    }
  });

  it('samples at the displaced output position: a constant (2, -1) field moves content left 2 and down 1', () => {
    const dx = new Float32Array(W * H).fill(2);
    const dy = new Float32Array(W * H).fill(-1);
    for (const interpolation of INTERPOLATIONS) {
      const dst = new Uint8Array(W * H);
      warpResample(image, dst, W, H, identityAffine(), dx, dy, { interpolation, fill: 9 });
      for (let y = 0; y < H; y++) {
        for (let x = 0; x < W; x++) {
          const fromX = x + 2;
          const fromY = y - 1;
          const inside = fromX < W && fromY >= 0;
          expect(dst[y * W + x]).toBe(inside ? image[fromY * W + fromX] : 9);
        }
      }
    }
  });

  it('applies the matrix to the displaced position, matching a per-pixel reference', () => {
    const params = { angle: 23, shiftX: 1.25, shiftY: -0.5, scale: 1.15, shear: 6 };
    const m = affineMatrix(params, W, H);
    // A smooth-ish field with a few pixels of displacement.
    const draws = uniformDraws(2 * W * H, 3);
    const dx = Float32Array.from({ length: W * H }, (_, i) => 3 * Math.sin(i / 40) + (draws[i] - 0.5));
    const dy = Float32Array.from({ length: W * H }, (_, i) => 2 * Math.cos(i / 31) + (draws[W * H + i] - 0.5));
    const expected = referenceWarp(image, W, H, (x, y, i) => {
      const u = x + dx[i];
      const v = y + dy[i];
      return [m[0] * u + m[1] * v + m[2], m[3] * u + m[4] * v + m[5]];
    }, 12);
    const floats = new Float32Array(W * H);
    const bytes = new Uint8Array(W * H);
    warpResample(image, floats, W, H, m, dx, dy, { interpolation: 'bilinear', fill: 12 });
    warpResample(image, bytes, W, H, m, dx, dy, { interpolation: 'bilinear', fill: 12 });
    expected.forEach((v, i) => {
      expect(Math.abs(floats[i] - v)).toBeLessThan(1e-4);
      expect(Math.abs(bytes[i] - v)).toBeLessThanOrEqual(0.5 + 1e-9);
    });
  });

  it('blends with the fill over the last pixel at the border (hand-worked, 3 x 1)', () => {
    // Shift right by half a pixel: out(0) samples x = -0.5, half fill and half pixel 0.
    const src = Float32Array.from([10, 20, 30]);
    const dst = new Float32Array(3);
    warpResample(src, dst, 3, 1, affineMatrix({ ...NONE, shiftX: 0.5 }, 3, 1), undefined, undefined, { interpolation: 'bilinear', fill: 100 });
    expect(Array.from(dst)).toEqual([55, 15, 25]);
    // Nearest: ties round towards +x, so x = -0.5 takes pixel 0 and x = 0.5 takes pixel 1.
    warpResample(src, dst, 3, 1, affineMatrix({ ...NONE, shiftX: 0.5 }, 3, 1), undefined, undefined, { interpolation: 'nearest', fill: 100 });
    expect(Array.from(dst)).toEqual([10, 20, 30]);
  });

  it('rounds bytes to nearest and clamps them to [0, 255], fill included', () => {
    const src = Float32Array.from([0.5, 1.5, 2.49, 254.6, 300, -5, 7, 0.4999]);
    const dst = new Uint8Array(8);
    warpResample(src, dst, 8, 1, identityAffine(), undefined, undefined, { interpolation: 'bilinear', fill: 0 });
    expect(Array.from(dst)).toEqual([1, 2, 2, 255, 255, 0, 7, 0]);
    const bytes = Uint8Array.from([1, 2, 3]);
    const out = new Uint8Array(3);
    for (const [fill, want] of [[300, 255], [-4, 0], [7.6, 8]]) {
      warpResample(bytes, out, 3, 1, affineMatrix({ ...NONE, shiftX: 5 }, 3, 1), undefined, undefined, { interpolation: 'nearest', fill });
      expect(Array.from(out)).toEqual([want, want, want]);
    }
  });

  it('with a table, stores table[the rounded byte], clamped, fill included (hand-worked)', () => {
    const table = Float32Array.from({ length: 256 }, (_, v) => v * 10 + 0.25);
    const src = Float32Array.from([0.5, 1.5, 2.49, 254.6, 300, -5, 7, 0.4999]);
    const dst = new Float32Array(8);
    warpResample(src, dst, 8, 1, identityAffine(), undefined, undefined, { interpolation: 'bilinear', fill: 0, table });
    expect(Array.from(dst)).toEqual([1, 2, 2, 255, 255, 0, 7, 0].map((v) => v * 10 + 0.25));
    // A half-pixel shift of bytes: the mean of neighbours, rounded half up, then looked up;
    // the last pixel blends with fill 3: (9 + 3) / 2 = 6.
    const bytes = Uint8Array.from([1, 2, 4, 9]);
    warpResample(bytes, dst, 4, 1, affineMatrix({ ...NONE, shiftX: -0.5 }, 4, 1), undefined, undefined, { interpolation: 'bilinear', fill: 3, table });
    expect(Array.from(dst.subarray(0, 4))).toEqual([2, 3, 7, 6].map((v) => v * 10 + 0.25));
    expect(() => warpResample(bytes, new Uint8Array(4), 4, 1, identityAffine(), undefined, undefined, { interpolation: 'bilinear', fill: 0, table })).toThrow(
      'Expected a table of 256 values and Float32 dst but received 256 values and Uint8Array dst',
    );
  });

  it('takes the fill where a displacement is NaN, and rejects short buffers naming them', () => {
    const dx = new Float32Array(4);
    const dy = new Float32Array(4);
    dx[1] = Number.NaN;
    const src = Uint8Array.from([1, 2, 3, 4]);
    const dst = new Uint8Array(4);
    for (const interpolation of INTERPOLATIONS) {
      warpResample(src, dst, 2, 2, identityAffine(), dx, dy, { interpolation, fill: 99 });
      expect(Array.from(dst)).toEqual([1, 99, 3, 4]);
    }
    const options = { interpolation: 'bilinear', fill: 0 } as const;
    expect(() => warpResample(src, new Uint8Array(3), 2, 2, identityAffine(), undefined, undefined, options)).toThrow(/dst/);
    expect(() => warpResample(src, dst, 2, 2, identityAffine(), new Float32Array(1), dy, options)).toThrow(/dx/);
    expect(() => warpResample(src, dst, 2, 2, identityAffine(), dx, undefined, options)).toThrow(/dx and dy/);
  });

  // warpResample interpolates only within a pixel of the content (the pixels other than the
  // fill) and stores the fill elsewhere; these images put the content where that can go wrong.
  it('matches the reference on sparse images: content at the borders, a byte fill, odd widths, unaligned and empty images', () => {
    /** A `width x height` image of `fill` with the pixels in `content` ([x, y, value]) set. */
    const sparse = (width: number, height: number, fill: number, content: [number, number, number][], offset = 0): Uint8Array => {
      const src = new Uint8Array(offset + width * height).fill(fill).subarray(offset);
      for (const [x, y, value] of content) src[y * width + x] = value;
      return src;
    };
    const blob: [number, number, number][] = [[12, 10, 255], [13, 10, 200], [12, 11, 180], [14, 15, 90], [9, 17, 255]];
    const images: [name: string, src: Uint8Array, width: number, height: number, fill: number][] = [
      ['a centred blob, fill 0', sparse(28, 28, 0, blob), 28, 28, 0],
      ['content on the left column and bottom row, fill 7', sparse(28, 28, 7, [[0, 5, 250], [20, 27, 0], [27, 0, 9]]), 28, 28, 7],
      // Content touching one border at a time: positions within a pixel of it have neighbours outside
      // the image (at (27, 26), the right one of the last row is past the end of the array).
      ...(['left', 'top', 'right', 'bottom'] as const).map((side): [string, Uint8Array, number, number, number] => {
        const [x, y] = { left: [0, 9], top: [9, 0], right: [27, 26], bottom: [9, 27] }[side];
        return [`content on the ${side} border only`, sparse(28, 28, 0, [[x, y, 255], [13, 13, 128]]), 28, 28, 0];
      }),
      ['width 27 (not whole words)', sparse(27, 28, 0, [[26, 13, 255], [3, 3, 128]]), 27, 28, 0],
      ['at an unaligned offset', sparse(28, 28, 0, blob, 1), 28, 28, 0],
      ['only fill', sparse(28, 28, 5, []), 28, 28, 5],
      ['one pixel', sparse(28, 28, 0, [[27, 27, 255]]), 28, 28, 0],
    ];
    const matrices = [
      { angle: 37, shiftX: 0.3, shiftY: -1.7, scale: 1, shear: 0 },
      { angle: 0, shiftX: 0.5, shiftY: 0.25, scale: 1, shear: 0 },
      { angle: 0, shiftX: -0.5, shiftY: -0.25, scale: 1, shear: 0 },
      { angle: 90, shiftX: 0, shiftY: 0, scale: 1, shear: 0 },
      { angle: 0, shiftX: 0, shiftY: 0, scale: 1, shear: 1e-8 }, // steps far below a pixel
      { angle: -160, shiftX: 2, shiftY: 3, scale: 0.6, shear: 20 },
      { angle: 0, shiftX: 40, shiftY: 0, scale: 1, shear: 0 }, // everything outside
    ];
    for (const [name, src, width, height, fill] of images) {
      for (const params of matrices) {
        const m = affineMatrix(params, width, height);
        const toSource = (x: number, y: number): [number, number] => [m[0] * x + m[1] * y + m[2], m[3] * x + m[4] * y + m[5]];
        const bilinear = referenceWarp(src, width, height, toSource, fill);
        const floats = new Float32Array(width * height);
        const bytes = new Uint8Array(width * height);
        const nearest = new Uint8Array(width * height);
        warpResample(src, floats, width, height, m, undefined, undefined, { interpolation: 'bilinear', fill });
        warpResample(src, bytes, width, height, m, undefined, undefined, { interpolation: 'bilinear', fill });
        warpResample(src, nearest, width, height, m, undefined, undefined, { interpolation: 'nearest', fill });
        const where = `${name}, ${JSON.stringify(params)}`;
        for (let y = 0, i = 0; y < height; y++) {
          for (let x = 0; x < width; x++, i++) {
            expect(Math.abs(floats[i] - bilinear[i]), where).toBeLessThan(1e-4);
            expect(Math.abs(bytes[i] - bilinear[i]), where).toBeLessThanOrEqual(0.5 + 1e-9);
            const [sx, sy] = toSource(x, y);
            // Away from a rounding tie, nearest is the pixel at the rounded position.
            if (Math.abs((sx % 1) - 0.5) > 1e-6 && Math.abs((sy % 1) - 0.5) > 1e-6) {
              expect(nearest[i], where).toBe(pixel(src, width, height, Math.floor(sx + 0.5), Math.floor(sy + 0.5), fill));
            }
          }
        }
      }
    }
  });
});
