// sampleDraws(): the parameters augment() drew for one sample. Checked against geometry worked
// out by hand (where a pixel lands), against augmentImages' bytes (resampling by the reported
// matrix and field gives them), and against the step definitions (an erased box, a brightness
// factor), for the first and a second random stage.
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, mnist, RandomStage, stageTag, streamKey, type Block } from '@idxflow/core/internal';
import { augmentImages, elasticField, sampleDraws, specOf, warpResample, type AugmentOptions } from '@idxflow/transforms/internal';

const testDigits = async (n: number): Promise<Block<Uint8Array>> => (await lastValueFrom(mnist({ split: 'test' }).pipe(batch(n), toArray())))[0] as Block<Uint8Array>;

const augmented = (digits: Block<Uint8Array>, options: AugmentOptions, seed: number, epoch: number, stage = 0): Uint8Array =>
  augmentImages({ images: digits.images, indices: digits.indices, epoch, seed, stage, height: 28, width: 28, spec: specOf(options) }) as Uint8Array;

describe('sampleDraws', () => {
  it('reports exact ranges exactly, and a matrix that sends each output pixel to where it came from', () => {
    const spec = specOf({ rotate: [90, 90], shift: [3, 3] });
    const draws = sampleDraws(spec, { seed: 5, epoch: 2, index: 11 }, 28, 28);
    expect([draws.angle, draws.shiftX, draws.shiftY, draws.scale, draws.shear, draws.shearY]).toEqual([90, 3, 3, 1, 0, 0]);
    // By hand: about the centre (13.5, 13.5), a quarter turn counter-clockwise on screen (y down)
    // takes the offset (6.5, 0.5) of input pixel (20, 14) to (0.5, -6.5), i.e. (14, 7); the shift
    // moves that to (17, 10). The output-to-input matrix must send (17, 10) back to (20, 14).
    const [a, b, c, d, e, f] = draws.matrix;
    expect(a * 17 + b * 10 + c).toBeCloseTo(20, 12);
    expect(d * 17 + e * 10 + f).toBeCloseTo(14, 12);
    expect(draws.elastic).toBeUndefined();
    expect([draws.thickness, draws.noise, draws.brightness, draws.erase]).toEqual([0, 0, undefined, undefined]);
  });

  it("resampling by the reported matrix and field gives augmentImages' bytes, in the first and a second stage", async () => {
    const digits = await testDigits(60);
    const options: AugmentOptions = { rotate: 20, shift: 2, scale: [0.9, 1.1], shear: 10, shearY: 5, flip: { horizontal: 0.5 }, elastic: { alpha: 34, sigma: 4, p: 0.5 } };
    const spec = specOf(options);
    const seen = { flipped: 0, warped: 0 };
    for (const stage of [0, 1]) {
      const out = augmented(digits, options, 9, 3, stage);
      for (let i = 0; i < 60; i++) {
        const draws = sampleDraws(spec, { seed: 9, stage, epoch: 3, index: digits.indices[i] }, 28, 28);
        const mine = new Uint8Array(784);
        warpResample(digits.images.subarray(i * 784, (i + 1) * 784), mine, 28, 28, Float64Array.from(draws.matrix), draws.elastic?.dx, draws.elastic?.dy, {
          interpolation: 'bilinear',
          fill: 0,
        });
        expect(Buffer.from(mine).equals(Buffer.from(out.subarray(i * 784, (i + 1) * 784))), `stage ${stage}, sample ${i}`).toBe(true);
        if (draws.flipHorizontal) seen.flipped++;
        if (draws.elastic) seen.warped++;
        expect(Math.abs(draws.angle)).toBeLessThanOrEqual(20);
      }
    }
    // Both sides of each chance were exercised (p 0.5 over 120 samples).
    expect(seen.flipped).toBeGreaterThan(20);
    expect(seen.flipped).toBeLessThan(100);
    expect(seen.warped).toBeGreaterThan(20);
    expect(seen.warped).toBeLessThan(100);
  });

  it("reports the elastic field of the sample's elastic stream", () => {
    const draws = sampleDraws(specOf({ elastic: { alpha: 34, sigma: 4 } }), { seed: 3, epoch: 1, index: 42 }, 28, 28);
    const dx = new Float32Array(784);
    const dy = new Float32Array(784);
    elasticField(dx, dy, 28, 28, 34, 4, streamKey(3, stageTag(RandomStage.elastic, 0), 1, 42));
    expect(Array.from(draws.elastic!.dx)).toEqual(Array.from(dx));
    expect(Array.from(draws.elastic!.dy)).toEqual(Array.from(dy));
    expect(sampleDraws(specOf({ elastic: { alpha: 34, sigma: 4, p: 0 } }), { seed: 3, epoch: 1, index: 42 }, 28, 28).elastic).toBeUndefined();
  });

  it('reports the erased box and the brightness factor that the bytes show', async () => {
    const digits = await testDigits(40);
    const erase: AugmentOptions = { erase: { p: 1, value: 255 } };
    const out = augmented(digits, erase, 4, 0);
    for (let i = 0; i < 40; i++) {
      const box = sampleDraws(specOf(erase), { seed: 4, epoch: 0, index: digits.indices[i] }, 28, 28).erase!;
      for (let p = 0; p < 784; p++) {
        const [y, x] = [Math.floor(p / 28), p % 28];
        const inside = y >= box.top && y < box.top + box.height && x >= box.left && x < box.left + box.width;
        expect(out[i * 784 + p], `sample ${i}, pixel ${p}`).toBe(inside ? 255 : digits.images[i * 784 + p]);
      }
    }
    const bright: AugmentOptions = { brightness: [0.5, 1.5] };
    const lit = augmented(digits, bright, 4, 0);
    for (let i = 0; i < 40; i++) {
      const factor = sampleDraws(specOf(bright), { seed: 4, epoch: 0, index: digits.indices[i] }, 28, 28).brightness!;
      expect(factor).toBeGreaterThanOrEqual(0.5);
      expect(factor).toBeLessThan(1.5);
      // torchvision's adjust_brightness on bytes: v * factor, clamped to [0, 255], truncated.
      for (let p = 0; p < 784; p++) expect(Math.abs(lit[i * 784 + p] - Math.min(255, digits.images[i * 784 + p] * factor))).toBeLessThan(1);
    }
  });
});
