// Streams a large CSV in its own process, run by csv.test.ts as
//   node --expose-gc --import tsx test/core/csvMemoryChild.ts <file>
// and prints, as JSON, the samples read, the SHA-256 of their pixels and of their labels, and the
// peak of live memory (heap and array buffers, after a full collection every 8 blocks) above what
// was live before the read started.
import { createHash } from 'node:crypto';
import { csv } from '@idxflow/core';
import { lastValueFrom, tap } from 'rxjs';

const gc = (globalThis as { gc?: () => void }).gc!;
const live = (): number => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
};
const pixels = createHash('sha256');
const labels = createHash('sha256');
let count = 0;
let blocks = 0;
const baseline = live();
let peak = 0;
await lastValueFrom(
  csv({ path: process.argv[2] }).pipe(
    tap((block) => {
      pixels.update(block.images);
      labels.update(block.labels);
      count += block.shape[0];
      if (++blocks % 8 === 0) peak = Math.max(peak, live() - baseline);
    }),
  ),
);
process.stdout.write(JSON.stringify({ count, pixels: pixels.digest('hex'), labels: labels.digest('hex'), peak, blocks }) + '\n');
