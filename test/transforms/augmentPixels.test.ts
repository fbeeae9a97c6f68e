// augment()'s pixel steps without torchvision: stroke thickness against a plain max/min filter
// over a disk written here, Gaussian noise against its distribution, Float32 input against the
// formulas, and the option checks.
import { lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, mnist, type Block } from '@idxflow/core';
import { augment, thickenStroke, toFloat, type AugmentOptions } from '@idxflow/transforms/internal';
import { lcgBytes } from '../fixtures/blocks.js';

const first = async <P extends Block['images']>(block: Block, options: AugmentOptions, seed = 1): Promise<P> =>
  (await lastValueFrom(of(block).pipe(augment(options, { seed })))).images as P;

/** The definition: each pixel the max (radius > 0) or min of the pixels within |radius| of it, inside the image. */
function diskFilter(src: ArrayLike<number>, width: number, height: number, radius: number): number[] {
  const r = Math.abs(radius);
  const reach = Math.ceil(r);
  const out: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const values: number[] = [];
      for (let dy = -reach; dy <= reach; dy++) {
        for (let dx = -reach; dx <= reach; dx++) {
          const u = x + dx, v = y + dy;
          if (dx * dx + dy * dy <= r * r && u >= 0 && v >= 0 && u < width && v < height) values.push(src[v * width + u]);
        }
      }
      out.push(radius > 0 ? Math.max(...values) : Math.min(...values));
    }
  }
  return out;
}

const testDigits = async (n: number): Promise<Block> => (await lastValueFrom(mnist({ split: 'test' }).pipe(batch(n), toArray())))[0];

describe('thickness', () => {
  it('is the max (dilation) or min (erosion) over a disk, as the plain filter computes, on 300 MNIST digits', async () => {
    const digits = await testDigits(300);
    for (const radius of [1, 1.5, 2, 2.5, 3, -1, -1.5, -2, -2.9]) {
      const out = await first<Uint8Array>(digits, { thickness: [radius, radius] });
      for (let d = 0; d < 300; d++) {
        const expected = diskFilter(digits.images.subarray(d * 784, (d + 1) * 784), 28, 28, radius);
        expect(Array.from(out.subarray(d * 784, (d + 1) * 784)), `radius ${radius}, digit ${d}`).toEqual(expected);
      }
      // Thicker or thinner: the ink grows with dilation and shrinks with erosion.
      const ink = (a: ArrayLike<number>): number => Array.from(a).reduce((s, v) => s + v, 0);
      if (radius > 0) expect(ink(out)).toBeGreaterThan(1.3 * ink(digits.images));
      else expect(ink(out)).toBeLessThan(0.8 * ink(digits.images));
    }
    // A radius under 1 reaches no neighbour: the digits are unchanged.
    expect(Buffer.from(await first<Uint8Array>(digits, { thickness: 0.9 })).equals(Buffer.from(digits.images))).toBe(true);
  });

  it('handles odd sizes, the border and Float32 pixels in the kernel', () => {
    const bytes = lcgBytes(7 * 5, 3);
    const floats = Float32Array.from(bytes, (v) => v / 255);
    for (const radius of [1, 2.3, -1.7, 4]) {
      const out = new Uint8Array(35);
      thickenStroke(bytes, out, 7, 5, radius);
      expect(Array.from(out), `radius ${radius}`).toEqual(diskFilter(bytes, 7, 5, radius));
      const f = new Float32Array(35);
      thickenStroke(floats, f, 7, 5, radius);
      expect(Array.from(f), `radius ${radius}, float`).toEqual(diskFilter(floats, 7, 5, radius));
    }
    expect(() => thickenStroke(bytes, bytes, 7, 5, 1)).toThrow('Expected dst apart from src');
  });
});

