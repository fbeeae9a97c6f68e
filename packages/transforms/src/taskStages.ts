// What the continual-learning task stages share: their run options, which tasks they emit, the
// refusal of blocks that already carry tasks, and the operator that applies one fixed change per
// task to every block, on the main thread or on worker threads.
import { adoptPixels, type Block, BlockMismatchError, checkBlock, concatMap, OptionError, type PixelArray, validate, workerMap } from '@idxflow/core/internal';
import type { OperatorFunction } from 'rxjs';
import { taskPixels, type TaskChange, type TaskPixelsJob } from './taskPixels.js';

/** The largest number of tasks: a task number is one byte (`Block.tasks`). */
export const MAX_TASKS = 256;

/** Which tasks a task stage emits, and where its per-pixel work runs. */
export interface TaskRunOptions {
  /**
   * The tasks to emit, in this order (task numbers from 0); for each input block the stage
   * emits one block per task listed. Default: every task, 0 first. One task (`only: 2`) gives
   * that task's stream alone, e.g. to train on the tasks one after the other.
   */
  only?: number | readonly number[];
  /** Worker threads of this stage's own pool; 0 runs on the main thread. Default 0. */
  workers?: number;
  /** Worker tasks in flight or waiting to be taken downstream. Default `4 * workers`. */
  window?: number;
}

/** The tasks to emit, checked against the count: `only`, or all of them in order. */
export function selectedTasks(only: TaskRunOptions['only'], count: number): number[] {
  if (only === undefined) return Array.from({ length: count }, (_, t) => t);
  const list = typeof only === 'number' ? [only] : only;
  if (!Array.isArray(list) || list.length === 0) throw new OptionError(`Expected a task number or a non-empty list of them for only but received ${String(only)}`);
  return list.map((t, k) => validate.integer(`only[${k}]`, t, 0, count - 1));
}

/** Checks a block for a task stage: well formed, and not already of a task stream. */
export function checkTaskInput(stage: string, block: Block): void {
  checkBlock(stage, block);
  if (block.tasks !== undefined) {
    throw new BlockMismatchError({ file: stage, expected: 'blocks of no task (one task stage per pipeline)', found: `a block of ${block.shape[0]} samples already carrying tasks` });
  }
}

/** `block` with `images` and every sample marked as task `task`. */
export function taskBlock(block: Block, task: number, images: PixelArray): Block {
  return { ...block, images, tasks: new Uint8Array(block.shape[0]).fill(task) };
}

/** The job of task `task`'s change on `block`'s images, output in a new array of their type. */
function jobOf(block: Block, change: TaskChange): TaskPixelsJob {
  const [n, height, width] = block.shape;
  const Pixels = block.images instanceof Float32Array ? Float32Array : Uint8Array;
  return { images: block.images, height, width, change, output: new Pixels(n * height * width) };
}

const WORKER = new URL('./taskWorker.js', import.meta.url);

/**
 * The operator of a pixel task stage: for each block, one block per selected task, its images
 * changed by `changeOf(task, height, width)` (computed once per task and image size) and its samples marked with the task, in the order of `tasks`.
 * Every output is a pure function of the block and the task, so any worker count gives the same
 * bytes, and any block size the same samples.
 */
export function pixelTasks(stage: string, tasks: readonly number[], changeOf: (task: number, height: number, width: number) => TaskChange, run: TaskRunOptions, check: (block: Block) => void): OperatorFunction<Block, Block> {
  const workers = validate.integer('workers', run.workers ?? 0, 0, 256);
  const window = run.window === undefined ? undefined : validate.integer('window', run.window, 1);
  const changes = new Map<string, TaskChange>();
  const change = (block: Block, task: number): TaskChange => {
    const key = `${task} ${block.shape[1]} ${block.shape[2]}`;
    let known = changes.get(key);
    if (known === undefined) changes.set(key, (known = changeOf(task, block.shape[1], block.shape[2])));
    return known;
  };
  const expand = (block: Block): { block: Block; task: number }[] => {
    checkTaskInput(stage, block);
    check(block);
    return tasks.map((task) => ({ block, task }));
  };
  if (workers === 0) {
    return concatMap(function* (block: Block) {
      for (const { task } of expand(block)) yield taskBlock(block, task, adoptPixels(taskPixels(jobOf(block, change(block, task)))));
    });
  }
  return (source) =>
    source.pipe(
      concatMap(expand),
      workerMap(
        { filename: WORKER, workers, window },
        ({ block, task }: { block: Block; task: number }, staging) => {
          const job = jobOf(block, change(block, task));
          return { ...job, images: staging.share(job.images), output: staging.move(job.output) };
        },
        (output: PixelArray, { block, task }) => taskBlock(block, task, adoptPixels(output)),
      ),
    );
}
