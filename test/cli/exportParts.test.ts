// An export split across machines: the same export run as 3 parts, each told its index by a
// different scheduler's environment, and as one process. The parts write the very shard files
// of the single export, and their merged manifest is the single export's manifest.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../fixtures/mnist.js';

const SCHEDULER_VARS = ['JOB_COMPLETION_INDEX', 'IDXFLOW_SHARDS', 'SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN', 'SLURM_ARRAY_TASK_MAX', 'SLURM_ARRAY_TASK_STEP', 'RANK', 'WORLD_SIZE'];

/** Runs the CLI with the scheduler variables of `env` only (none inherited from this process). */
function idxflow(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCHEDULER_VARS.includes(k)));
  // No progress lines on a slow machine: the tests read stderr whole.
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...clean, IDXFLOW_PROGRESS_SECONDS: '86400', ...env } });
}

const EXPORT = ['export', '--split', 'test', '--copies', '2', '--shuffle', '--rotate', '10', '--seed', '3', '--format', 'wds', '--shard-size', '2000', '--workers', '1'];
const bytesOf = (dir: string, name: string): Buffer => readFileSync(join(dir, name));

describe('idxflow export in parts (Kubernetes, Slurm and torchrun environments)', () => {
  it('3 parts write the shards of the single export byte for byte, and merge into its manifest', () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-parts-'));
    const single = join(root, 'single');
    const parts = join(root, 'parts');
    const one = idxflow([...EXPORT, '--out', single]);
    expect(one.stderr).toBe('');
    expect(one.status).toBe(0);

    const environments: Record<string, string>[] = [
      { JOB_COMPLETION_INDEX: '0', IDXFLOW_SHARDS: '3' }, // a Kubernetes Indexed Job
      { SLURM_ARRAY_TASK_ID: '2', SLURM_ARRAY_TASK_MIN: '1', SLURM_ARRAY_TASK_MAX: '3', SLURM_ARRAY_TASK_STEP: '1', SLURM_ARRAY_TASK_COUNT: '3' }, // sbatch --array=1-3: the second task
      { RANK: '2', WORLD_SIZE: '3' }, // torchrun
    ];
    environments.forEach((env, index) => {
      const r = idxflow([...EXPORT, '--out', parts], env);
      expect(r.stderr, JSON.stringify(env)).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout).toContain(`manifest.part-0000${index}-of-00003.json`);
    });
    // 20,000 samples in 10 shards of 2,000: parts of 3, 3 and 4 shards.
    const manifests = [0, 1, 2].map((k) => JSON.parse(readFileSync(join(parts, `manifest.part-0000${k}-of-00003.json`), 'utf8')));
    expect(manifests.map((m) => [m.part.first, m.part.count, m.files.length])).toEqual([[0, 6000, 3], [6000, 6000, 3], [12000, 8000, 4]]);

    const shards = readdirSync(single).filter((n) => n.endsWith('.tar')).sort();
    expect(shards).toHaveLength(10);
    expect(readdirSync(parts).filter((n) => n.endsWith('.tar')).sort()).toEqual(shards);
    for (const shard of shards) expect(bytesOf(parts, shard).equals(bytesOf(single, shard)), shard).toBe(true);

    const merged = idxflow(['merge-manifests', parts]);
    expect(merged.stderr).toBe('');
    expect(merged.stdout).toMatch(/^merged 3 parts into .*manifest\.json: 20000 images, 10 files/);
    expect(JSON.parse(bytesOf(parts, 'manifest.json').toString())).toEqual(JSON.parse(bytesOf(single, 'manifest.json').toString()));
    expect(bytesOf(parts, 'manifest.json').equals(bytesOf(single, 'manifest.json'))).toBe(true);
  });

  it('merge-manifests refuses a missing part, and a part made with other flags', () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-parts-'));
    const dir = join(root, 'parts');
    for (const [k, seed] of [[0, '3'], [2, '3']] as const) expect(idxflow([...EXPORT.map((a) => (a === '3' ? seed : a)), '--out', dir, '--shard', `${k}/3`]).status).toBe(0);
    const missing = idxflow(['merge-manifests', dir]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(`idxflow: ManifestError: ${dir}: expected the manifests of all 3 parts (merge once every part has finished), found 1 missing: part 1 not there\n`);
    const other = idxflow([...EXPORT.map((a) => (a === '3' ? '4' : a)), '--out', join(root, 'other'), '--shard', '1/3']);
    expect(other.status).toBe(0);
    const shifted = readFileSync(join(root, 'other', 'manifest.part-00001-of-00003.json'));
    writeFileSync(join(dir, 'manifest.part-00001-of-00003.json'), shifted);
    const mixed = idxflow(['merge-manifests', dir]);
    expect(mixed.status).toBe(1);
    expect(mixed.stderr).toMatch(/expected every part made by the same export as part 0, found part 1 made with other flags/);
    expect(readdirSync(dir)).not.toContain('manifest.json');
  });

  it('more parts than shards: the empty parts merge, into the single export\'s manifest', () => {
    // 300 samples in shards of 100: 3 shards over 4 parts, so one part holds none.
    const small = ['export', '--split', 'test', '--limit', '300', '--seed', '3', '--format', 'wds', '--shard-size', '100', '--workers', '0'];
    const root = mkdtempSync(join(tmpdir(), 'idxflow-parts-'));
    expect(idxflow([...small, '--out', join(root, 'single')]).status).toBe(0);
    for (const k of [0, 1, 2, 3]) expect(idxflow([...small, '--out', join(root, 'parts'), '--shard', `${k}/4`]).status).toBe(0);
    const counts = [0, 1, 2, 3].map((k) => JSON.parse(readFileSync(join(root, 'parts', `manifest.part-0000${k}-of-00004.json`), 'utf8')).count);
    expect(counts.filter((n) => n === 0)).toHaveLength(1);
    const merged = idxflow(['merge-manifests', join(root, 'parts')]);
    expect(merged.stderr).toBe('');
    expect(merged.status).toBe(0);
    expect(bytesOf(join(root, 'parts'), 'manifest.json').equals(bytesOf(join(root, 'single'), 'manifest.json'))).toBe(true);
    // Again: the same manifest.json is there, so nothing to do (exit 0, the same bytes).
    const before = bytesOf(join(root, 'parts'), 'manifest.json');
    const again = idxflow(['merge-manifests', join(root, 'parts')]);
    expect([again.status, again.stderr]).toEqual([0, '']);
    expect(again.stdout).toBe(`${join(root, 'parts', 'manifest.json')}: already merged (300 images, 3 files verified): nothing to do\n`);
    expect(bytesOf(join(root, 'parts'), 'manifest.json').equals(before)).toBe(true);
    // A different manifest.json: refused (exit 2, nothing written) unless --force.
    writeFileSync(join(root, 'parts', 'manifest.json'), '{"other": true}\n');
    const other = idxflow(['merge-manifests', join(root, 'parts')]);
    expect([other.status, other.stderr]).toEqual([2, `idxflow: ExportRefusedError: ${join(root, 'parts', 'manifest.json')}: expected no manifest.json yet, or the one this merge writes (force replaces another), found a different one (16 bytes)\n`]);
    expect(idxflow(['merge-manifests', join(root, 'parts'), '--force']).status).toBe(0);
    expect(bytesOf(join(root, 'parts'), 'manifest.json').equals(before)).toBe(true);
  });

  it('merge-manifests refuses a part that lists a file outside its folder', () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-parts-'));
    const dir = join(root, 'parts');
    for (const k of [0, 1, 2]) expect(idxflow([...EXPORT, '--out', dir, '--shard', `${k}/3`]).status).toBe(0);
    writeFileSync(join(root, 'victim.txt'), 'victim\n');
    const path = join(dir, 'manifest.part-00001-of-00003.json');
    const forged = JSON.parse(readFileSync(path, 'utf8'));
    forged.files.push({ name: '../victim.txt', bytes: 7, sha256: '0'.repeat(64) });
    writeFileSync(path, JSON.stringify(forged));
    const r = idxflow(['merge-manifests', dir]);
    expect([r.status, r.stderr]).toEqual([1, `idxflow: ManifestError: ${path}: expected file names inside the export's folder (relative, no '..'), found "../victim.txt"\n`]);
    expect(readdirSync(dir)).not.toContain('manifest.json');
  });

  it('refuses a part index out of range, a count missing for Kubernetes, and --shards without an index, with exit 2', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'idxflow-parts-')), 'x');
    const cases: [string[], Record<string, string>, string][] = [
      [['--shard', '3/3'], {}, 'Expected a part index below the count (3) from --shard but received 3'],
      [['--shard', '1/0'], {}, 'Expected I/N with 0 <= I < N for --shard but received "1/0"'],
      [[], { JOB_COMPLETION_INDEX: '1' }, 'Expected --shards N or IDXFLOW_SHARDS with JOB_COMPLETION_INDEX'],
      [[], { RANK: '4', WORLD_SIZE: '4' }, 'Expected a part index below the count (4) from RANK/WORLD_SIZE but received 4'],
      [['--shards', '3'], {}, 'Expected a part index beside --shards=3 (JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID or RANK), found none: give the part with --shard I/N'],
    ];
    for (const [args, env, message] of cases) {
      const r = idxflow([...EXPORT, '--out', out, ...args], env);
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`idxflow: ${message}${message.endsWith('JOB_COMPLETION_INDEX') ? ' (a Kubernetes Indexed Job gives the index, not the count)' : ''}\n`);
    }
  });
});
