// The worker_threads entry point of permutedTasks() and rotatedTasks(): one task's job in, its
// output array moved back (not copied).
import { transfer } from '@idxflow/core/internal';
import { taskPixels, type TaskPixelsJob } from './taskPixels.js';

export default function run(job: TaskPixelsJob): Uint8Array | Float32Array {
  return transfer(taskPixels(job));
}
