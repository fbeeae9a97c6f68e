// The data of each task of export's --tasks (taskFlags.ts reads the flags): made by the public
// stages on the workers, and what each task folder's manifest records of its task.
import { batch, type Block } from '@idxflow/core';
import { permutedTasks, rotatedTasks, splitClassOrder, splitTasks, taskPermutation } from '@idxflow/transforms';
import { map, of, type OperatorFunction } from 'rxjs';
import { loadUntilAborted } from './interrupted.js';
import { taskCount, type TaskSettings, type TaskStream } from './taskFlags.js';

/** The stage that makes task `task` (alone) of the stream. */
function stageOf({ stream, seed }: TaskSettings, task: number, classes: number, workers: number): OperatorFunction<Block, Block> {
  if (stream.kind === 'permuted') return permutedTasks({ tasks: stream.tasks, seed: seed ?? 0, only: task, workers });
  if (stream.kind === 'rotated') return rotatedTasks({ angles: stream.angles, only: task, workers });
  return splitTasks({ classesPerTask: stream.classesPerTask, classes, seed, only: task });
}

/** What task `task` is, for its manifest: the permutation, the angle, or the classes. */
export function taskRecord(settings: TaskSettings, task: number, classes: number, height: number, width: number): object {
  const { stream, seed } = settings;
  const of = taskCount(settings, classes);
  if (stream.kind === 'permuted') return { stream: 'permuted', task, of, seed: seed ?? 0, permutation: Array.from(taskPermutation(seed ?? 0, task, height * width)) };
  if (stream.kind === 'rotated') return { stream: 'rotated', task, of, angle: stream.angles[task], interpolation: 'nearest' };
  const order = splitClassOrder({ classes, seed });
  return { stream: 'split', task, of, seed: seed ?? null, order, classes: order.slice(task * stream.classesPerTask, (task + 1) * stream.classesPerTask) };
}

/**
 * Task `task`'s version of a split's data, made by the public stage on `workers` threads, in
 * blocks of 4096 samples; its samples no longer carry the task (the folder and manifest do).
 */
export async function taskData(settings: TaskSettings, task: number, data: Block<Uint8Array>, classes: number, workers: number, files: string, signal?: AbortSignal): Promise<Block<Uint8Array>> {
  const strip = map((block: Block): Block<Uint8Array> => {
    const rest: { tasks?: Uint8Array } & Block = { ...block };
    delete rest.tasks;
    return rest as Block<Uint8Array>;
  });
  const made = of(data).pipe(batch(4096), stageOf(settings, task, classes, workers), strip);
  return loadUntilAborted(made, `task ${task} of --tasks ${describe(settings.stream)}`, signal, files);
}

/** A stream as its flag wrote it. */
function describe(stream: TaskStream): string {
  if (stream.kind === 'permuted') return `permuted:${stream.tasks}`;
  if (stream.kind === 'rotated') return `rotated:${stream.angles.join(',')}`;
  return `split:${stream.classesPerTask}`;
}

