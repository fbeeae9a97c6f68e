// The worker_threads entry point of augment(): one job in, new pixels out (moved, not copied).
import { transfer } from '@idxflow/core';
import { augmentImages, type AugmentJob } from './augmentImages.js';

export default function run(job: AugmentJob): Uint8Array | Float32Array {
  return transfer(augmentImages(job));
}
