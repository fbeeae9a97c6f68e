// Streams one EMNIST split out of a large test zip in its own process, run by emnist.test.ts as
//   node --expose-gc --import tsx test/core/zipMemoryChild.ts <dir>
// and prints, as JSON, the samples read, the SHA-256 of their (upright) pixels, and the peak of
// live memory (heap and array buffers, measured after a full collection every 16 blocks) above
// what was live before the read started.
import { createHash } from 'node:crypto';
import { emnist } from '@idxflow/core';
import { lastValueFrom, tap } from 'rxjs';

const gc = (globalThis as { gc?: () => void }).gc!;
const live = (): number => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const dir = process.argv[2];
const hash = createHash('sha256');
let count = 0;
let blocks = 0;
const baseline = live();
let peak = 0;
await lastValueFrom(
  emnist({ dir, variant: 'digits', split: 'train', download: false }).pipe(
    tap((block) => {
      hash.update(block.images);
      count += block.shape[0];
      if (++blocks % 16 === 0) peak = Math.max(peak, live() - baseline);
    }),
  ),
);
process.stdout.write(JSON.stringify({ count, sha256: hash.digest('hex'), peak, blocks }) + '\n');
