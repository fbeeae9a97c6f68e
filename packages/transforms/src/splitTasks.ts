import { allocateBlock, type Block, BlockMismatchError, concatMap, copySample, OptionError, permutation, RandomStage, validate } from '@idxflow/core/internal';
import type { OperatorFunction } from 'rxjs';
import { checkTaskInput, MAX_TASKS, selectedTasks, type TaskRunOptions } from './taskStages.js';

/** Options of `splitTasks()`. */
export interface SplitTasksOptions extends Omit<TaskRunOptions, 'workers' | 'window'> {
  /** Classes in each task. Default 2 (Split MNIST's five tasks of two digits). */
  classesPerTask?: number;
  /** Classes of the dataset, labels 0 to `classes - 1`. Default 10. */
  classes?: number;
  /**
   * The classes in task order (Avalanche's `fixed_class_order`): task `t` holds
   * `order[t * classesPerTask .. (t + 1) * classesPerTask - 1]`; samples of classes not listed
   * belong to no task. Default: 0 to `classes - 1`, shuffled when `seed` is given.
   */
  order?: readonly number[];
  /** Seed of a shuffled class order, when no `order` is given. Default: no shuffle. */
  seed?: number;
}

/**
 * The class order of `splitTasks()` for these options: `order` as given, or 0 to `classes - 1`,
 * shuffled by `seed` when one is given.
 *
 * @param options The stage's options.
 *
 * ## Example
 * ```ts
 * splitClassOrder({}); // [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]
 * splitClassOrder({ seed: 1 }); // the ten digits in the order seed 1 draws
 * ```
 */
export function splitClassOrder(options: Pick<SplitTasksOptions, 'classes' | 'order' | 'seed'>): number[] {
  const classes = validate.integer('classes', options.classes ?? 10, 1, 256);
  if (options.order === undefined) {
    if (options.seed === undefined) return Array.from({ length: classes }, (_, c) => c);
    return Array.from(permutation(classes, validate.seed('seed', options.seed), RandomStage.splitTasks, 0));
  }
  if (!Array.isArray(options.order) || options.order.length === 0) throw new OptionError(`Expected a non-empty list of classes for order but received ${String(options.order)}`);
  const order = options.order.map((c, k) => validate.integer(`order[${k}]`, c, 0, classes - 1));
  const twice = order.find((c, k) => order.indexOf(c) !== k);
  if (twice !== undefined) throw new OptionError(`Expected each class once in order but received ${twice} twice`);
  return order;
}

/**
 * Split MNIST (Zenke, Poole and Ganguli 2017): the classes are dealt into tasks of
 * `classesPerTask` each, and task `t` holds the samples of its classes only, with their own
 * labels. For each input block the stage emits, per task, the block's samples of that task's
 * classes (a task with none in the block emits nothing), each marked with its task
 * (`Block.tasks`); `only` picks tasks. No pixel changes: it runs on the main thread.
 *
 * Avalanche's `SplitMNIST(n_experiences)` counts tasks; here `classesPerTask` sets their size
 * (2 gives Avalanche's usual 5). Avalanche shuffles the class order by default (`shuffle=True`,
 * from torch's generator); idxflow keeps 0..9 unless given a `seed` (its own generator, so not
 * Avalanche's order) or an explicit `order`, which reproduces any published stream. Labels are
 * kept as they are (Avalanche's default `class_ids_from_zero_in_each_exp=False`).
 *
 * @param options Classes per task, the class order (or a seed for one), which tasks to emit.
 *
 * ## Example
 * ```ts
 * import { mnist } from '@idxflow/core';
 * import { splitTasks } from '@idxflow/transforms';
 * mnist().pipe(splitTasks({ classesPerTask: 2, only: 1 })) // the 2s and 3s of MNIST's training set
 *   .subscribe((b) => console.log(b.tasks?.[0], b.labels[0])); // 1 2 (or 3)
 * splitTasks({ order: [1, 0, 3, 2, 5, 4, 7, 6, 9, 8] }); // Avalanche's fixed_class_order
 * ```
 */
export function splitTasks(options: SplitTasksOptions = {}): OperatorFunction<Block, Block> {
  const perTask = validate.integer('classesPerTask', options.classesPerTask ?? 2, 1, 256);
  const classes = validate.integer('classes', options.classes ?? 10, 1, 256);
  const order = splitClassOrder(options);
  if (order.length % perTask !== 0 || order.length / perTask > MAX_TASKS) {
    throw new OptionError(`Expected classesPerTask dividing the ${order.length} classes of the order into at most ${MAX_TASKS} tasks but received ${perTask}`);
  }
  const tasks = selectedTasks(options.only, order.length / perTask);
  const taskOf = new Int16Array(256).fill(-1);
  order.forEach((c, k) => (taskOf[c] = Math.floor(k / perTask)));
  const explicit = options.order !== undefined;
  return concatMap(function* (block: Block) {
    checkTaskInput('splitTasks()', block);
    const n = block.shape[0];
    if (!explicit) {
      for (let i = 0; i < n; i++) {
        if (block.labels[i] >= classes) throw new BlockMismatchError({ file: 'splitTasks()', expected: `labels below classes (${classes})`, found: `label ${block.labels[i]} of sample ${block.indices[i]}` });
      }
    }
    for (const task of tasks) {
      let count = 0;
      for (let i = 0; i < n; i++) if (taskOf[block.labels[i]] === task) count++;
      if (count === 0) continue;
      const out = allocateBlock({ ...block, tasks: new Uint8Array(0) }, count);
      for (let i = 0, at = 0; i < n; i++) if (taskOf[block.labels[i]] === task) copySample(block, i, out, at++);
      out.tasks!.fill(task);
      yield out;
    }
  });
}
