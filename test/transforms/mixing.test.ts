// mixup() and cutmix(): soft labels that sum to 1, the Beta(alpha, alpha) weight, and pixels
// equal to the blend or the pasted box computed here from what the labels say was mixed.
import { from, lastValueFrom, of, toArray, type Observable } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, mnist, softLabelClasses, streamKey, type Block } from '@idxflow/core/internal';
import { BatchDraws, cutmix, mixup } from '@idxflow/transforms/internal';
import { lcgBytes } from '../fixtures/blocks.js';
import { outcome } from '../fixtures/outcome.js';

const run = (o: Observable<Block>): Promise<Block[]> => lastValueFrom(o.pipe(toArray()));
const SIZE = 8 * 8;

/**
 * `batches` batches of 10 samples (8 x 8), labels 0..9 in a shuffled order: a row's labels name
 * its partner. Pixels random, or (`apart`) sample i's all in [25 i, 25 i + 24], told apart by value.
 */
function tenPerBatch(batches: number, float = false, apart = false): Block[] {
  return Array.from({ length: batches }, (_, b) => {
    const bytes = apart ? Uint8Array.from({ length: 10 * SIZE }, (_, k) => 25 * Math.floor(k / SIZE) + ((k * 7 + b) % 25)) : lcgBytes(10 * SIZE, b + 1);
    const labels = Uint8Array.from({ length: 10 }, (_, i) => (i * 3 + b) % 10);
    const indices = Uint32Array.from({ length: 10 }, (_, i) => b * 10 + i);
    return { images: float ? Float32Array.from(bytes, (v) => v / 255) : bytes, labels, indices, epoch: 0, shape: [10, 8, 8] };
  });
}

/** From each soft-label row: the weight of the sample's own label, and the partner (the sample whose label has the rest). */
function readMix(block: Block): { weight: number; partner: number[] } {
  const soft = block.softLabels!;
  const partner: number[] = [];
  let weight = NaN;
  for (let i = 0; i < 10; i++) {
    const row = Array.from(soft.subarray(i * 10, (i + 1) * 10));
    expect(Math.abs(row.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-6); // rows sum to 1
    const others = row.map((v, c) => [v, c]).filter(([v, c]) => c !== block.labels[i] && v > 0);
    expect(others.length).toBeLessThanOrEqual(1);
    if (others.length === 0) partner.push(i);
    else {
      partner.push(block.labels.indexOf(others[0][1]));
      if (Number.isNaN(weight)) weight = row[block.labels[i]];
      else expect(row[block.labels[i]]).toBeCloseTo(weight, 6); // one weight per batch
    }
  }
  expect([...partner].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]); // a permutation
  return { weight, partner };
}

