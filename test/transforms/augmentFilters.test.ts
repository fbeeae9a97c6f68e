// augment()'s blur, sharpness, posterize, solarize, autocontrast, equalize and invert: each
// step's p over 10,000 draws on a hand-worked image, determinism with all of them on (workers
// 0, 1, 2 and blocks of 1, 7, 1000), their checks when built, and Float32 input.
import { lastValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, BlockMismatchError, mnist, type Block } from '@idxflow/core';
import { augment, normalize, toFloat, type AugmentOptions } from '@idxflow/transforms';
import { hashOf, run } from '../fixtures/hash.js';
import { outcome } from '../fixtures/outcome.js';

const N = 10_000;
const SIDE = 28;

/** Grey 100 everywhere but one pixel at 250, at (5, 3). */
function marked(): Uint8Array {
  const image = new Uint8Array(SIDE * SIDE).fill(100);
  image[3 * SIDE + 5] = 250;
  return image;
}

/** `n` copies (indices 0..n-1: n independent draws) of `image`. */
function copies(image: Uint8Array, n = N): Block {
  const images = new Uint8Array(n * SIDE * SIDE);
  for (let i = 0; i < n; i++) images.set(image, i * SIDE * SIDE);
  return { images, labels: new Uint8Array(n), indices: Uint32Array.from({ length: n }, (_, i) => i), epoch: 0, shape: [n, SIDE, SIDE] };
}

/** How many of the N samples satisfy `test`. */
async function count(options: AugmentOptions, test: (pixels: Uint8Array) => boolean): Promise<number> {
  const [out] = await run(of(copies(marked())).pipe(augment(options, { seed: 4 })));
  let k = 0;
  for (let i = 0; i < N; i++) if (test((out.images as Uint8Array).subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE))) k++;
  return k;
}

/** A binomial count within 4 standard deviations of N p. */
function expectBinomial(k: number, p: number, what: string): void {
  expect(Math.abs(k - N * p), `${what}: ${k} of ${N}, p ${p}`).toBeLessThan(4 * Math.sqrt(N * p * (1 - p)));
}

const MARK = 3 * SIDE + 5;

describe('p: each step applies to a share p of the samples, with the values worked by hand', () => {
  it('invert, posterize, solarize, autocontrast, equalize, sharpness and blur', async () => {
    const grey = (v: number) => (px: Uint8Array): boolean => px[0] === v;
    expectBinomial(await count({ invert: { p: 0.3 } }, grey(155)), 0.3, 'invert'); // 255 - 100
    expectBinomial(await count({ posterize: { range: 2, p: 0.4 } }, grey(64)), 0.4, 'posterize'); // 100 & 0b11000000
    expectBinomial(await count({ solarize: { range: 100, p: 0.6 } }, grey(155)), 0.6, 'solarize'); // 100 >= 100: inverted
    expectBinomial(await count({ autocontrast: { p: 0.25 } }, (px) => px[0] === 0 && px[MARK] === 255), 0.25, 'autocontrast'); // 100..250 to 0..255
    // equalize: 783 pixels at 100, 1 at 250; step = 783 // 255 = 3; lut[100] = (0 + 1) // 3 = 0, lut[250] = (783 + 1) // 3, clamped to 255
    expectBinomial(await count({ equalize: { p: 0.7 } }, (px) => px[0] === 0 && px[MARK] === 255), 0.7, 'equalize');
    // sharpness 0 is the smoothed image: (8 x 100 + 5 x 250) / 13 = 157.7, rounded to 158
    expectBinomial(await count({ sharpness: { range: 0, p: 0.45 } }, (px) => px[MARK] === 158 && px[0] === 100), 0.45, 'sharpness');
    expectBinomial(await count({ blur: { kernelSize: 3, sigma: 1, p: 0.35 } }, (px) => px[MARK] !== 250), 0.35, 'blur');
  });

  it('posterize draws its bits uniformly over the integers of its range', async () => {
    // 100 = 0b01100100: 1 bit keeps 0, 2 bits 64, 3, 4 and 5 bits 96, 6 bits 100
    const counts = [0, 64, 96, 100].map((v) => count({ posterize: [1, 6] }, (px) => px[0] === v));
    const [zero, sixtyFour, ninetySix, hundred] = await Promise.all(counts);
    expectBinomial(zero, 1 / 6, 'bits 1');
    expectBinomial(sixtyFour, 1 / 6, 'bits 2');
    expectBinomial(ninetySix, 3 / 6, 'bits 3 to 5');
    expectBinomial(hundred, 1 / 6, 'bits 6');
  });
});

const FILTERS: AugmentOptions = {
  rotate: { range: 10, p: 0.5 },
  contrast: { range: [0.8, 1.2], p: 0.5 },
  blur: { kernelSize: [3, 5], sigma: [0.1, 2], p: 0.5 },
  sharpness: { range: [0.5, 3], p: 0.5 },
  posterize: { range: [3, 7], p: 0.5 },
  solarize: { range: [128, 255], p: 0.5 },
  autocontrast: { p: 0.5 },
  equalize: { p: 0.5 },
  invert: { p: 0.5 },
  resizedCrop: { p: 0.5 },
  perspective: { distortion: 0.5, p: 0.5 },
  flip: { horizontal: 0.3 },
};

