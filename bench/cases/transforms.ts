// Transforms: the 60,000-image train epoch from memory, shuffle + batch(128) into normalised
// Float32 batches: (a) no augmentation, (b) rotate 15 + shift 2, (c) (b) + elastic 34:4, (d) (b)
// + horizontal flips of half the samples, brightness and contrast 0.8:1.2 on half each, and
// random erasing (torchvision's defaults, p 0.5). Every
// case runs the README's pipeline: shuffleRows(), batch(128), augment({ ..., normalize: {} }),
// where the augmentation's pass gathers the shuffled samples (on the workers, when it has any).
// One pipeline runs 6 epochs (as a training loop would); the first warms the workers' JIT and
// is dropped, the figure is the median of the other 5. The consumer recycles each batch, as
// the README's training loop does.
import { batch, epochs, idx, recycle, shuffle, shuffleRows, type Block } from '@idxflow/core';
import { augment, type AugmentOptions } from '@idxflow/transforms';
import { last, lastValueFrom, of, tap, toArray, type Observable } from 'rxjs';
import { gzippedMnist, median, type CaseResult } from '../harness.js';
import { policyCase } from './policies.js';

export const AUGMENT_CASES: Record<string, AugmentOptions | undefined> = {
  a: undefined,
  b: { rotate: 15, shift: 2 },
  c: { rotate: 15, shift: 2, elastic: { alpha: 34, sigma: 4 } },
  d: {
    rotate: 15,
    shift: 2,
    flip: { horizontal: 0.5 },
    brightness: { range: [0.8, 1.2], p: 0.5 },
    contrast: { range: [0.8, 1.2], p: 0.5 },
    erase: { p: 0.5 },
  },
};
const LABELS = {
  a: '(a) no augmentation',
  b: '(b) rotate 15 + shift 2',
  c: '(c) (b) + elastic 34:4',
  d: '(d) (b) + hflip, brightness, contrast, erase',
} as const;

export async function transformCases(which: string): Promise<CaseResult> {
  const [name, workersText] = which.split(':') as [keyof typeof LABELS, string];
  const workers = Number(workersText);
  if ((name as string) === 'e' || (name as string) === 'f') return policyCase(name as unknown as 'e' | 'f', workers); // bench/cases/policies.ts
  const options = AUGMENT_CASES[name];
  // Decoded once into one in-memory block (not timed).
  const [data] = await lastValueFrom(idx(await gzippedMnist('train')).pipe(shuffle({ seed: 0, blockSize: 60000 }), toArray()));
  const pipeline: Observable<Block> = of(data).pipe(
    epochs(6),
    shuffleRows({ seed: 1 }),
    batch(128),
    augment({ ...options, normalize: {} }, { seed: 1, workers }),
  );
  const starts: number[] = [];
  let epoch = -1;
  let images = 0;
  await lastValueFrom(
    pipeline.pipe(
      tap((b) => {
        images += b.shape[0];
        recycle(b); // as a training loop does once its step is done (see recycle())
        if (b.epoch !== epoch) {
          starts.push(performance.now());
          epoch = b.epoch;
        }
      }),
      last(), // keep nothing: holding 6 epochs of batches would dominate the peak RSS
    ),
  );
  starts.push(performance.now());
  const runs = starts.slice(2).map((t, i) => (t - starts[i + 1]) / 1000);
  const m = median(runs);
  return {
    name: `transforms: ${LABELS[name]}, shuffle, batch(128), normalize`,
    images: images / 6,
    runs,
    medianSeconds: m,
    imagesPerSecond: images / 6 / m,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    workers,
  };
}
