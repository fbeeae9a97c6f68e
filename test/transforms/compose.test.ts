// What runs is what is written: each augmentation stage is its own pass with its own random
// stream, and RxJS operators placed anywhere between idxflow stages change nothing.
import { from, map, tap, type Observable, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, epochs, mnist, shuffleRows, type Block } from '@idxflow/core';
import { elastic, rotate } from '@idxflow/transforms';
import { hashOf, run } from '../fixtures/hash.js';


const SIDE = 28;
const CENTRE = (SIDE - 1) / 2; // rotation is about the image centre, pixel centres at integers
const N = 1000;

/**
 * N copies (indices 0..N-1, so N different draws) of a smooth blob 7.5 px right of the centre:
 * its centroid's angle about the centre reads the rotation an image went through.
 */
function blobs(): Block {
  const image = new Uint8Array(SIDE * SIDE);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) image[y * SIDE + x] = Math.round(255 * Math.exp(-((x - CENTRE - 7.5) ** 2 + (y - CENTRE) ** 2) / (2 * 1.3 ** 2)));
  }
  const images = new Uint8Array(N * SIDE * SIDE);
  for (let i = 0; i < N; i++) images.set(image, i * SIDE * SIDE);
  return { images, labels: new Uint8Array(N), indices: Uint32Array.from({ length: N }, (_, i) => i), epoch: 0, shape: [N, SIDE, SIDE] };
}

/** The angle (degrees, counter-clockwise as displayed) of each image's centroid about the centre. */
function angles(block: Block): number[] {
  const out: number[] = [];
  for (let i = 0; i < block.shape[0]; i++) {
    let mass = 0;
    let mx = 0;
    let my = 0;
    for (let y = 0; y < SIDE; y++) {
      for (let x = 0; x < SIDE; x++) {
        const v = block.images[i * SIDE * SIDE + y * SIDE + x];
        mass += v;
        mx += v * x;
        my += v * y;
      }
    }
    out.push((Math.atan2(-(my / mass - CENTRE), mx / mass - CENTRE) * 180) / Math.PI);
  }
  return out;
}

const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
const variance = (v: number[]): number => mean(v.map((x) => (x - mean(v)) ** 2));
const correlation = (a: number[], b: number[]): number => {
  const ma = mean(a);
  const mb = mean(b);
  const cov = mean(a.map((x, i) => (x - ma) * (b[i] - mb)));
  return cov / Math.sqrt(variance(a) * variance(b));
};

describe('two augmentation stages draw independently', () => {
  it('rotate(20), map(b => b), rotate(20) has the statistics of two independent uniform draws', async () => {
    // rotate(40) alone draws theta_A = -40 + 80u, u the first draw of the first random stage.
    // The first rotate(20) is that same first random stage (same seed, same stream), so it
    // turns by theta_1 = -20 + 40u = theta_A / 2. The second turns by theta_2; measured from the
    // pictures, theta_2 = theta_B - theta_A / 2. Drawn independently, theta_2 is uniform on
    // [-20, 20] (variance 400 / 3 = 133.3) and uncorrelated with theta_A; were the second stage
    // to draw what the first did, theta_2 would equal theta_A / 2 (correlation 1).
    const two = (await run(from([blobs()]).pipe(rotate(20, {}, { seed: 7 }), map((b) => b), rotate(20, {}, { seed: 7 }))))[0];
    const one = (await run(from([blobs()]).pipe(rotate(40, {}, { seed: 7 }))))[0];
    const thetaA = angles(one);
    const thetaB = angles(two);
    const theta2 = thetaB.map((t, i) => t - thetaA[i] / 2);
    // Sampling error over 1,000 draws: the correlation's standard error is 0.032 and the
    // variance's about 3.8 (uniform fourth moment); the bounds are over 3 of them, plus the
    // centroid's own error (under half a degree here).
    expect(Math.abs(correlation(theta2, thetaA))).toBeLessThan(0.1);
    expect(variance(theta2)).toBeGreaterThan(118);
    expect(variance(theta2)).toBeLessThan(150);
    expect(Math.abs(mean(theta2))).toBeLessThan(1.5);
    expect(Math.max(...theta2.map(Math.abs))).toBeLessThan(21);
    // And the single stage is what it claims: uniform on [-40, 40] (variance 533.3).
    expect(variance(thetaA)).toBeGreaterThan(470);
    expect(variance(thetaA)).toBeLessThan(600);
  });

  it('a tap() or map(b => b) at every position of a five-stage pipeline changes no byte', async () => {
    const stages = (): OperatorFunction<never, never>[] =>
      [
        epochs(2),
        shuffleRows({ seed: 5 }),
        batch(250),
        rotate(20, {}, { seed: 5, workers: 2 }),
        elastic({ alpha: 34, sigma: 4 }, {}, { seed: 5 }),
      ] as unknown as OperatorFunction<never, never>[];
    const build = (ops: OperatorFunction<never, never>[]): Observable<Block> =>
      ops.reduce<Observable<unknown>>((o, op) => op(o as Observable<never>), mnist({ split: 'test' })) as Observable<Block>;
    const reference = hashOf(await run(build(stages())));
    const extras: [string, () => OperatorFunction<never, never>][] = [
      ['tap()', () => tap(() => undefined) as OperatorFunction<never, never>],
      ['map(b => b)', () => map((b) => b) as OperatorFunction<never, never>],
    ];
    for (let position = 0; position <= 5; position++) {
      for (const [name, extra] of extras) {
        const ops = stages();
        ops.splice(position, 0, extra());
        expect(hashOf(await run(build(ops))), `${name} at position ${position}`).toBe(reference);
      }
    }
  });
});
