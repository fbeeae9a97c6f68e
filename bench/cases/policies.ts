// Transforms (e) RandAugment(2, 9) and (f) TrivialAugmentWide: the 60,000-image train epoch from
// memory, shuffleRows(), batch(128), the policy stage (which gathers the shuffled rows itself, on
// the workers when it has any), then normalize(), as torchvision's DataLoader with
// Compose([RandAugment(2, 9) or TrivialAugmentWide(), ToTensor(), Normalize]) does in
// bench/baselines/torch_baseline.py. 6 epochs in one pipeline; the first warms the workers and is
// dropped, the figure is the median of the other 5.
import { batch, epochs, idx, recycle, shuffle, shuffleRows, type Block } from '@idxflow/core';
import { normalize, randAugment, trivialAugment } from '@idxflow/transforms';
import { last, lastValueFrom, of, tap, toArray, type Observable } from 'rxjs';
import { gzippedMnist, median, type CaseResult } from '../harness.js';

export const POLICY_LABELS = {
  e: '(e) RandAugment(2, 9)',
  f: '(f) TrivialAugmentWide',
} as const;

export async function policyCase(name: keyof typeof POLICY_LABELS, workers: number): Promise<CaseResult> {
  const [data] = await lastValueFrom(idx(await gzippedMnist('train')).pipe(shuffle({ seed: 0, blockSize: 60000 }), toArray()));
  const run = { seed: 1, workers };
  const pipeline: Observable<Block> = of(data).pipe(
    epochs(6),
    shuffleRows({ seed: 1 }),
    batch(128),
    name === 'e' ? randAugment({ ops: 2, magnitude: 9 }, run) : trivialAugment({}, run),
    normalize(),
  );
  const starts: number[] = [];
  let epoch = -1;
  let images = 0;
  await lastValueFrom(
    pipeline.pipe(
      tap((b) => {
        images += b.shape[0];
        recycle(b);
        if (b.epoch !== epoch) {
          starts.push(performance.now());
          epoch = b.epoch;
        }
      }),
      last(),
    ),
  );
  starts.push(performance.now());
  const runs = starts.slice(2).map((t, i) => (t - starts[i + 1]) / 1000);
  const m = median(runs);
  return {
    name: `transforms: ${POLICY_LABELS[name]}, shuffle, batch(128), normalize`,
    images: images / 6,
    runs,
    medianSeconds: m,
    imagesPerSecond: images / 6 / m,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    workers,
  };
}
