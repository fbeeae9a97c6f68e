import { permutation, RandomStage, validate, type Block } from '@idxflow/core/internal';
import type { OperatorFunction } from 'rxjs';
import { MAX_TASKS, pixelTasks, selectedTasks, type TaskRunOptions } from './taskStages.js';

/** Options of `permutedTasks()`. */
export interface PermutedTasksOptions extends TaskRunOptions {
  /** How many tasks (Avalanche's `n_experiences`), 1 to 256. Required. */
  tasks: number;
  /** Seed of the permutations. Default 0. */
  seed?: number;
}

/**
 * The pixel permutation of task `task` for images of `size` pixels: output pixel `i` is input
 * pixel `p[i]`. A Fisher-Yates shuffle drawn from (seed, task) alone, so task 3's permutation
 * is the same whatever the number of tasks, and needs no other task drawn first.
 *
 * @param seed The stage's seed.
 * @param task The task, from 0.
 * @param size Pixels per image (784 for MNIST).
 *
 * ## Example
 * ```ts
 * const p = taskPermutation(0, 1, 784); // task 1 of permutedTasks({ tasks: 10 }) on 28 x 28 images
 * ```
 */
export function taskPermutation(seed: number, task: number, size: number): Uint32Array {
  return permutation(size, seed, RandomStage.permutedTasks, task);
}

/**
 * Permuted MNIST (Goodfellow et al. 2013; the benchmark of EWC, Kirkpatrick et al. 2017): each
 * task moves every image's pixels by its own fixed permutation (`taskPermutation()`), labels
 * unchanged. For each input block the stage emits one block per task, each sample marked with
 * its task (`Block.tasks`); `only` picks tasks, e.g. one task's stream at a time.
 *
 * As Avalanche's `PermutedMNIST(n_experiences, seed)`, every task is permuted (none is the
 * original images) and the permutation is applied first, before any augmentation or
 * normalisation that follows in the pipeline. Unlike it, the permutations come from idxflow's
 * counter-based generator keyed by (seed, task), not numpy's `RandomState(seed)` drawn task
 * after task: the same seed gives other permutations than Avalanche's (they are written in each
 * task's manifest by `idxflow export --tasks permuted:N`). Any image size works.
 *
 * @param options The number of tasks, the seed, and which tasks to emit on how many workers.
 *
 * ## Example
 * ```ts
 * import { mnist } from '@idxflow/core';
 * import { permutedTasks } from '@idxflow/transforms';
 * mnist({ split: 'test' }).pipe(permutedTasks({ tasks: 10, seed: 1, workers: 2 }))
 *   .subscribe((b) => console.log(b.tasks?.[0])); // 0, 1, ..., 9 for each block of the source
 * ```
 */
export function permutedTasks(options: PermutedTasksOptions): OperatorFunction<Block, Block> {
  const count = validate.integer('tasks', options.tasks, 1, MAX_TASKS);
  const seed = validate.seed('seed', options.seed ?? 0);
  const tasks = selectedTasks(options.only, count);
  return pixelTasks('permutedTasks()', tasks, (task, height, width) => ({ kind: 'permute', permutation: taskPermutation(seed, task, height * width) }), options, () => undefined);
}
