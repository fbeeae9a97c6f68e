// The convolution kernels of sharpness and Gaussian blur on hand-worked images: torchvision's
// Gaussian weights in closed form, reflect padding (not zeros) at the border, and sharpness's
// smoothing of the interior only.
import { describe, expect, it } from 'vitest';
import { BlurScratch, gaussianBlurPixels, gaussianKernel, sharpenPixels } from '@idxflow/transforms/internal';

// exp(-1/2) / (1 + 2 exp(-1/2)) and 1 / (1 + 2 exp(-1/2)): sigma 1, size 3.
const SIDE = Math.exp(-0.5) / (1 + 2 * Math.exp(-0.5));
const MIDDLE = 1 / (1 + 2 * Math.exp(-0.5));

describe('gaussianBlurPixels', () => {
  it("has torchvision's weights: exp(-x^2 / 2 sigma^2) over x = -1, 0, 1, normalised", () => {
    const k = gaussianKernel(3, 1, new Float64Array(3));
    expect(k[0]).toBeCloseTo(SIDE, 7);
    expect(k[1]).toBeCloseTo(MIDDLE, 7);
    expect(k[2]).toBe(k[0]);
  });

  it('reflects at the border: a bright centre of a 3 x 3 image reaches each corner four times', () => {
    const src = Uint8Array.of(0, 0, 0, 0, 255, 0, 0, 0, 0);
    const dst = new Uint8Array(9);
    gaussianBlurPixels(src, dst, 3, 3, 3, 3, 1, new BlurScratch());
    const corner = Math.round(255 * 4 * SIDE * SIDE); // rows 1, 0, 1 and columns 1, 0, 1: the centre at the four corners of the window
    const edge = Math.round(255 * 2 * SIDE * MIDDLE);
    expect(Array.from(dst)).toEqual([corner, edge, corner, edge, Math.round(255 * MIDDLE * MIDDLE), edge, corner, edge, corner]);
    expect(corner).toBe(77); // zero padding would give 19
  });

  it('keeps a constant image constant, and a zero image zero', () => {
    const dst = new Uint8Array(35);
    gaussianBlurPixels(new Uint8Array(35).fill(200), dst, 7, 5, 5, 3, 1.7, new BlurScratch());
    expect(dst.every((v) => v === 200)).toBe(true);
    gaussianBlurPixels(new Uint8Array(35), dst, 7, 5, 5, 3, 1.7, new BlurScratch());
    expect(dst.every((v) => v === 0)).toBe(true);
  });
});

describe('sharpenPixels', () => {
  it('factor 0 is the interior smoothed by [[1,1,1],[1,5,1],[1,1,1]] / 13, rounded, the border kept', () => {
    const src = Uint8Array.from({ length: 16 }, (_, i) => (i * 37) % 256); // 4 x 4
    const dst = new Uint8Array(16);
    sharpenPixels(src, dst, 4, 4, 0);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 4; x++) {
        const i = y * 4 + x;
        if (x === 0 || y === 0 || x === 3 || y === 3) expect(dst[i]).toBe(src[i]);
        else {
          let sum = 4 * src[i];
          for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) sum += src[i + dy * 4 + dx];
          expect(dst[i], `(${x}, ${y})`).toBe(Math.round(sum / 13));
        }
      }
    }
  });

  it('factor 1 is the image; images of side 2 or less are returned as they are', () => {
    const src = Uint8Array.from({ length: 25 }, (_, i) => (i * 53) % 256);
    const dst = new Uint8Array(25);
    sharpenPixels(src, dst, 5, 5, 1);
    expect(Array.from(dst)).toEqual(Array.from(src));
    const small = Uint8Array.of(10, 200, 30, 40, 50, 60);
    const out = new Uint8Array(6);
    sharpenPixels(small, out, 3, 2, 3);
    expect(Array.from(out)).toEqual(Array.from(small));
  });
});
