// Which part a scheduler's environment names, for every shape of Slurm array and every mix of
// variables. The Slurm environments are the variables Slurm 22.05 really set (observed with
// `sbatch --array=... --wrap 'env | grep SLURM_ARRAY'` on a single-node cluster); the expected
// parts are worked by hand from the array written.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { partOf } from '../../packages/cli/dist/commands/exportPart.js';
import { CLI } from '../fixtures/mnist.js';

/** What Slurm sets in task `id` of `--array=MIN-MAX:STEP` (or a list), with COUNT tasks. */
const slurm = (id: number, min: number, max: number, step: number, count: number): Record<string, string> => ({
  SLURM_ARRAY_JOB_ID: '41',
  SLURM_ARRAY_TASK_ID: String(id),
  SLURM_ARRAY_TASK_MIN: String(min),
  SLURM_ARRAY_TASK_MAX: String(max),
  SLURM_ARRAY_TASK_STEP: String(step),
  SLURM_ARRAY_TASK_COUNT: String(count),
});

/** The refusal's message, or the part. */
function outcome(flags: Record<string, string>, env: Record<string, string>): string | { index: number; of: number } | undefined {
  try {
    return partOf(flags, env);
  } catch (error) {
    expect((error as Error).name).toBe('UsageError');
    expect((error as Error).message).not.toContain('\n');
    return (error as Error).message;
  }
}

describe('partOf: Slurm arrays of every shape', () => {
  it('a regular array without a count maps (ID - MIN) / STEP of SLURM_ARRAY_TASK_COUNT', () => {
    // --array=1-8: tasks 1..8 are parts 0..7 of 8.
    expect([1, 2, 8].map((id) => outcome({}, slurm(id, 1, 8, 1, 8)))).toEqual([{ index: 0, of: 8 }, { index: 1, of: 8 }, { index: 7, of: 8 }]);
    // --array=0-6:2: tasks 0, 2, 4, 6 are parts 0..3 of 4.
    expect([0, 2, 4, 6].map((id) => outcome({}, slurm(id, 0, 6, 2, 4)))).toEqual([0, 1, 2, 3].map((index) => ({ index, of: 4 })));
    // --array=0-7: the documented array, task I is part I.
    expect(outcome({}, slurm(5, 0, 7, 1, 8))).toEqual({ index: 5, of: 8 });
  });

  it('an array with gaps or of one task is refused without a count, never guessed', () => {
    const setCount = 'set IDXFLOW_SHARDS or --shards N to the part count and write the array as --array=0-(N-1)';
    // --array=1,3 (Slurm: MIN=1 MAX=3 STEP=1 COUNT=2): task 3 would have been "part 2 of 2".
    expect(outcome({}, slurm(3, 1, 3, 1, 2))).toBe(`Expected a regular array (MIN-MAX:STEP) but SLURM_ARRAY_TASK_MIN=1 MAX=3 STEP=1 COUNT=2 ID=3 has gaps: ${setCount}`);
    // --array=1-3,7 (MIN=1 MAX=7 STEP=1 COUNT=4).
    expect(outcome({}, slurm(2, 1, 7, 1, 4))).toMatch(/has gaps/);
    // sbatch --array=3 resubmitting one index: MIN=MAX=3, COUNT=1 (it used to be part 0 of 1).
    expect(outcome({}, slurm(3, 3, 3, 1, 1))).toBe(`Expected the part count for a one-task array (--array=3, a resubmitted index?), found only SLURM_ARRAY_TASK_COUNT=1: ${setCount}`);
    // Variables missing (not what Slurm sets, never guessed either).
    expect(outcome({}, { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_COUNT: '4', SLURM_ARRAY_TASK_MIN: '0' })).toBe(`Expected SLURM_ARRAY_TASK_MAX beside SLURM_ARRAY_TASK_ID, found none: ${setCount}`);
    expect(outcome({}, { SLURM_ARRAY_TASK_COUNT: '4' })).toMatch(/^Expected SLURM_ARRAY_TASK_ID with SLURM_ARRAY_TASK_COUNT/);
  });

  it('with IDXFLOW_SHARDS or --shards, the task ID is the part, whatever the array', () => {
    // The documented array --array=0-7 with IDXFLOW_SHARDS=8, and index 3 resubmitted alone.
    expect(outcome({}, { ...slurm(6, 0, 7, 1, 8), IDXFLOW_SHARDS: '8' })).toEqual({ index: 6, of: 8 });
    expect(outcome({}, { ...slurm(3, 3, 3, 1, 1), IDXFLOW_SHARDS: '8' })).toEqual({ index: 3, of: 8 });
    expect(outcome({ shards: '8' }, slurm(3, 3, 3, 1, 1))).toEqual({ index: 3, of: 8 });
    // --array=1,3 with 4 parts: tasks 1 and 3 are parts 1 and 3.
    expect(outcome({}, { ...slurm(3, 1, 3, 1, 2), IDXFLOW_SHARDS: '4' })).toEqual({ index: 3, of: 4 });
    // --shards before IDXFLOW_SHARDS.
    expect(outcome({ shards: '6' }, { ...slurm(5, 0, 7, 1, 8), IDXFLOW_SHARDS: '8' })).toEqual({ index: 5, of: 6 });
    // --array=1-8 with IDXFLOW_SHARDS=8: task 8 is not a part of 8.
    expect(outcome({}, { ...slurm(8, 1, 8, 1, 8), IDXFLOW_SHARDS: '8' })).toBe(
      'Expected a part index below the count (8) from SLURM_ARRAY_TASK_ID and IDXFLOW_SHARDS but received 8 (write the array as --array=0-7, and one part I alone as --array=I)',
    );
  });
});

