// The one shape of the stages that make new pixels per sample (augment(), corrupt(), the
// automatic policies): each input is checked, then worked on the main thread, reading its
// pixels in place, or in groups of about `taskImages` images on a worker pool, its arrays
// staged in shared memory. What differs between them is the job and the worker module; the
// part of the job they share (PixelJob) is built here.
import {
  adoptPixels,
  concatAll,
  gatherRows,
  isRows,
  layoutOf,
  map,
  OptionError,
  randomStagesOf,
  sharedBlock,
  validate,
  WorkerPool,
  workerMap,
  type Block,
  type PixelArray,
  type Run,
  type TaskStaging,
} from '@idxflow/core/internal';
import type { OperatorFunction } from 'rxjs';
import type { RunOptions } from './augment.js';
import { taskGroups } from './taskGroups.js';

/** What every pixel stage's job holds: the samples, what keys their draws, and where the output goes. */
export interface PixelJob<P extends PixelArray = PixelArray> {
  /** Input pixels, `height * width` per sample. */
  images: P;
  /** Each input sample's index in its source file (keys its random draws). */
  indices: Uint32Array;
  /** The input samples to work on, in output order; all of them when absent (a gather in the same pass). */
  rows?: Uint32Array;
  /** The samples' epoch (keys their random draws). */
  epoch: number;
  /** The pipeline's seed, the stage's `seed` run option. */
  seed: number;
  /** The samples' random-stage count: which random stage of the pipeline this is (keys the draws). */
  stage: number;
  /** Image height, in pixels. */
  height: number;
  /** Image width, in pixels. */
  width: number;
  /** Where to write the result (`n * height * width` values of the output type), if not new memory. */
  output?: P;
}

/** The shared part of the job of an input on the main thread: its pixels read in place (Rows: the epoch block and the row numbers). */
export function pixelJobOf(input: Run, seed: number): PixelJob {
  const block = layoutOf(input);
  const [, height, width] = block.shape;
  const rows = isRows(input) ? input.rows : undefined;
  return { images: block.images, indices: block.indices, rows, epoch: block.epoch, seed, stage: randomStagesOf(block), height, width };
}

/**
 * `job` for a worker: the pixels and indices go through shared memory (structured clone would
 * copy them, and the whole buffer of a view), the rest is a few numbers; `output` is moved
 * there. Rows read their epoch block, already in shared memory, in place: only the row numbers
 * are staged.
 */
export function sharedPixelJob<J extends PixelJob>(input: Run, job: J, output: PixelArray, staging: TaskStaging): J {
  const moved = staging.move(output);
  if (job.rows) {
    const from = sharedBlock(layoutOf(input));
    return { ...job, images: from.images, indices: from.indices, rows: staging.share(job.rows), output: moved };
  }
  return { ...job, images: staging.share(job.images), indices: staging.share(job.indices), output: moved };
}

/** The output Block of a pixel stage: the input's labels and indices (gathered, for Rows), the new pixels, one more random stage. */
export function pixelBlockOf(input: Run, images: PixelArray): Block {
  const randomStages = randomStagesOf(layoutOf(input)) + 1;
  return isRows(input) ? { ...gatherRows(input, images), randomStages } : { ...input, images, randomStages };
}

/** What one pixel stage does with an input, on the main thread and on a worker. */
export interface PixelStage<I extends Run, J> {
  /** The module a pool of the stage's own runs (`run.pool` must come from the same module's pool). */
  readonly worker: URL;
  /** The function that makes the stage's pools, named when `run.pool` is not a pool. */
  readonly poolMaker: string;
  /** The input, checked (a typed error for one the stage refuses), as the job reads it. */
  readonly accept: (input: Run) => I;
  /** The job of an input on the main thread: its pixels read in place. */
  readonly job: (input: I, seed: number) => J;
  /** The job of an input on a worker: its arrays in shared memory, its output moved there. */
  readonly sharedJob: (input: I, seed: number, staging: TaskStaging) => J;
  /** The main thread's work on a job. */
  readonly images: (job: J) => PixelArray;
  /** The output block: the input's labels and provenance, the new pixels, one more random stage. */
  readonly blockOf: (input: I, images: PixelArray) => Block;
}

/**
 * The operator of a pixel stage for the run options `run` (seed, workers or a shared pool,
 * window, images per task), checked when it is built. Blocks keep their order, and each
 * sample's bytes depend on (seed, stage, epoch, source index) alone: the same for any worker
 * count or block size.
 */
export function pixelStage<I extends Run, J>(stage: PixelStage<I, J>, run: RunOptions): OperatorFunction<Run, Block> {
  const seed = validate.seed('seed', run.seed ?? 0);
  if (run.pool !== undefined && !(run.pool instanceof WorkerPool)) throw new OptionError(`Expected a WorkerPool from ${stage.poolMaker}() for pool but received ${String(run.pool)}`);
  const workers = run.pool?.workers ?? validate.integer('workers', run.workers ?? 0, 0, 256);
  const window = run.window === undefined ? undefined : validate.integer('window', run.window, 1);
  const taskImages = validate.integer('taskImages', run.taskImages ?? 1024, 1);
  if (workers === 0) {
    return map((input) => {
      const accepted = stage.accept(input);
      return stage.blockOf(accepted, adoptPixels(stage.images(stage.job(accepted, seed))));
    });
  }
  const pool = run.pool === undefined ? { filename: stage.worker, workers } : { pool: run.pool };
  return (source) =>
    source.pipe(
      map(stage.accept),
      taskGroups(taskImages),
      workerMap(
        { ...pool, window },
        (group: I[], staging) => group.map((input) => stage.sharedJob(input, seed, staging)),
        (outputs: PixelArray[], group) => group.map((input, i) => stage.blockOf(input, adoptPixels(outputs[i]))),
      ),
      concatAll(), // each group's blocks, in order, synchronously: holds reach the pool's emitter
    );
}
