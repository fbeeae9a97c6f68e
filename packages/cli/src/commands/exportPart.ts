// Which part of an export this process writes: from --shard I/N, or from the environment that
// common schedulers set for each task of an array job. Every part is a pure function of its
// index, so the parts need no coordinator: the scheduler only has to give each one its index.
// Nothing here is guessed: an environment that does not say one index and one count without
// doubt (two schedulers at once, a variable without its partner, a Slurm array with gaps or of
// one task) is refused with one line that says what to write instead.
import type { ExportPart } from '@idxflow/sinks';
import { UsageError } from '../usageError.js';

const INTEGER = /^\d+$/;
const MAX_PARTS = 1_000_000;

function count(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!INTEGER.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) throw new UsageError(`Expected an integer >= ${min} for ${name} but received "${text}"`);
  return Number(text);
}

function checked(index: number, of: number, from: string, hint = ''): ExportPart {
  if (of > MAX_PARTS) throw new UsageError(`Expected at most ${MAX_PARTS} parts from ${from} but received ${of}`);
  if (index >= of) throw new UsageError(`Expected a part index below the count (${of}) from ${from} but received ${index}${hint}`);
  return { index, of };
}

/** The explicit part count, `--shards N` before `IDXFLOW_SHARDS`, and where it came from. */
interface ExplicitCount {
  of: number;
  from: string;
}

function explicitCount(flags: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): ExplicitCount | undefined {
  if (typeof flags.shards === 'string') return { of: count('--shards', flags.shards, 1)!, from: '--shards' };
  const of = count('IDXFLOW_SHARDS', env.IDXFLOW_SHARDS, 1);
  return of === undefined ? undefined : { of, from: 'IDXFLOW_SHARDS' };
}

/** The variables of each scheduler that say "this process is one part", set in `env`. */
const SCHEDULER_VARIABLES = {
  kubernetes: ['JOB_COMPLETION_INDEX'],
  slurm: ['SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT'],
  torchrun: ['RANK', 'WORLD_SIZE'],
} as const;

type Scheduler = keyof typeof SCHEDULER_VARIABLES;

function schedulerOf(env: NodeJS.ProcessEnv): Scheduler | undefined {
  const present = (Object.keys(SCHEDULER_VARIABLES) as Scheduler[]).filter((s) => SCHEDULER_VARIABLES[s].some((v) => env[v] !== undefined));
  if (present.length > 1) {
    const named = present.map((s) => SCHEDULER_VARIABLES[s].filter((v) => env[v] !== undefined).join('/')).join(' and ');
    throw new UsageError(`Expected one scheduler's variables but found ${named}: give the part with --shard I/N, or unset the others`);
  }
  return present[0];
}

function kubernetesPart(env: NodeJS.ProcessEnv, explicit: ExplicitCount | undefined): ExportPart {
  if (!explicit) throw new UsageError('Expected --shards N or IDXFLOW_SHARDS with JOB_COMPLETION_INDEX (a Kubernetes Indexed Job gives the index, not the count)');
  return checked(count('JOB_COMPLETION_INDEX', env.JOB_COMPLETION_INDEX, 0)!, explicit.of, `JOB_COMPLETION_INDEX and ${explicit.from}`, ' (the Job\'s completions and the part count must be equal)');
}

/**
 * Slurm: with an explicit count, the task ID is the part itself (the array is written
 * `--array=0-(N-1)`, so `--array=I` reruns part I alone). Without one, a regular array
 * `--array=MIN-MAX:STEP` maps task ID to (ID - MIN) / STEP of SLURM_ARRAY_TASK_COUNT; an array
 * with gaps (`--array=1,3` sets MIN=1, MAX=3, STEP=1, COUNT=2) or of one task (a resubmitted
 * index) does not say which part it is, so it is refused.
 */