describe('partOf: Kubernetes, torchrun, and conflicts', () => {
  it('Kubernetes needs the count; torchrun takes WORLD_SIZE or an equal explicit count', () => {
    expect(outcome({}, { JOB_COMPLETION_INDEX: '7', IDXFLOW_SHARDS: '8' })).toEqual({ index: 7, of: 8 });
    expect(outcome({ shards: '8' }, { JOB_COMPLETION_INDEX: '7' })).toEqual({ index: 7, of: 8 });
    expect(outcome({}, { JOB_COMPLETION_INDEX: '8', IDXFLOW_SHARDS: '8' })).toBe(
      "Expected a part index below the count (8) from JOB_COMPLETION_INDEX and IDXFLOW_SHARDS but received 8 (the Job's completions and the part count must be equal)",
    );
    expect(outcome({}, { JOB_COMPLETION_INDEX: '1' })).toMatch(/^Expected --shards N or IDXFLOW_SHARDS with JOB_COMPLETION_INDEX/);
    expect(outcome({}, { RANK: '2', WORLD_SIZE: '3' })).toEqual({ index: 2, of: 3 });
    expect(outcome({ shards: '3' }, { RANK: '2' })).toEqual({ index: 2, of: 3 });
    expect(outcome({}, { RANK: '2', WORLD_SIZE: '3', IDXFLOW_SHARDS: '4' })).toBe('Expected one part count but WORLD_SIZE=3 and IDXFLOW_SHARDS=4 differ');
  });

  it('a variable without its partner is refused, not read as the whole export', () => {
    expect(outcome({}, { RANK: '1' })).toBe('Expected WORLD_SIZE beside RANK=1, found none: set WORLD_SIZE (or --shards N), or give the part with --shard I/N');
    expect(outcome({}, { WORLD_SIZE: '4' })).toBe('Expected RANK beside WORLD_SIZE=4, found none: give the part with --shard I/N');
    expect(outcome({}, { IDXFLOW_SHARDS: '4' })).toBe(
      'Expected a part index beside IDXFLOW_SHARDS=4 (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or RANK), found none: give the part with --shard I/N',
    );
    expect(outcome({}, {})).toBeUndefined();
  });

  it("two schedulers' variables are refused, naming them, unless --shard I/N is given", () => {
    expect(outcome({}, { ...slurm(1, 0, 3, 1, 4), RANK: '0', WORLD_SIZE: '4' })).toBe(
      "Expected one scheduler's variables but found SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT and RANK/WORLD_SIZE: give the part with --shard I/N, or unset the others",
    );
    expect(outcome({}, { JOB_COMPLETION_INDEX: '0', IDXFLOW_SHARDS: '2', RANK: '1' })).toBe(
      "Expected one scheduler's variables but found JOB_COMPLETION_INDEX and RANK: give the part with --shard I/N, or unset the others",
    );
    expect(outcome({}, { JOB_COMPLETION_INDEX: '0', SLURM_ARRAY_TASK_ID: '0' })).toMatch(/found JOB_COMPLETION_INDEX and SLURM_ARRAY_TASK_ID:/);
    expect(outcome({ shard: '1/2' }, { JOB_COMPLETION_INDEX: '0', RANK: '1', ...slurm(3, 3, 3, 1, 1) })).toEqual({ index: 1, of: 2 });
  });

  it('the CLI prints a refusal as one line and exits 2 before writing anything', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'idxflow-part-')), 'x');
    const env: NodeJS.ProcessEnv = { ...process.env, ...slurm(3, 3, 3, 1, 1), IDXFLOW_PROGRESS_SECONDS: '86400' };
    for (const name of ['JOB_COMPLETION_INDEX', 'IDXFLOW_SHARDS', 'RANK', 'WORLD_SIZE']) delete env[name];
    const r = spawnSync(process.execPath, [CLI, 'export', '--split', 'test', '--limit', '10', '--out', out], { encoding: 'utf8', env });
    expect([r.status, r.stderr.split('\n').length]).toEqual([2, 2]);
    expect(r.stderr).toMatch(/^idxflow: Expected the part count for a one-task array \(--array=3/);
    const ok = spawnSync(process.execPath, [CLI, 'export', '--split', 'test', '--limit', '10', '--shards', '4', '--format', 'idx', '--out', out], { encoding: 'utf8', env });
    expect([ok.stderr, ok.status]).toEqual(['', 0]);
    expect(ok.stdout).toContain('part-00003-of-00004');
  });
});
