// The worker_threads entry point of augment() and of the policy stages (randAugment() and the
// others): a group of jobs in, each job's output array filled and moved back (not copied).
import { transferWith } from '@idxflow/core/internal';
import { augmentImages, type AugmentJob } from './augmentImages.js';
import { policyImages, type PolicyJob } from './policies/policyImages.js';

export default function run(jobs: (AugmentJob | PolicyJob)[]): (Uint8Array | Float32Array)[] {
  const outputs = jobs.map((job) => ('policy' in job ? policyImages(job) : augmentImages(job)));
  return transferWith(outputs, outputs);
}
