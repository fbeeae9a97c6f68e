// What the transforms cases share: the 60,000-image train epoch decoded once into one in-memory
// block (not timed), then 6 epochs in one pipeline, shuffleRows(), batch(128) and the case's
// stage, as a training loop would run them. The first epoch warms the workers' JIT and is
// dropped, the figure is the median of the other 5. The consumer recycles each batch, as the
// README's training loop does.
import { batch, epochs, idx, recycle, shuffle, shuffleRows, type Block, type Run } from '@idxflow/core';
import { last, lastValueFrom, of, tap, toArray, type Observable, type OperatorFunction } from 'rxjs';
import { gzippedMnist, median, type CaseResult } from '../harness.js';

/** Times `stage` on the shuffled, batched train epoch: `name` is the row's label. */
export async function epochsCase(name: string, workers: number, stage: OperatorFunction<Run, Block>): Promise<CaseResult> {
  const [data] = await lastValueFrom(idx(await gzippedMnist('train')).pipe(shuffle({ seed: 0, blockSize: 60000 }), toArray()));
  const pipeline: Observable<Block> = of(data).pipe(epochs(6), shuffleRows({ seed: 1 }), batch(128), stage);
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
    name,
    images: images / 6,
    runs,
    medianSeconds: m,
    imagesPerSecond: images / 6 / m,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
    workers,
  };
}
