// Core: decode the 60,000-image train set from .gz, then shuffle and batch(128).
import { batch, idx, shuffle } from '@idxflow/core';
import { lastValueFrom, reduce } from 'rxjs';
import { gzippedMnist, measure, type CaseResult } from '../harness.js';

const count = reduce((n: number, b: { shape: readonly number[] }) => n + b.shape[0], 0);

export async function coreCases(which: string): Promise<CaseResult> {
  const files = await gzippedMnist('train');
  switch (which) {
    case 'decode':
      return measure('core: decode .gz (read, gunzip, IDX decode)', () => lastValueFrom(idx(files).pipe(count)));
    case 'decode-shuffle-batch':
      return measure('core: decode .gz + shuffle + batch(128)', () =>
        lastValueFrom(idx(files).pipe(shuffle({ seed: 1 }), batch(128), count)),
      );
    default:
      throw new Error(`unknown core case ${which}`);
  }
}
