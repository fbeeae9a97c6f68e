// docs/distributed's Slurm recipe run as written on a real single-node Slurm cluster (Debian's
// slurm-wlm; test/fixtures/slurm.ts), sized down through the variables the scripts read: 4 tasks
// of 8,000 images. While it runs, task 1 is requeued mid-part and task 3 cancelled, then
// resubmitted alone as the README says. The merged export must be, file for file, the bytes of
// the same export written by one process, and the merge must have run exactly once.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT } from '../fixtures/mnist.js';
import { startSlurm, waitFor, type SlurmCluster } from '../fixtures/slurm.js';

const RECIPE = join(ROOT, 'docs', 'distributed');
// 4,000 images x 8 copies in shards of 250: 128 shards, 32 per part, 8,000 images per part:
// a part runs for seconds after its first shard, so the requeue lands mid-part on a quiet
// machine too (with 2,000 a part, one finished in 1.4 s before its requeue reached it).
const SIZE = { IDXFLOW_SHARDS: '4', COPIES: '8', LIMIT: '4000', SHARD_SIZE: '250' };
const FIRST_SHARD_OF_PART_1 = 'shard-000032.tar'; // part 1 of 4 holds shards 32..63

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');
const filesOf = (dir: string): string[] => readdirSync(dir).sort();

let cluster: SlurmCluster;
/** The first test's folder, export and Slurm runner, for the reruns after it. */
let finished: { work: string; out: string; slurm: (command: string, args: string[]) => string } | undefined;
const hashes = (dir: string): Record<string, string> => Object.fromEntries(filesOf(dir).map((n) => [n, sha256(join(dir, n))]));
beforeAll(async () => {
  cluster = await startSlurm();
}, 90_000);
afterAll(() => cluster?.stop());

