// The per-pixel work of the continual-learning task stages, one task of one block at a time: a
// pure function over typed arrays, run on the main thread or on a worker (taskWorker.ts).
import { affineMatrix } from './kernels/matrix.js';
import { affineResample } from './kernels/affine.js';
import { permutePixels } from './kernels/permute.js';

/** What one task does to every image: a pixel permutation, or a rotation about the centre. */
export type TaskChange =
  | { readonly kind: 'permute'; readonly permutation: Uint32Array }
  | { readonly kind: 'rotate'; readonly angle: number; readonly interpolation: 'bilinear' | 'nearest' };

/** One task's work on a run of images: the images, their size, the change, and where the output goes. */
export interface TaskPixelsJob {
  /** `n * height * width` pixels (Float32 only for a permutation). */
  readonly images: Uint8Array | Float32Array;
  /** Image height in pixels. */
  readonly height: number;
  /** Image width in pixels. */
  readonly width: number;
  /** The task's change: its permutation or its rotation. */
  readonly change: TaskChange;
  /** As many pixels of the same type as `images`. */
  readonly output: Uint8Array | Float32Array;
}

/**
 * Applies a task's change to every image of a job and returns the output: the same bytes on
 * any thread, since the change is fixed per task.
 */
export function taskPixels(job: TaskPixelsJob): Uint8Array | Float32Array {
  const { images, height, width, change, output } = job;
  const size = height * width;
  const n = size === 0 ? 0 : images.length / size;
  if (change.kind === 'permute') {
    for (let i = 0; i < n; i++) permutePixels(images.subarray(i * size, (i + 1) * size), output.subarray(i * size, (i + 1) * size), change.permutation);
    return output;
  }
  const matrix = affineMatrix({ angle: change.angle, shiftX: 0, shiftY: 0, scale: 1, shear: 0 }, width, height);
  const options = { interpolation: change.interpolation, fill: 0 };
  for (let i = 0; i < n; i++) affineResample(images.subarray(i * size, (i + 1) * size), output.subarray(i * size, (i + 1) * size), width, height, matrix, options);
  return output;
}
