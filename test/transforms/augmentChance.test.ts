// Each option's probability p, measured over 10,000 samples, and determinism with every new
// option on: identical bytes for 0, 1 and 2 workers and blocks of 1, 7 and 1000.
import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, epochs, mnist, shuffle, shuffleRows, type Block } from '@idxflow/core';
import { augment, normalize, type AugmentOptions } from '@idxflow/transforms';
import { hashOf, run } from '../fixtures/hash.js';

const N = 10_000;
const SIDE = 28;

/** N copies (indices 0..N-1: N independent draws) of `image`. */
function copies(image: Uint8Array): Block {
  const images = new Uint8Array(N * SIDE * SIDE);
  for (let i = 0; i < N; i++) images.set(image, i * SIDE * SIDE);
  return { images, labels: new Uint8Array(N), indices: Uint32Array.from({ length: N }, (_, i) => i), epoch: 0, shape: [N, SIDE, SIDE] };
}

/** Grey 100 everywhere but one pixel at 250, at (5, 3): where it goes tells a flip or a turn. */
function marked(): Uint8Array {
  const image = new Uint8Array(SIDE * SIDE).fill(100);
  image[3 * SIDE + 5] = 250;
  return image;
}

/** How many of the N samples satisfy `test` (given each sample's pixels). */
async function count(image: Uint8Array, options: AugmentOptions, test: (pixels: Uint8Array) => boolean, seed = 2): Promise<number> {
  const [out] = await run(of(copies(image)).pipe(augment({ interpolation: 'nearest', ...options }, { seed })));
  let k = 0;
  for (let i = 0; i < N; i++) if (test((out.images as Uint8Array).subarray(i * SIDE * SIDE, (i + 1) * SIDE * SIDE))) k++;
  return k;
}

/** |k - np| < 4 sqrt(np(1 - p)): a binomial count within 4 standard deviations (fails about 6 times in 100,000). */
function expectBinomial(k: number, p: number, what: string): void {
  const sd = Math.sqrt(N * p * (1 - p));
  expect(Math.abs(k - N * p), `${what}: ${k} of ${N}, p ${p}`).toBeLessThan(4 * sd);
}

const at = (x: number, y: number) => (pixels: Uint8Array): boolean => pixels[y * SIDE + x] === 250;

describe('p: each option applies to a share p of the samples, drawn per sample', () => {
  it('flip.horizontal 0.3 and flip.vertical 0.6, independently of each other', async () => {
    const image = marked();
    expectBinomial(await count(image, { flip: { horizontal: 0.3, vertical: 0.6 } }, at(22, 3)), 0.3 * 0.4, 'horizontal only');
    expectBinomial(await count(image, { flip: { horizontal: 0.3, vertical: 0.6 } }, at(5, 24)), 0.7 * 0.6, 'vertical only');
    expectBinomial(await count(image, { flip: { horizontal: 0.3, vertical: 0.6 } }, at(22, 24)), 0.3 * 0.6, 'both');
  });

  it('rotate, scale and elastic with their own p', async () => {
    const image = marked();
    // A quarter turn counter-clockwise takes (5, 3) to (3, 22).
    expectBinomial(await count(image, { rotate: { range: [90, 90], p: 0.25 } }, at(3, 22)), 0.25, 'rotate');
    // Scale 2 about the centre (13.5, 13.5) takes (5, 3) to (-3.5, -7.5): off the image.
    expectBinomial(await count(image, { scale: { range: 2, p: 0.65 } }, (px) => !px.includes(250)), 0.65, 'scale');
    expectBinomial(await count(image, { elastic: { alpha: 34, sigma: 4, p: 0.1 } }, (px) => !at(5, 3)(px) || px[0] !== 100), 0.1, 'elastic');
  });

  it('brightness, contrast, gamma, thickness, noise and erasing with their own p', async () => {
    const image = marked();
    const grey = (v: number) => (px: Uint8Array): boolean => px[0] === v;
    expectBinomial(await count(image, { brightness: { range: 0.5, p: 0.4 } }, grey(50)), 0.4, 'brightness');
    expectBinomial(await count(image, { contrast: { range: 0, p: 0.15 } }, (px) => !at(5, 3)(px)), 0.15, 'contrast'); // all pixels the mean
    expectBinomial(await count(image, { gamma: { range: 2, p: 0.5 } }, grey(39)), 0.5, 'gamma'); // 255 (100/255)^2 = 39.2
    expectBinomial(await count(image, { thickness: { range: [1, 1], p: 0.8 } }, at(6, 3)), 0.8, 'thickness');
    expectBinomial(await count(image, { noise: { range: 0.2, p: 0.05 } }, (px) => px.some((v, i) => v !== image[i])), 0.05, 'noise');
    expectBinomial(await count(image, { erase: { p: 0.55, value: 7 } }, (px) => px.includes(7)), 0.55, 'erase');
  });

  it('two augment() stages draw their own chances: two flips of p 0.5 leave half the samples mirrored', async () => {
    // Were the second stage to draw the first one's chances, every sample would flip twice or not at all.
    const [out] = await run(of(copies(marked())).pipe(augment({ flip: { horizontal: 0.5 } }, { seed: 3 }), augment({ flip: { horizontal: 0.5 } }, { seed: 3 })));
    let mirrored = 0;
    for (let i = 0; i < N; i++) if (at(22, 3)((out.images as Uint8Array).subarray(i * 784, (i + 1) * 784))) mirrored++;
    expectBinomial(mirrored, 0.5, 'odd number of flips');
  });
});