describe('noise', () => {
  it('adds N(0, sigma) per pixel, independent between pixels and samples, rounded to bytes', async () => {
    // 1,000 samples of flat grey 128 (no clamping within 10 sigma); sigma 0.05 is 12.75 levels.
    const n = 1000;
    const grey: Block = { images: new Uint8Array(n * 784).fill(128), labels: new Uint8Array(n), indices: Uint32Array.from({ length: n }, (_, i) => i), epoch: 0, shape: [n, 28, 28] };
    const out = await first<Uint8Array>(grey, { noise: 0.05 });
    const d = Array.from(out, (v) => v - 128);
    const mean = d.reduce((s, v) => s + v, 0) / d.length;
    const variance = d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length;
    // Rounding to bytes adds 1/12 to the variance. Standard errors over 784,000 draws: 0.0144 for
    // the mean, 0.26 for the variance, 0.0011 for a correlation; the bounds are 4 to 6 of them.
    const expected = 12.75 ** 2 + 1 / 12;
    expect(Math.abs(mean)).toBeLessThan(0.06);
    expect(Math.abs(variance - expected)).toBeLessThan(1.5);
    let right = 0, next = 0;
    for (let i = 0; i + 1 < d.length; i++) if ((i + 1) % 784 !== 0) right += d[i] * d[i + 1];
    for (let i = 0; i + 784 < d.length; i++) next += d[i] * d[i + 784]; // the same pixel of the next sample
    expect(Math.abs(right / d.length / variance)).toBeLessThan(0.006);
    expect(Math.abs(next / d.length / variance)).toBeLessThan(0.006);
    // A fourth moment near the normal's 3 sigma^4 (a uniform's would be 1.8).
    const kurtosis = d.reduce((s, v) => s + (v - mean) ** 4, 0) / d.length / variance ** 2;
    expect(kurtosis).toBeGreaterThan(2.9);
    expect(kurtosis).toBeLessThan(3.1);
  });
});

describe('Float32 input (in [0, 1])', () => {
  it('flips exactly and adjusts brightness and contrast by the float formulas, clamped to [0, 1]', async () => {
    const [floats] = await lastValueFrom(mnist({ split: 'test' }).pipe(batch(200), toFloat(), toArray()));
    const x = floats.images;
    const flipped = await first<Float32Array>(floats, { flip: { horizontal: 1 } });
    for (let i = 0; i < x.length; i++) expect(flipped[i]).toBe(x[i - (i % 28) + 27 - (i % 28)]);
    const bright = await first<Float32Array>(floats, { brightness: 1.7 });
    for (let i = 0; i < x.length; i++) expect(bright[i]).toBe(Math.fround(Math.min(1, Math.fround(Math.fround(1.7) * x[i]))));
    const contrast = await first<Float32Array>(floats, { contrast: 0.6 });
    for (let d = 0; d < 200; d++) {
      const image = x.subarray(d * 784, (d + 1) * 784);
      const mean = image.reduce((s, v) => s + v, 0) / 784;
      for (let i = 0; i < 784; i++) expect(contrast[d * 784 + i]).toBeCloseTo(Math.min(1, Math.max(0, 0.6 * image[i] + 0.4 * mean)), 6);
    }
    // The other steps run on floats too, values staying in [0, 1].
    const all = await first<Float32Array>(floats, { thickness: 2, gamma: [0.5, 2], noise: 0.1, erase: { value: 0.5 } });
    expect(all.every((v) => v >= 0 && v <= 1)).toBe(true);
    expect(all.filter((v) => v === 0.5).length).toBeGreaterThan(200 * 15); // every sample has a box of at least 2% of 784
  });
});

describe('option checks, when the stage is built', () => {
  it('names the option, what was expected and what was received', () => {
    const cases: [AugmentOptions, string][] = [
      [{ flip: { horizontal: 1.5 } }, 'Expected probability between 0 and 1 for flip.horizontal but received 1.5 of type number'],
      [{ rotate: { range: 15, p: -0.1 } }, 'Expected probability between 0 and 1 for rotate.p but received -0.1 of type number'],
      [{ rotate: { range: -3 } }, 'Expected non-negative number or [min, max] for rotate.range but received -3 of type number'],
      [{ shearY: 90 }, 'Expected degrees within (-90, 90) for shearY but received 90 of type number'],
      [{ brightness: [-0.5, 1] }, 'Expected non-negative values for brightness but received [-0.5,1] of type array'],
      [{ contrast: [1.2, 0.8] }, 'Expected [min, max] with min <= max for contrast but received [1.2,0.8] of type array'],
      [{ gamma: { range: [0.5, 2], p: 2 } }, 'Expected probability between 0 and 1 for gamma.p but received 2 of type number'],
      [{ noise: -0.1 }, 'Expected non-negative values for noise but received -0.1 of type number'],
      [{ elastic: { alpha: 34, sigma: 4, p: Number.NaN } }, 'Expected probability between 0 and 1 for elastic.p but received null of type number'],
      [{ erase: { scale: [0.2, 1.5] } }, 'Expected [min, max] within [0, 1] for erase.scale but received [0.2,1.5] of type array'],
      [{ erase: { ratio: [0, 2] } }, 'Expected positive [min, max] for erase.ratio but received [0,2] of type array'],
      [{ erase: { value: Number.POSITIVE_INFINITY } }, 'Expected finite number for erase.value but received null of type number'],
      [{ thickness: { p: 0.5 } as never }, 'Expected a range or { range, p } for thickness but received {"p":0.5} of type object'],
    ];
    for (const [options, message] of cases) expect(() => augment(options), JSON.stringify(options)).toThrow(message);
  });
});
