import { checkRows, checkBlock, isRows, layoutOf, WorkerPool, type Block, type Run, type TaskStaging } from '@idxflow/core/internal';
import type { OperatorFunction } from 'rxjs';
import { pixelBlockOf, pixelJobOf, pixelStage, sharedPixelJob } from './pixelStage.js';
import { augmentImages, outputFor, samplesOf, type AugmentJob } from './augmentImages.js';
import { inputRefusal } from './sampleFilters.js';
import { specOf, type AugmentOptions, type AugmentSpec } from './spec.js';

/** How an augmentation stage runs. */
export interface RunOptions {
  /** Seed of every random draw. Default 0. */
  seed?: number;
  /** Worker threads of this stage's own pool; 0 runs on the main thread. Default 0. */
  workers?: number;
  /** A pool from `augmentPool()` to run on instead, shared with other stages and streams. Default: none. */
  pool?: WorkerPool;
  /** Worker tasks in flight or waiting to be taken downstream. Default `4 * workers`. */
  window?: number;
  /**
   * Images per worker task: consecutive blocks are grouped up to this many (a block is never
   * split), so that the pool's fixed cost per task (about 0.1 ms) is paid per thousand
   * images, not per batch. Default 1024. A group also goes out when no block arrives for a
   * turn of the event loop, so a slow source is not kept waiting for a full group.
   */
  taskImages?: number;
}

const WORKER = new URL('./worker.js', import.meta.url);

/**
 * A worker pool for `augment()` (its `pool` option), for a process that runs many streams, such
 * as a server: the streams share its threads instead of starting their own.
 *
 * @param workers Threads. Default: one less than the cores, at least 1.
 *
 * ## Example
 * ```ts
 * declare const source: Observable<Block>;
 * const pool = augmentPool(2);
 * const a = source.pipe(augment({ rotate: 15 }, { seed: 1, pool }));
 * // ... when every stream has ended:
 * await pool.destroy();
 * ```
 */
export function augmentPool(workers?: number): WorkerPool {
  return new WorkerPool({ filename: WORKER, workers });
}

/** The job for one input; `stage` is its random-stage count. */
const jobOf = (input: Run, spec: AugmentSpec, seed: number): AugmentJob => ({ ...pixelJobOf(input, seed), spec });

function checkInput(input: Run, spec: AugmentSpec): void {
  if (isRows(input)) checkRows('augment()', input);
  else checkBlock('augment()', input);
  const { images, shape } = layoutOf(input);
  const refusal = inputRefusal(spec.pixels, images instanceof Float32Array, shape[1], shape[2], 'augment()');
  if (refusal) throw refusal;
}

/** A worker's job (see sharedPixelJob), its output of the type augmentImages writes. */
function sharedJobOf(input: Run, spec: AugmentSpec, seed: number, staging: TaskStaging): AugmentJob {
  const job = jobOf(input, spec, seed);
  return sharedPixelJob(input, job, outputFor(job, samplesOf(job) * job.height * job.width), staging);
}

/**
 * Random augmentation in ONE pass per sample: resized crop, flips, rotation, shift, scale, shears,
 * perspective and elastic distortion composed into one resampling; then stroke thickness, brightness, contrast, gamma,
 * Gaussian blur, sharpness, posterize, solarize, autocontrast, equalize, invert, noise and
 * random erasing on the resampled pixels; optionally normalised in the same pass.
 * Each option is off unless given, and may apply to a share `p` of the samples only.
 *
 * Every sample draws its own parameters from a counter-based generator keyed by (seed, stage,
 * epoch, source index), where the stage is the block's `randomStages` count: output is
 * byte-identical whatever the block size or worker count, two `augment()` stages in one
 * pipeline draw independently, and a `tap()` or `map(b => b)` anywhere changes nothing.
 * Conventions: pixel centres at integer coordinates, rotation about the image centre, a
 * positive angle turns the digit counter-clockwise as displayed (as torchvision's `rotate`), a
 * positive shift moves it right and down. Elastic distortion follows Simard, Steinkraus and
 * Platt (2003) and is applied in output coordinates. Flips map pixel centres onto pixel centres,
 * so a flip alone moves every pixel exactly (torchvision's `hflip`, `vflip`); a resized crop or a
 * perspective alone on a byte sample runs torchvision's own kernel (`resized_crop`,
 * `perspective`), with other geometry it joins one projective map; brightness,
 * contrast, gamma, blur, sharpness, posterize, solarize, autocontrast, equalize, invert and
 * erasing follow torchvision's uint8 semantics (see `AugmentOptions`).
 *
 * Input is Blocks, or the Rows of `shuffleRows()` (after `batch()` and `shard()`): then this
 * pass gathers each batch's samples itself, on the workers, and the main thread copies no
 * pixels. That is the fastest pipeline: `shuffleRows(), batch(n), augment({..., normalize: {}})`.
 *
 * @param options What to draw, and `normalize`; see `AugmentOptions`. Nothing is on by default.
 * @param run Seed and worker threads; see `RunOptions`.
 *
 * ## Example
 * ```ts
 * import { mnist, shuffleRows, batch } from '@idxflow/core';
 * import { augment } from '@idxflow/transforms';
 * mnist().pipe(
 *   shuffleRows({ seed: 1 }),
 *   batch(128),
 *   augment({ rotate: 15, shift: 2, elastic: { alpha: 34, sigma: 4 }, normalize: {} }, { seed: 1, workers: 2 }),
 * ).subscribe((b) => console.log(b.shape));
 * // Half the samples mirrored, a third brightened or darkened, a quarter with a box erased:
 * augment({ flip: { horizontal: 0.5 }, brightness: { range: [0.8, 1.2], p: 1 / 3 }, erase: { p: 0.25 } }, { seed: 1 });
 * // torchvision's GaussianBlur(5, (0.1, 2.0)), RandomAdjustSharpness(2), RandomSolarize(128), RandomInvert():
 * augment({ blur: { kernelSize: 5 }, sharpness: { range: 2, p: 0.5 }, solarize: { range: 128, p: 0.5 }, invert: { p: 0.5 } }, { seed: 1 });
 * // torchvision's RandomResizedCrop(28), RandomHorizontalFlip(), RandomPerspective(0.5) in one resampling:
 * augment({ resizedCrop: { scale: [0.08, 1], ratio: [3 / 4, 4 / 3] }, flip: { horizontal: 0.5 }, perspective: { distortion: 0.5, p: 0.5 } }, { seed: 1 });
 * ```
 */
export function augment(options: AugmentOptions, run: RunOptions = {}): OperatorFunction<Run, Block> {
  const spec = specOf(options);
  return pixelStage(
    {
      worker: WORKER,
      poolMaker: 'augmentPool',
      accept: (input) => (checkInput(input, spec), input),
      job: (input, seed) => jobOf(input, spec, seed), // on the main thread augmentImages reads the input in place: no copy
      sharedJob: (input, seed, staging) => sharedJobOf(input, spec, seed, staging),
      images: augmentImages,
      blockOf: pixelBlockOf,
    },
    run,
  );
}
