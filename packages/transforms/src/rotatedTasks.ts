import { BlockMismatchError, OptionError, randomUniform, RandomStage, streamKey, validate, type Block } from '@idxflow/core/internal';
import type { OperatorFunction } from 'rxjs';
import { MAX_TASKS, pixelTasks, selectedTasks, type TaskRunOptions } from './taskStages.js';

/** Options of `rotatedTasks()`: the angles, or how many tasks to draw angles for. */
export interface RotatedTasksOptions extends TaskRunOptions {
  /**
   * Each task's angle in degrees, -180 to 180, counter-clockwise as displayed (Avalanche's
   * `rotations_list`). Default: `tasks` angles drawn from `seed`.
   */
  angles?: readonly number[];
  /** How many tasks when `angles` is not given, 1 to 256 (Avalanche's `n_experiences`). */
  tasks?: number;
  /** Seed of the drawn angles (ignored with `angles`, as Avalanche ignores it). Default 0. */
  seed?: number;
  /**
   * Resampling: `nearest` (the default, torchvision's `RandomRotation` default, which Avalanche
   * uses) or `bilinear`.
   */
  interpolation?: 'nearest' | 'bilinear';
}

/**
 * The angle of task `task` drawn from `seed`: a whole number of degrees, uniform on -180..180
 * as Avalanche's `randint(-180, 181)`, from idxflow's generator keyed by (seed, task).
 *
 * @param seed The stage's seed.
 * @param task The task, from 0.
 *
 * ## Example
 * ```ts
 * const angle = taskAngle(0, 2); // task 2's angle of rotatedTasks({ tasks: 5 })
 * ```
 */
export function taskAngle(seed: number, task: number): number {
  return Math.floor(randomUniform(streamKey(seed, RandomStage.rotatedTasks, task, 0), 0) * 361) - 180;
}

/** The angle of each task: `angles` checked, or `tasks` drawn from the seed. */
function anglesOf(options: RotatedTasksOptions, seed: number): number[] {
  if (options.angles === undefined) {
    if (options.tasks === undefined) throw new OptionError('Expected angles (a list of degrees) or tasks (a count) for rotatedTasks() but received neither');
    const count = validate.integer('tasks', options.tasks, 1, MAX_TASKS);
    return Array.from({ length: count }, (_, t) => taskAngle(seed, t));
  }
  if (!Array.isArray(options.angles) || options.angles.length < 1 || options.angles.length > MAX_TASKS) {
    throw new OptionError(`Expected 1 to ${MAX_TASKS} angles for angles but received ${String(options.angles)}`);
  }
  if (options.tasks !== undefined && options.tasks !== options.angles.length) {
    throw new OptionError(`Expected tasks equal to the number of angles (${options.angles.length}) but received ${String(options.tasks)}`);
  }
  return options.angles.map((a, k) => validate.finite(`angles[${k}]`, a, -180, 180));
}

/**
 * Rotated MNIST (as in GEM, Lopez-Paz and Ranzato 2017): each task turns every image by its own
 * fixed angle about the centre, labels unchanged, corners filled with 0. For each input block
 * the stage emits one block per task, each sample marked with its task (`Block.tasks`); `only`
 * picks tasks.
 *
 * The rotation is torchvision's `F.rotate(img, angle)` (no expand, fill 0) with the same
 * interpolation, byte for byte, through idxflow's one resampler (`affineMatrix` and
 * `affineResample`). Defaults follow Avalanche's `RotatedMNIST`: angles given per task or drawn
 * as whole degrees in -180..180, nearest-neighbour resampling (`RandomRotation`'s default),
 * applied before anything after it in the pipeline. The drawn angles differ from Avalanche's for
 * the same seed (idxflow's generator keyed by (seed, task), not numpy's `RandomState`): pass
 * `angles` to reproduce a published stream. Byte images only (rotate before normalising).
 *
 * @param options The angles (or a count and a seed), the interpolation, which tasks to emit on how many workers.
 *
 * ## Example
 * ```ts
 * import { mnist } from '@idxflow/core';
 * import { rotatedTasks } from '@idxflow/transforms';
 * mnist({ split: 'test' }).pipe(rotatedTasks({ angles: [0, 45, 90], workers: 2 }))
 *   .subscribe((b) => console.log(b.tasks?.[0])); // 0, 1, 2
 * rotatedTasks({ tasks: 5, seed: 3 }); // five angles drawn from seed 3
 * ```
 */
export function rotatedTasks(options: RotatedTasksOptions): OperatorFunction<Block, Block> {
  const seed = validate.seed('seed', options.seed ?? 0);
  const angles = anglesOf(options, seed);
  const interpolation = validate.oneOf('interpolation', options.interpolation ?? 'nearest', ['nearest', 'bilinear'] as const);
  const tasks = selectedTasks(options.only, angles.length);
  const bytesOnly = (block: Block): void => {
    if (block.images instanceof Float32Array) {
      throw new BlockMismatchError({ file: 'rotatedTasks()', expected: 'uint8 images (rotate before normalize(), so that the corners are 0)', found: `float32 images in a block of ${block.shape[0]} samples` });
    }
  };
  return pixelTasks('rotatedTasks()', tasks, (task) => ({ kind: 'rotate', angle: angles[task], interpolation }), options, bytesOnly);
}
