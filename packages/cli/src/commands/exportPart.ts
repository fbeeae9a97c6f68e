// Which part of an export this process writes: from --shard I/N, or from the environment that
// common schedulers set for each task of an array job. Every part is a pure function of its
// index, so the parts need no coordinator: the scheduler only has to give each one its index.
import type { ExportPart } from '@idxflow/sinks/internal';
import { UsageError } from '../usageError.js';

const INTEGER = /^\d+$/;

function count(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  if (!INTEGER.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) throw new UsageError(`Expected an integer >= ${min} for ${name} but received "${text}"`);
  return Number(text);
}

function checked(index: number, of: number, from: string): ExportPart {
  if (of > 1_000_000) throw new UsageError(`Expected at most 1000000 parts from ${from} but received ${of}`);
  if (index >= of) throw new UsageError(`Expected a part index below the count (${of}) from ${from} but received ${index}`);
  return { index, of };
}

/**
 * The part the flags or the environment ask for, or undefined for the whole export. In order:
 * `--shard I/N`; Kubernetes' `JOB_COMPLETION_INDEX` (Indexed Job) with the count from
 * `--shards N` or `IDXFLOW_SHARDS`; Slurm's `SLURM_ARRAY_TASK_ID` and `SLURM_ARRAY_TASK_COUNT`
 * (less `SLURM_ARRAY_TASK_MIN`, for arrays that do not start at 0); torchrun's `RANK` and
 * `WORLD_SIZE`.
 */
export function partOf(flags: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv): ExportPart | undefined {
  if (typeof flags.shard === 'string') {
    const match = /^(\d+)\/(\d+)$/.exec(flags.shard);
    if (!match || Number(match[2]) < 1) throw new UsageError(`Expected I/N with 0 <= I < N for --shard but received "${flags.shard}"`);
    return checked(Number(match[1]), Number(match[2]), '--shard');
  }
  const shards = count('--shards', typeof flags.shards === 'string' ? flags.shards : undefined, 1);
  if (env.JOB_COMPLETION_INDEX !== undefined) {
    const of = shards ?? count('IDXFLOW_SHARDS', env.IDXFLOW_SHARDS, 1);
    if (of === undefined) throw new UsageError('Expected --shards N or IDXFLOW_SHARDS with JOB_COMPLETION_INDEX (a Kubernetes Indexed Job gives the index, not the count)');
    return checked(count('JOB_COMPLETION_INDEX', env.JOB_COMPLETION_INDEX, 0)!, of, 'JOB_COMPLETION_INDEX');
  }
  if (shards !== undefined) throw new UsageError('Expected --shards N only with JOB_COMPLETION_INDEX set (or use --shard I/N)');
  if (env.SLURM_ARRAY_TASK_ID !== undefined && env.SLURM_ARRAY_TASK_COUNT !== undefined) {
    const min = count('SLURM_ARRAY_TASK_MIN', env.SLURM_ARRAY_TASK_MIN, 0) ?? 0;
    const id = count('SLURM_ARRAY_TASK_ID', env.SLURM_ARRAY_TASK_ID, min)!;
    return checked(id - min, count('SLURM_ARRAY_TASK_COUNT', env.SLURM_ARRAY_TASK_COUNT, 1)!, 'SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT');
  }
  if (env.RANK !== undefined && env.WORLD_SIZE !== undefined) {
    return checked(count('RANK', env.RANK, 0)!, count('WORLD_SIZE', env.WORLD_SIZE, 1)!, 'RANK/WORLD_SIZE');
  }
  return undefined;
}