// resizedCrop and perspective on half the samples each, with rotate on half and flips on some:
// every resampling kind (torchvision's crop or perspective, alone or with flips, the composed
// projective map, the affine map).
describe('determinism with the new steps on', () => {
  it('gives byte-identical output for 0, 1 and 2 workers and block sizes 1, 7 and 1000, bytes and normalised', async () => {
    for (const normalized of [false, true]) {
      const hashes = new Set<string>();
      for (const workers of [0, 1, 2]) {
        for (const size of [1, 7, 1000]) {
          const options = normalized ? { ...FILTERS, normalize: {} } : FILTERS;
          const out = await run(mnist({ split: 'test' }).pipe(batch(size), augment(options, { seed: 11, workers, taskImages: 500 })));
          expect(out.reduce((n, b) => n + b.shape[0], 0)).toBe(10000);
          hashes.add(hashOf(out));
        }
      }
      expect(hashes.size, normalized ? 'normalised' : 'bytes').toBe(1);
    }
  });
});

describe('the normalize option with the new steps', () => {
  it('gives the bits of normalize() after them, for byte maps alone (composed into one table) and for all of them', async () => {
    for (const options of [{ rotate: 10, posterize: [3, 6], solarize: { range: 200, p: 0.5 }, invert: { p: 0.5 } }, FILTERS] as AugmentOptions[]) {
      const fused = await run(mnist({ split: 'test' }).pipe(batch(1000), augment({ ...options, normalize: {} }, { seed: 3, workers: 1 })));
      const apart = await run(mnist({ split: 'test' }).pipe(batch(1000), augment(options, { seed: 3 }), normalize()));
      expect(fused[0].images).toBeInstanceOf(Float32Array);
      expect(hashOf(fused)).toBe(hashOf(apart));
    }
  });
});

describe('checks and Float32 input', () => {
  it('refuses bad options when the stage is built, naming them', () => {
    const refused: [AugmentOptions, RegExp][] = [
      [{ posterize: 9 }, /integers within \[0, 8\] for posterize but received 9/],
      [{ posterize: [2.5, 4] }, /integers within \[0, 8\] for posterize/],
      [{ solarize: -1 }, /within \[0, 256\] for solarize/],
      [{ sharpness: -0.5 }, /non-negative values for sharpness/],
      [{ sharpness: { range: 2, p: 1.5 } }, /probability between 0 and 1 for sharpness\.p/],
      [{ blur: { kernelSize: 4 } }, /odd integer from 1 to 511.*for blur\.kernelSize but received 4/],
      [{ blur: { kernelSize: [3, 6] } }, /for blur\.kernelSize/],
      [{ blur: { kernelSize: 3, sigma: 0 } }, /positive values for blur\.sigma/],
      [{ invert: 0.5 as unknown as AugmentOptions['invert'] }, /Expected \{ p \} \(or \{\} for every sample\) for invert but received 0\.5/],
      [{ equalize: { p: 2 } }, /probability between 0 and 1 for equalize\.p/],
    ];
    for (const [options, message] of refused) expect(() => augment(options), JSON.stringify(options)).toThrow(message);
  });

  it('runs invert, solarize, autocontrast, sharpness and blur on Float32 pixels in [0, 1]', async () => {
    const source = of(copies(marked(), 3)).pipe(toFloat());
    const [inverted] = await run(source.pipe(augment({ invert: {} })));
    expect(inverted.images[0]).toBeCloseTo(1 - 100 / 255, 6);
    const [solarized] = await run(source.pipe(augment({ solarize: 200 })));
    expect([solarized.images[0], solarized.images[MARK]].map((v) => v * 255)).toEqual([expect.closeTo(100, 3), expect.closeTo(5, 3)]); // only 250 >= 200
    const [stretched] = await run(source.pipe(augment({ autocontrast: {} })));
    expect([stretched.images[0], stretched.images[MARK]]).toEqual([0, expect.closeTo(1, 6)]); // float32 arithmetic, as torch's
    const [smoothed] = await run(source.pipe(augment({ sharpness: 0 })));
    expect(smoothed.images[MARK] * 255).toBeCloseTo(2050 / 13, 3); // not rounded, as for torchvision's floats
    const [blurred] = await run(source.pipe(augment({ blur: { kernelSize: 3, sigma: 1 } })));
    expect(blurred.images[MARK]).toBeLessThan(250 / 255);
  });

  it('sends posterize and equalize on Float32 images to error as a BlockMismatchError, inline and on workers', async () => {
    for (const options of [{ posterize: 4 }, { equalize: {} }] as AugmentOptions[]) {
      for (const workers of [0, 1]) {
        const result = await outcome(of(copies(marked(), 3)).pipe(toFloat(), augment(options, { workers })));
        expect(result.error, `${JSON.stringify(options)}, ${workers} workers`).toBeInstanceOf(BlockMismatchError);
        expect((result.error as BlockMismatchError).code).toBe('IDXFLOW_BLOCK_MISMATCH');
        expect((result.error as Error).message).toMatch(/augment\(\): expected byte \(Uint8Array\) images for (posterize|equalize), which torchvision defines for uint8 only, found Float32 images/);
      }
    }
  });

  it('sends a blur kernel too large for the image to error as a BlockMismatchError, inline and on workers', async () => {
    for (const workers of [0, 1]) {
      const result = await outcome(of(copies(marked(), 2)).pipe(augment({ blur: { kernelSize: [3, 57] } }, { workers })));
      expect(result.error).toBeInstanceOf(BlockMismatchError);
      expect((result.error as Error).message).toBe(
        "augment(): expected images of at least 2 x 29 pixels (width x height) for blur's kernel of 3 x 57: reflect padding reaches one side back at most, found 28 x 28",
      );
    }
    const fits = await lastValueFrom(of(copies(marked(), 2)).pipe(augment({ blur: { kernelSize: 55, sigma: 5 } })));
    expect(fits.images[MARK]).toBeLessThan(250);
  });
});
