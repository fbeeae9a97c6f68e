// The one shape of the stages that make new pixels per sample (augment(), corrupt(), the
// automatic policies): each input is checked, then worked on the main thread, reading its
// pixels in place, or in groups of about `taskImages` images on a worker pool, its arrays
// staged in shared memory. What differs between them is the job and the worker module.
import { adoptPixels, OptionError, validate, WorkerPool, workerMap, type Block, type PixelArray, type Run, type TaskStaging } from '@idxflow/core/internal';
import type { OperatorFunction } from 'rxjs';
import { concatAll } from 'rxjs/internal/operators/concatAll';
import { map } from 'rxjs/internal/operators/map';
import type { RunOptions } from './augment.js';
import { taskGroups } from './taskGroups.js';

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
