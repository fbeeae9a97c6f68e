// Transforms: one 60,000-image train epoch from memory, shuffle + batch(128) into
// normalised Float32 batches, (a) without augmentation, (b) rotate 15 + shift 2,
// (c) (b) + elastic alpha 34 sigma 4.
import { batch, idx, shuffle, type Block } from '@idxflow/core';
import { augment, normalize, type AugmentOptions } from '@idxflow/transforms';
import { lastValueFrom, of, reduce, toArray } from 'rxjs';
import { gzippedMnist, measure, type CaseResult } from '../harness.js';

export const AUGMENT_CASES: Record<string, AugmentOptions | undefined> = {
  a: undefined,
  b: { rotate: 15, shift: 2 },
  c: { rotate: 15, shift: 2, elastic: { alpha: 34, sigma: 4 } },
};

const count = reduce((n: number, b: Block) => n + b.shape[0], 0);

/** The train split decoded once into a single in-memory block (not timed). */
async function inMemory(): Promise<Block<Uint8Array>> {
  const blocks = await lastValueFrom(idx(await gzippedMnist('train')).pipe(shuffle({ seed: 0, blockSize: 60000 }), toArray()));
  return blocks[0];
}

export async function transformCases(which: string): Promise<CaseResult> {
  const [name, workersText] = which.split(':');
  const workers = Number(workersText);
  const options = AUGMENT_CASES[name];
  const data = await inMemory();
  let epoch = 0;
  const epochRun = (): Promise<number> => {
    const source = of({ ...data, epoch: epoch++ });
    const shuffled = source.pipe(shuffle({ seed: 1, blockSize: 1024 }), batch(128));
    const out = options
      ? shuffled.pipe(augment(options, { seed: 1, workers }), normalize())
      : workers > 0
        ? shuffled.pipe(augment({}, { seed: 1, workers }), normalize())
        : shuffled.pipe(normalize());
    return lastValueFrom(out.pipe(count));
  };
  const label = { a: '(a) no augmentation', b: '(b) rotate 15 + shift 2', c: '(c) (b) + elastic 34:4' }[name as 'a' | 'b' | 'c'];
  return measure(`transforms: ${label}, shuffle, batch(128), normalize`, epochRun, { workers, runs: 5 });
}