const ALL: AugmentOptions = {
  rotate: { range: 15, p: 0.8 },
  shift: 2,
  scale: [0.9, 1.1],
  shear: 5,
  shearY: { range: 5, p: 0.5 },
  flip: { horizontal: 0.5, vertical: 0.1 },
  elastic: { alpha: 34, sigma: 4, p: 0.5 },
  thickness: { range: [-1.5, 2], p: 0.5 },
  brightness: { range: [0.7, 1.3], p: 0.5 },
  contrast: { range: [0.7, 1.3], p: 0.5 },
  gamma: { range: [0.7, 1.4], p: 0.5 },
  noise: { range: [0, 0.1], p: 0.3 },
  erase: { p: 0.5, value: 30 },
};

describe('determinism with every option on', () => {
  it('gives byte-identical output for 0, 1 and 2 workers and block sizes 1, 7 and 1000, bytes and normalised', async () => {
    for (const normalized of [false, true]) {
      const hashes = new Set<string>();
      for (const workers of [0, 1, 2]) {
        for (const size of [1, 7, 1000]) {
          const options = normalized ? { ...ALL, normalize: {} } : ALL;
          const out = await run(mnist({ split: 'test' }).pipe(batch(size), augment(options, { seed: 11, workers, taskImages: 500 })));
          expect(out.reduce((n, b) => n + b.shape[0], 0)).toBe(10000);
          hashes.add(hashOf(out));
        }
      }
      expect(hashes.size, normalized ? 'normalised' : 'bytes').toBe(1);
    }
  });

  it("the normalize option gives the bits of normalize() after it, and the Rows' gather those of gathering first", async () => {
    const fused = await run(mnist({ split: 'test' }).pipe(batch(1000), augment({ ...ALL, normalize: {} }, { seed: 3, workers: 1 })));
    const apart = await run(mnist({ split: 'test' }).pipe(batch(1000), augment(ALL, { seed: 3 }), normalize()));
    expect(fused[0].images).toBeInstanceOf(Float32Array);
    expect(hashOf(fused)).toBe(hashOf(apart));
    const rows = await run(mnist({ split: 'test' }).pipe(epochs(2), shuffleRows({ seed: 9 }), batch(100), augment(ALL, { seed: 3, workers: 2 })));
    const gathered = await run(mnist({ split: 'test' }).pipe(epochs(2), shuffle({ seed: 9 }), batch(100), augment(ALL, { seed: 3 })));
    expect(hashOf(rows)).toBe(hashOf(gathered));
  });

  it('differs between seeds and epochs, and changes most samples', async () => {
    const source = (await run(mnist({ split: 'test' }).pipe(batch(10000))))[0];
    const a = await run(of(source).pipe(augment(ALL, { seed: 1 })));
    const b = await run(of(source).pipe(augment(ALL, { seed: 2 })));
    const e1 = await run(of({ ...source, epoch: 1 }).pipe(augment(ALL, { seed: 1 })));
    expect(hashOf(a)).not.toBe(hashOf(b));
    expect(hashOf(a)).not.toBe(hashOf(e1));
    let changed = 0;
    for (let i = 0; i < 10000; i++) if (!Buffer.from(a[0].images.subarray(i * 784, (i + 1) * 784)).equals(Buffer.from(source.images.subarray(i * 784, (i + 1) * 784)))) changed++;
    expect(changed).toBeGreaterThan(9900);
  });
});