describe('mixup()', () => {
  it('blends each sample with its partner: Float32 as lambda a + (1 - lambda) b, bytes rounded', async () => {
    for (const float of [true, false]) {
      const input = tenPerBatch(50, float);
      const out = await run(from(input).pipe(mixup({ alpha: 0.4, seed: 3 })));
      out.forEach((block, b) => {
        expect(block.softLabels!.length).toBe(100);
        expect(block.randomStages).toBe(1);
        expect(Array.from(block.labels)).toEqual(Array.from(input[b].labels));
        const { weight, partner } = readMix(block);
        const x = input[b].images;
        for (let i = 0; i < 10; i++) {
          for (let k = 0; k < SIZE; k++) {
            const v = weight * x[i * SIZE + k] + (1 - weight) * x[partner[i] * SIZE + k];
            // The weight read back from float32 labels is within 6e-8: 1.5e-5 of a byte.
            if (float) expect(block.images[i * SIZE + k]).toBeCloseTo(v, 5);
            else expect(Math.abs(block.images[i * SIZE + k] - v)).toBeLessThanOrEqual(0.5 + 2e-5);
          }
        }
      });
    }
  });

  it('draws lambda from Beta(alpha, alpha): mean 1/2 and variance 1 / (4 (2 alpha + 1)) over 5,000 batches', async () => {
    for (const alpha of [0.4, 2]) {
      const weights = (await run(from(tenPerBatch(5000)).pipe(mixup({ alpha, seed: 1 })))).map((b) => readMix(b).weight);
      const n = weights.length;
      const mean = weights.reduce((s, v) => s + v, 0) / n;
      const variance = weights.reduce((s, v) => s + (v - 0.5) ** 2, 0) / n;
      // E(l - 1/2)^2 = 1 / (4 (2a + 1)), E(l - 1/2)^4 = 3 / (16 (2a + 1)(2a + 3)): bounds of 4 standard errors.
      const v = 1 / (4 * (2 * alpha + 1));
      const fourth = 3 / (16 * (2 * alpha + 1) * (2 * alpha + 3));
      expect(Math.abs(mean - 0.5), `alpha ${alpha}`).toBeLessThan(4 * Math.sqrt(v / n));
      expect(Math.abs(variance - v), `alpha ${alpha}`).toBeLessThan(4 * Math.sqrt((fourth - v * v) / n));
    }
  });

  it('BatchDraws.beta samples Beta(alpha, alpha) for small and large alpha, 20,000 keys each', () => {
    for (const alpha of [0.05, 0.2, 1, 8]) {
      const draws = Array.from({ length: 20000 }, (_, i) => new BatchDraws(streamKey(7, 1, 0, i)).beta(alpha));
      expect(draws.every((l) => l >= 0 && l <= 1)).toBe(true);
      const n = draws.length;
      const mean = draws.reduce((s, l) => s + l, 0) / n;
      const variance = draws.reduce((s, l) => s + (l - 0.5) ** 2, 0) / n;
      const v = 1 / (4 * (2 * alpha + 1));
      const fourth = 3 / (16 * (2 * alpha + 1) * (2 * alpha + 3));
      expect(Math.abs(mean - 0.5), `alpha ${alpha}`).toBeLessThan(4 * Math.sqrt(v / n));
      expect(Math.abs(variance - v), `alpha ${alpha}`).toBeLessThan(4 * Math.sqrt((fourth - v * v) / n));
    }
  });

  it('mixes a share p of the batches, within a binomial bound over 10,000', async () => {
    const out = await run(from(tenPerBatch(10000)).pipe(mixup({ p: 0.3, seed: 2 })));
    const mixed = out.filter((b) => b.softLabels!.some((v) => v > 0 && v < 1)).length;
    expect(Math.abs(mixed - 3000)).toBeLessThan(4 * Math.sqrt(10000 * 0.3 * 0.7));
    const plain = out.find((b) => !b.softLabels!.some((v) => v > 0 && v < 1))!;
    expect(Array.from(plain.softLabels!.subarray(0, 10))).toEqual(Array.from({ length: 10 }, (_, c) => (c === plain.labels[0] ? 1 : 0)));
  });

  it('is keyed by seed, stage and epoch; a second stage draws anew; soft labels survive batch()', async () => {
    const weightOf = async (ops: (o: Observable<Block>) => Observable<Block>, epoch = 0): Promise<number> =>
      readMix((await run(ops(of({ ...tenPerBatch(1)[0], epoch }))))[0]).weight;
    const base = await weightOf((o) => o.pipe(mixup({ seed: 4 })));
    expect(await weightOf((o) => o.pipe(mixup({ seed: 4 })))).toBe(base);
    expect(await weightOf((o) => o.pipe(mixup({ seed: 5 })))).not.toBe(base);
    expect(await weightOf((o) => o.pipe(mixup({ seed: 4 })), 1)).not.toBe(base);
    const twice = (await run(of(tenPerBatch(1)[0]).pipe(mixup({ seed: 4 }), mixup({ seed: 4 }))))[0];
    expect(twice.randomStages).toBe(2);
    for (let i = 0; i < 10; i++) expect(Math.abs(twice.softLabels!.subarray(i * 10, (i + 1) * 10).reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-6);
    const rebatched = await run(from(tenPerBatch(3)).pipe(mixup(), batch(4)));
    expect(rebatched.map((b) => softLabelClasses(b))).toEqual([10, 10, 10, 10, 10, 10, 10, 10]);
  });

  it('refuses labels outside the classes, soft labels of another width and a bad alpha', async () => {
    const wide = await outcome(of(tenPerBatch(1)[0]).pipe(mixup({ classes: 5 })));
    expect((wide.error as Error).message).toBe('mixup(): Expected labels below classes (5) but received 6 at sample 2 (index 2)');
    const soft = { ...tenPerBatch(1)[0], softLabels: new Float32Array(30) };
    expect(((await outcome(of(soft).pipe(mixup()))).error as Error).message).toBe(
      'mixup(): Expected soft labels of 10 classes (the classes option) but received 3 per sample',
    );
    expect(() => mixup({ alpha: 0 })).toThrow('Expected positive number for alpha but received 0 of type number');
    expect(() => cutmix({ classes: 0 })).toThrow('Expected integer between 1 and 65536 for classes but received 0 of type number');
  });
});

describe('cutmix()', () => {
  it("pastes one box of the partner's pixels, the same box in every sample, weighted by its area", async () => {
    const input = tenPerBatch(300, false, true);
    const out = await run(from(input).pipe(cutmix({ seed: 6 })));
    let boxes = 0;
    out.forEach((block, b) => {
      const { weight, partner } = readMix(block);
      const x = input[b].images;
      // Where each sample differs from itself and agrees with its partner: the box.
      let box: number[] | undefined;
      for (let i = 0; i < 10; i++) {
        if (partner[i] === i) continue;
        const inside: number[] = [];
        for (let k = 0; k < SIZE; k++) if (block.images[i * SIZE + k] !== x[i * SIZE + k]) inside.push(k);
        const [x1, y1, x2, y2] = [Math.min(...inside.map((k) => k % 8)), Math.min(...inside.map((k) => k >> 3)), Math.max(...inside.map((k) => k % 8)) + 1, Math.max(...inside.map((k) => k >> 3)) + 1];
        for (let k = 0; k < SIZE; k++) {
          const within = k % 8 >= x1 && k % 8 < x2 && k >> 3 >= y1 && k >> 3 < y2;
          expect(block.images[i * SIZE + k]).toBe(within ? x[partner[i] * SIZE + k] : x[i * SIZE + k]);
        }
        box ??= [x1, y1, x2, y2];
        expect([x1, y1, x2, y2]).toEqual(box);
      }
      if (box === undefined) return; // no box this batch (lambda near 1), nothing to weigh
      boxes++;
      expect(weight).toBeCloseTo(1 - ((box[2] - box[0]) * (box[3] - box[1])) / SIZE, 6);
      // torchvision's box: a square of side 2 int(0.5 sqrt(1 - lambda) 8) about a pixel, cut by the border.
      const [x1, y1, x2, y2] = box;
      const clipped = x1 === 0 || y1 === 0 || x2 === 8 || y2 === 8;
      expect(clipped || (x2 - x1 === y2 - y1 && (x2 - x1) % 2 === 0), `box ${box}`).toBe(true);
    });
    expect(boxes).toBeGreaterThan(250);
  });

  it('keeps bytes exact and chains with mixup(), blending the soft labels again', async () => {
    const [digits] = await run(mnist({ split: 'test' }).pipe(batch(64)));
    const [cut] = await run(of(digits).pipe(cutmix({ seed: 1 })));
    expect(cut.images).toBeInstanceOf(Uint8Array);
    const values = new Set(digits.images);
    expect(Array.from(cut.images).every((v) => values.has(v))).toBe(true);
    const [both] = await run(of(digits).pipe(cutmix({ seed: 1 }), mixup({ seed: 1 })));
    expect(both.randomStages).toBe(2);
    for (let i = 0; i < 64; i++) expect(Math.abs(both.softLabels!.subarray(i * 10, (i + 1) * 10).reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-6);
  });
});