describe('the Slurm array recipe on a real Slurm cluster', () => {
  it('4 tasks, one requeued mid-run and one cancelled then resubmitted, merge once into the single export', async () => {
    const work = mkdtempSync(join(tmpdir(), 'idxflow-slurm-run-'));
    const bin = join(work, 'bin');
    mkdirSync(bin);
    // `idxflow` on the PATH, as an installed CLI would be.
    writeFileSync(join(bin, 'idxflow'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`);
    chmodSync(join(bin, 'idxflow'), 0o755);
    const out = join(work, 'mnist8m');
    const env: NodeJS.ProcessEnv = { ...cluster.env, ...SIZE, OUT: out, PATH: `${bin}:${process.env.PATH}` };
    for (const name of ['JOB_COMPLETION_INDEX', 'RANK', 'WORLD_SIZE']) delete env[name];
    const slurm = (command: string, args: string[]): string => {
      const r = spawnSync(command, args, { cwd: work, env, encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
      return r.stdout.trim();
    };

    // The recipe: the array, and the merge once after it. The node has 2 CPUs: 1 per task here.
    const submitted = /^export array (\d+), merge (\d+)$/.exec(slurm('bash', [join(RECIPE, 'slurm-submit.sh'), '--array=0-3', '--cpus-per-task=1']));
    expect(submitted).not.toBeNull();
    const [, array, firstMerge] = submitted!;

    // Task 3 cancelled while it waits: the merge can no longer run after the whole array.
    slurm('scancel', [`${array}_3`]);
    // Task 1 requeued once its first shard is written (its journal lists it).
    await waitFor(() => existsSync(join(out, FIRST_SHARD_OF_PART_1)), 60_000, `${FIRST_SHARD_OF_PART_1} from task 1`);
    slurm('scontrol', ['requeue', `${array}_1`]);
    // Slurm holds a requeued job for about 2 minutes (reason BeginTime) before it is eligible
    // again: start it as soon as it is back in the queue, to keep the test short.
    const state = (): string => slurm('squeue', ['-h', '-j', `${array}_1`, '-o', '%T %r']);
    await waitFor(() => state() === 'PENDING BeginTime', 60_000, `task 1 back in the queue (it is "${state()}")`);
    slurm('scontrol', ['update', `JobId=${array}_1`, 'StartTime=now']);

    // The README's steps for a cancelled task: resubmit its index alone, then the merge after
    // the rest of the array and the new task.
    const again = slurm('sbatch', ['--parsable', '--array=3', '--cpus-per-task=1', join(RECIPE, 'slurm-array.sh')]);
    // A merge that waits on the array while one of its tasks is requeued may start before that
    // task's rerun ends (seen here in 2 of 7 runs, with afterany on the task too): it then refuses,
    // naming the part as running, and is run again (docs/distributed/README.md). The README's
    // step for a cancelled task is taken once the requeued task has ended.
    // Ended means rerun: right after `scontrol update`, squeue has once listed no task 1 while it
    // was still pending, so its restart is awaited in its log first.
    const log1File = join(work, `idxflow-mnist8m-${array}_1.log`);
    await waitFor(() => /^task 1 of job \d+ \(part 1 of 4\), restart 1/m.test(readFileSync(log1File, 'utf8')), 120_000, 'the requeued task 1 to start again');
    await waitFor(() => spawnSync('squeue', ['-h', '-j', `${array}_1`], { cwd: work, env, encoding: 'utf8' }).stdout.trim() === '', 120_000, 'the requeued task 1 to end');
    const merge = slurm('sbatch', ['--parsable', `--dependency=afterany:${array},afterok:${again}`, '--kill-on-invalid-dep=yes', join(RECIPE, 'slurm-merge.sh')]);
    await waitFor(() => slurm('squeue', ['-h']) === '', 150_000, 'every job to leave the queue');
    // The first merge was cancelled once the array had finished without task 3 (Slurm judges an
    // array's afterok when its last task ends), not left pending forever; the second one ran.
    expect(slurm('scontrol', ['show', 'job', firstMerge])).toMatch(/JobState=CANCELLED Reason=DependencyNeverSatisfied/);
    expect(slurm('scontrol', ['show', 'job', merge])).toMatch(/JobState=COMPLETED/);

    // The same export by one process, outside Slurm.
    const single = join(work, 'single');
    const one = spawnSync(process.execPath, [CLI, 'export', '--dataset', 'mnist', '--split', 'train', '--copies', '8', '--shuffle', '--seed', '1', '--rotate', '15', '--shift', '2', '--elastic', '34:4', '--format', 'wds', '--shard-size', '250', '--workers', '2', '--limit', '4000', '--out', single], { encoding: 'utf8' });
    expect(one.status, one.stderr).toBe(0);
    const singleFiles = filesOf(single);
    expect(singleFiles).toHaveLength(129); // 128 shards and manifest.json
    const partManifests = [0, 1, 2, 3].map((k) => `manifest.part-0000${k}-of-00004.json`);
    expect(filesOf(out)).toEqual([...singleFiles, ...partManifests].sort());
    for (const name of singleFiles) expect(sha256(join(out, name)), name).toBe(sha256(join(single, name)));

    // Task 1: interrupted by the requeue with its first shards kept, then resumed in the same log.
    const log1 = readFileSync(log1File, 'utf8');
    expect(log1.match(/^task 1 of job \d+ \(part 1 of 4\), restart \d/gm)).toEqual([expect.stringMatching(/restart 0$/), expect.stringMatching(/restart 1$/)]);
    const kept = /idxflow: interrupted: kept ([1-9]\d*) complete files \((\d+) images\)/.exec(log1);
    expect(kept, log1).not.toBeNull();
    // The rerun keeps what the interrupted run completed and writes only the rest of the 8,000.
    const resumed = /exported (\d+) images \(wds\) .*, kept (\d+) complete files \((\d+) images\) of an interrupted run; manifest\.part-00001-of-00004\.json\n$/.exec(log1);
    expect(resumed, log1).not.toBeNull();
    expect([Number(resumed![1]) + Number(resumed![3]), resumed![2], resumed![3]]).toEqual([8000, kept![1], kept![2]]);
    // Task 3: never ran in the first array; its resubmission wrote part 3.
    expect(existsSync(join(work, `idxflow-mnist8m-${array}_3.log`))).toBe(false);
    expect(readFileSync(join(work, `idxflow-mnist8m-${again}_3.log`), 'utf8')).toMatch(/exported 8000 images \(wds\) .*manifest\.part-00003-of-00004\.json\n$/);

    // The merge ran once, and merged the 4 parts.
    const mergeLogs = filesOf(work).filter((n) => n.startsWith('idxflow-merge-'));
    expect(mergeLogs).toEqual([`idxflow-merge-${merge}.log`]);
    const mergeLog = readFileSync(join(work, mergeLogs[0]), 'utf8');
    expect(mergeLog.match(/^merge job /gm)).toHaveLength(1);
    expect(mergeLog).toMatch(/merged 4 parts into .*manifest\.json: 32000 images, 128 files/);
    finished = { work, out, slurm };
  }, 240_000);

  it('after the merge, a part resubmitted is already complete and the merge run again gives the same bytes', async () => {
    expect(finished, 'the first test ran').toBeDefined();
    const { work, out, slurm } = finished!;
    const before = hashes(out);
    const again = slurm('sbatch', ['--parsable', '--array=0', '--cpus-per-task=1', join(RECIPE, 'slurm-array.sh')]);
    await waitFor(() => slurm('squeue', ['-h']) === '', 60_000, `job ${again} to leave the queue`);
    expect(slurm('scontrol', ['show', 'job', again])).toMatch(/JobState=COMPLETED/);
    expect(readFileSync(join(work, `idxflow-mnist8m-${again}_0.log`), 'utf8')).toMatch(/already complete/);
    expect(hashes(out)).toEqual(before);
    const merged = spawnSync(join(work, 'bin', 'idxflow'), ['merge-manifests', out], { encoding: 'utf8' });
    expect(merged.status, merged.stderr).toBe(0);
    expect(hashes(out)).toEqual(before);
  }, 120_000);

  it('a merge run with a part missing names it and exits non-zero, writing nothing', () => {
    expect(finished, 'the first test ran').toBeDefined();
    const { work, out } = finished!;
    const early = join(work, 'early');
    mkdirSync(early);
    for (const name of filesOf(out)) if (name !== 'manifest.json' && !name.startsWith('manifest.part-00002-')) copyFileSync(join(out, name), join(early, name));
    const merged = spawnSync(join(work, 'bin', 'idxflow'), ['merge-manifests', early], { encoding: 'utf8' });
    expect(merged.status).not.toBe(0);
    expect(merged.stderr).toMatch(/found 1 missing: part 2 not there$/m);
    expect(merged.stderr.trim().split('\n')).toHaveLength(1);
    expect(filesOf(early)).not.toContain('manifest.json');
  });
});
