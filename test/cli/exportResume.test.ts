// An export killed with SIGKILL at 10 random moments, each time rerun with the same flags: the
// rerun keeps exactly the shards the killed run had journaled (and that still hash right),
// redoes only the rest, and ends with the files of an uninterrupted run.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Manifest } from '@idxflow/sinks';
import { lcgBytes } from '../fixtures/blocks.js';
import { CLI } from '../fixtures/mnist.js';

const SHARD = 1000;
const TOTAL = 20000;
const args = (out: string): string[] => [CLI, 'export', '--split', 'test', '--copies', '2', '--shuffle', '--rotate', '10', '--seed', '8', '--format', 'wds', '--shard-size', String(SHARD), '--workers', '1', '--out', out];
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
const shardsIn = (dir: string): string[] => readdirSync(dir).filter((n) => /^shard-\d{6}\.tar$/.test(n)).sort();

describe('idxflow export resumes after SIGKILL', () => {
  it('at 10 random moments: each rerun keeps the journaled shards, redoes the rest, and ends identical', async () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-resume-'));
    const reference = join(root, 'reference');
    expect(spawnSync(process.execPath, args(reference), { encoding: 'utf8' }).status).toBe(0);
    const expected = new Map(shardsIn(reference).map((n) => [n, sha(join(reference, n))]));
    expect(expected.size).toBe(TOTAL / SHARD);

    // A moment: once a random number of shards (0 to 19) is on disk, plus a random 0-40 ms, so
    // that the kills fall at every stage of the run whatever the speed of the machine.
    const random = lcgBytes(20, 77);
    const moments = Array.from({ length: 10 }, (_, k) => ({ shards: random[2 * k] % 20, ms: random[2 * k + 1] % 41 }));
    const seen = { killedMidway: 0, keptSome: 0 };
    for (const [k, moment] of moments.entries()) {
      const out = join(root, `run-${k}`);
      const child = spawn(process.execPath, args(out), { stdio: 'ignore' });
      let running = true;
      const exited = new Promise((resolve) => child.once('exit', () => resolve((running = false))));
      while (running && !(existsSync(out) && shardsIn(out).length >= moment.shards)) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, moment.ms));
      child.kill('SIGKILL');
      await exited;
      if (existsSync(join(out, 'manifest.json'))) continue; // it finished first: nothing to resume
      seen.killedMidway++;
      // What the killed run proved complete: the shards its journal lists that hash as listed.
      const journalPath = join(out, '.manifest.json.journal');
      const journal = existsSync(journalPath) ? (JSON.parse(readFileSync(journalPath, 'utf8')) as Pick<Manifest, 'files' | 'shape' | 'dtype'>) : { files: [] };
      const proven = journal.files.filter((f) => existsSync(join(out, f.name)) && sha(join(out, f.name)) === f.sha256);
      for (const f of proven) expect(f.sha256, f.name).toBe(expected.get(f.name)); // and they are the right shards
      // A journal that lists a shard knows the images' shape: a rerun with every shard kept reads no image to learn it.
      if (journal.files.length > 0) expect(journal).toMatchObject({ shape: [28, 28], dtype: 'uint8' });

      const rerun = spawnSync(process.execPath, args(out), { encoding: 'utf8', env: { ...process.env, IDXFLOW_PROGRESS_SECONDS: '86400' } });
      expect(rerun.stderr).toBe('');
      expect(rerun.status).toBe(0);
      const made = Number(/^exported (\d+) images/.exec(rerun.stdout)![1]);
      expect(made, `kill ${k} after ${moment.shards} shards and ${moment.ms} ms`).toBe(TOTAL - proven.length * SHARD);
      if (proven.length > 0) {
        seen.keptSome++;
        expect(rerun.stdout).toContain(`kept ${proven.length} complete files (${proven.length * SHARD} images) of an interrupted run`);
      }
      expect(shardsIn(out)).toEqual([...expected.keys()]);
      for (const [name, hash] of expected) expect(sha(join(out, name)), name).toBe(hash);
      expect(readdirSync(out).filter((n) => n.startsWith('.'))).toEqual([]); // no journal, no temporary
      expect(readFileSync(join(out, 'manifest.json')).equals(readFileSync(join(reference, 'manifest.json')))).toBe(true);
    }
    // The moments did what they are for: most runs were cut, and some had shards to keep.
    expect(seen.killedMidway).toBeGreaterThanOrEqual(5);
    expect(seen.keptSome).toBeGreaterThanOrEqual(2);
  });

  it("with 2,000 shards of one image: the journal's writes add at most the shards' own bytes (plus its last), and a kill with shards not yet journaled reruns to the same files", async () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-resume-small-'));
    const small = (out: string): string[] => [CLI, 'export', '--split', 'test', '--limit', '2000', '--rotate', '10', '--seed', '8', '--format', 'wds', '--shard-size', '1', '--workers', '0', '--out', out];
    // A preloaded script sees each journal renamed into place, and notes its size.
    const preload = join(root, 'journals.cjs');
    writeFileSync(
      preload,
      `const fsp = require('node:fs/promises'); const fs = require('node:fs'); const rename = fsp.rename; const sizes = [];
       fsp.rename = async (from, to) => { if (String(to).endsWith('.journal')) sizes.push(fs.statSync(from).size); return rename(from, to); };
       process.on('exit', () => fs.writeFileSync(process.env.JOURNALS, JSON.stringify(sizes)));`,
    );
    const reference = join(root, 'reference');
    const journals = join(root, 'journals.json');
    const r = spawnSync(process.execPath, ['--require', preload, ...small(reference)], { encoding: 'utf8', env: { ...process.env, JOURNALS: journals } });
    expect([r.status, r.stderr]).toEqual([0, '']);
    const sizes = JSON.parse(readFileSync(journals, 'utf8')) as number[];
    const shards = shardsIn(reference);
    expect(shards).toHaveLength(2000);
    const shardBytes = shards.reduce((n, name) => n + readFileSync(join(reference, name)).length, 0);
    // Each journal after the first is written once the files completed since hold as many bytes
    // as the one before it: their sum is at most the shards' bytes plus the last journal. One
    // journal per shard, as before, wrote 2,000 journals of up to 2,000 entries (some 300 MB).
    expect(sizes.length).toBeGreaterThan(1);
    expect(sizes.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(shardBytes + sizes.at(-1)!);
    expect(sizes.length).toBeLessThan(shards.length / 4);

    const expected = Object.fromEntries([...shards, 'manifest.json'].map((n) => [n, sha(join(reference, n))]));
    const out = join(root, 'killed');
    const child = spawn(process.execPath, small(out), { stdio: 'ignore' });
    let running = true;
    const exited = new Promise((resolve) => child.once('exit', () => resolve((running = false))));
    while (running && !(existsSync(out) && shardsIn(out).length >= 700)) await new Promise((resolve) => setTimeout(resolve, 5));
    child.kill('SIGKILL');
    await exited;
    const rerun = spawnSync(process.execPath, small(out), { encoding: 'utf8', env: { ...process.env, IDXFLOW_PROGRESS_SECONDS: '86400' } });
    expect([rerun.status, rerun.stderr]).toEqual([0, '']);
    expect(Object.fromEntries(readdirSync(out).sort().map((n) => [n, sha(join(out, n))]))).toEqual(expected); // nothing hidden left either
  });

  it('killed after its last shard but before its manifest: the rerun writes no sample and the manifest it would have written', () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-resume-'));
    const out = join(root, 'out');
    expect(spawnSync(process.execPath, args(out), { encoding: 'utf8' }).status).toBe(0);
    const manifest = readFileSync(join(out, 'manifest.json'));
    // What a kill between the last journal write and the manifest leaves: every shard, the journal.
    writeFileSync(join(out, '.manifest.json.journal'), JSON.stringify({ ...JSON.parse(manifest.toString()), complete: false }));
    rmSync(join(out, 'manifest.json'));
    const rerun = spawnSync(process.execPath, args(out), { encoding: 'utf8', env: { ...process.env, IDXFLOW_PROGRESS_SECONDS: '86400' } });
    expect(rerun.status).toBe(0);
    expect(rerun.stdout).toMatch(/^exported 0 images \(wds\) .*kept 20 complete files \(20000 images\) of an interrupted run/);
    expect(readFileSync(join(out, 'manifest.json')).equals(manifest)).toBe(true);
  });
});
