// export's --tasks and --task-seed: the continual-learning streams (permutedTasks(),
// rotatedTasks(), splitTasks()), one folder per task. Each task's split is made first, on the
// workers, exactly as the public stages make it (the task changes the source, before any
// augmentation, as Avalanche applies its frozen task transform first); the export of each
// folder then runs as an export of that data. tasks.ts makes the tasks' data (the flags load no
// stages).
import type { FlagRule, FlagSpec } from './flags.js';
import { decimalIn, integerIn, shown } from './numbers.js';
import { UsageError } from './usageError.js';

const MAX_TASKS = 256;

/** A --tasks value, parsed. */
export type TaskStream =
  | { readonly kind: 'permuted'; readonly tasks: number }
  | { readonly kind: 'rotated'; readonly angles: readonly number[] }
  | { readonly kind: 'split'; readonly classesPerTask: number };

/** The flags of the task streams. */
export const TASK_FLAGS = {
  tasks: {
    type: 'string',
    arg: 'permuted:N|rotated:A1,A2,...|split:K',
    help: `continual-learning tasks, one folder each (task-0/, task-1/, ...) with its manifest: permuted:N, N fixed pixel permutations (Permuted MNIST), 1 to ${MAX_TASKS}; rotated:A1,A2,..., one rotation per angle in degrees, -180 to 180 (Rotated MNIST, nearest neighbour); split:K, K classes per task in class order (Split MNIST: split:2)`,
    check: (t) => taskStreamOf(t),
  },
  'task-seed': {
    type: 'string',
    arg: 'S',
    help: "seed of the permutations (default 0); with split:K, shuffles the class order (default: 0, 1, 2, ...)",
    check: (t) => integerIn('task-seed', t, -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER),
  },
} as const satisfies Record<string, FlagSpec>;

/** --task-seed only with --tasks, and not with rotated:A1,... (its angles are given). */
export const TASK_RULES: readonly FlagRule[] = [
  ({ given, values }) => {
    if (!given.has('task-seed')) return;
    if (!given.has('tasks')) throw new UsageError('Expected --task-seed only with --tasks but received no --tasks');
    if (taskStreamOf(String(values.tasks)).kind === 'rotated') throw new UsageError(`Expected --task-seed only with --tasks permuted:N or split:K but received --tasks ${String(values.tasks)} (its angles are given)`);
  },
];

/** Parses a --tasks value. */
export function taskStreamOf(text: string): TaskStream {
  const [kind, arg, ...rest] = text.split(':');
  const expected = `Expected permuted:N, rotated:A1,A2,... or split:K for --tasks but received ${shown(text)}`;
  if (arg === undefined || arg === '' || rest.length > 0) throw new UsageError(expected);
  if (kind === 'permuted') return { kind, tasks: integerIn('tasks', arg, 1, MAX_TASKS, ' (the N of permuted:N)') };
  if (kind === 'split') return { kind, classesPerTask: integerIn('tasks', arg, 1, MAX_TASKS, ' (the K of split:K)') };
  if (kind !== 'rotated') throw new UsageError(expected);
  const angles = arg.split(',');
  if (angles.length > MAX_TASKS) throw new UsageError(`Expected 1 to ${MAX_TASKS} angles for --tasks rotated:A1,A2,... but received ${angles.length}`);
  return { kind, angles: angles.map((a) => decimalIn('tasks', a, [-180, 180], 'an angle in degrees')) };
}

/** The task settings: the stream, its seed, and (for split) the classes of the data. */
export interface TaskSettings {
  readonly stream: TaskStream;
  /** --task-seed, undefined when not given. */
  readonly seed: number | undefined;
}

/** The task settings of the flags, or undefined without --tasks. */
export function taskSettingsOf(flags: Record<string, unknown>): TaskSettings | undefined {
  if (flags.tasks === undefined) return undefined;
  const seed = flags['task-seed'] === undefined ? undefined : integerIn('task-seed', String(flags['task-seed']), -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
  return { stream: taskStreamOf(String(flags.tasks)), seed };
}

/** The number of tasks, given the classes of the data (for split:K, which must divide them). */
export function taskCount({ stream }: TaskSettings, classes: number): number {
  if (stream.kind === 'permuted') return stream.tasks;
  if (stream.kind === 'rotated') return stream.angles.length;
  if (classes % stream.classesPerTask !== 0) throw new UsageError(`Expected K dividing the ${classes} classes for --tasks split:K but received ${stream.classesPerTask}`);
  return classes / stream.classesPerTask;
}
