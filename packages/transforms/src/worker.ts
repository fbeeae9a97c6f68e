// The worker_threads entry point of augment(): a group of jobs in, each job's output array
// filled and moved back (not copied).
import { transferWith } from '@idxflow/core/internal';
import { augmentImages, type AugmentJob } from './augmentImages.js';

export default function run(jobs: AugmentJob[]): (Uint8Array | Float32Array)[] {
  const outputs = jobs.map(augmentImages);
  return transferWith(outputs, outputs);
}
