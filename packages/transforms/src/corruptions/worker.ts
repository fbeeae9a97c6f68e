// The worker_threads entry point of corrupt(): a group of jobs in, each job's output filled and
// moved back (not copied).
import { transferWith } from '@idxflow/core/internal';
import { corruptImages, type CorruptJob } from './corruptImages.js';

export default function run(jobs: CorruptJob[]): Uint8Array[] {
  const outputs = jobs.map(corruptImages);
  return transferWith(outputs, outputs);
}