function slurmPart(env: NodeJS.ProcessEnv, explicit: ExplicitCount | undefined): ExportPart {
  if (env.SLURM_ARRAY_TASK_ID === undefined) throw new UsageError('Expected SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT (this is not a task of an array job): give the part with --shard I/N');
  const id = count('SLURM_ARRAY_TASK_ID', env.SLURM_ARRAY_TASK_ID, 0)!;
  if (explicit) return checked(id, explicit.of, `SLURM_ARRAY_TASK_ID and ${explicit.from}`, ` (write the array as --array=0-${explicit.of - 1}, and one part I alone as --array=I)`);
  const setCount = 'set IDXFLOW_SHARDS or --shards N to the part count and write the array as --array=0-(N-1)';
  const [of, min, max] = (['SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_MAX'] as const).map((name) => {
    const value = count(name, env[name], name === 'SLURM_ARRAY_TASK_COUNT' ? 1 : 0);
    if (value === undefined) throw new UsageError(`Expected ${name} beside SLURM_ARRAY_TASK_ID, found none: ${setCount}`);
    return value;
  });
  const step = count('SLURM_ARRAY_TASK_STEP', env.SLURM_ARRAY_TASK_STEP, 1) ?? 1;
  if (of === 1) throw new UsageError(`Expected the part count for a one-task array (--array=${id}, a resubmitted index?), found only SLURM_ARRAY_TASK_COUNT=1: ${setCount}`);
  if (max - min !== step * (of - 1) || id < min || (id - min) % step !== 0) {
    throw new UsageError(`Expected a regular array (MIN-MAX:STEP) but SLURM_ARRAY_TASK_MIN=${min} MAX=${max} STEP=${step} COUNT=${of} ID=${id} has gaps: ${setCount}`);
  }
  return checked((id - min) / step, of, 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT');
}

function torchrunPart(env: NodeJS.ProcessEnv, explicit: ExplicitCount | undefined): ExportPart {
  const rank = count('RANK', env.RANK, 0);
  const worldSize = count('WORLD_SIZE', env.WORLD_SIZE, 1);
  if (rank === undefined) throw new UsageError(`Expected RANK beside WORLD_SIZE=${worldSize}, found none: give the part with --shard I/N`);
  if (worldSize !== undefined && explicit && explicit.of !== worldSize) throw new UsageError(`Expected one part count but WORLD_SIZE=${worldSize} and ${explicit.from}=${explicit.of} differ`);
  const of = explicit?.of ?? worldSize;
  if (of === undefined) throw new UsageError(`Expected WORLD_SIZE beside RANK=${rank}, found none: set WORLD_SIZE (or --shards N), or give the part with --shard I/N`);
  return checked(rank, of, explicit ? `RANK and ${explicit.from}` : 'RANK/WORLD_SIZE');
}

/**
 * The part the flags or the environment ask for, or undefined for the whole export. `--shard I/N`
 * wins over everything. Otherwise one scheduler's variables, with the part count from
 * `--shards N` or `IDXFLOW_SHARDS` when given: Kubernetes' `JOB_COMPLETION_INDEX` (the count is
 * required); Slurm's `SLURM_ARRAY_TASK_ID` (the part itself with a count; without one,
 * `(ID - MIN) / STEP` of `SLURM_ARRAY_TASK_COUNT` for a regular array of two tasks or more);
 * torchrun's `RANK` and `WORLD_SIZE`. Anything ambiguous is a {@link UsageError}.
 */
export function partOf(flags: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): ExportPart | undefined {
  if (typeof flags.shard === 'string') {
    const match = /^(\d+)\/(\d+)$/.exec(flags.shard);
    if (!match || Number(match[2]) < 1) throw new UsageError(`Expected I/N with 0 <= I < N for --shard but received "${flags.shard}"`);
    return checked(Number(match[1]), Number(match[2]), '--shard');
  }
  const explicit = explicitCount(flags, env);
  const scheduler = schedulerOf(env);
  if (scheduler === 'kubernetes') return kubernetesPart(env, explicit);
  if (scheduler === 'slurm') return slurmPart(env, explicit);
  if (scheduler === 'torchrun') return torchrunPart(env, explicit);
  if (explicit) throw new UsageError(`Expected a part index beside ${explicit.from}=${explicit.of} (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or RANK), found none: give the part with --shard I/N`);
  return undefined;
}
