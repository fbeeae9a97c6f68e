// Parts of one export on one shared folder, as schedulers run them: together, at staggered
// times, killed and restarted, twice at once, again after the merge. Every part completes, no
// run removes another's files, and the merged folder is the single process's, byte for byte.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../fixtures/mnist.js';

const SCHEDULER_VARS = ['JOB_COMPLETION_INDEX', 'IDXFLOW_SHARDS', 'SLURM_ARRAY_TASK_ID', 'SLURM_ARRAY_TASK_COUNT', 'SLURM_ARRAY_TASK_MIN', 'RANK', 'WORLD_SIZE'];
const ENV = Object.fromEntries(Object.entries(process.env).filter(([k]) => !SCHEDULER_VARS.includes(k)));

/** 1,000 augmented samples in 20 shards of 50: 4 parts of 5 shards. */
const EXPORT = ['export', '--split', 'test', '--limit', '1000', '--shuffle', '--rotate', '10', '--seed', '5', '--format', 'wds', '--shard-size', '50', '--workers', '0'];
const PART_MANIFESTS = [0, 1, 2, 3].map((k) => `manifest.part-0000${k}-of-00004.json`);

const idxflow = (args: string[], env: Record<string, string> = {}) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...ENV, ...env } });
const start = (args: string[]): ChildProcess => spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: ENV });
const ended = (child: ChildProcess): Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> =>
  new Promise((resolve) => {
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d));
    child.stderr!.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-shared-'));

/** SHA-256 of every file a reader sees (hidden ones aside), by name. */
function hashes(dir: string, hidden = false): Record<string, string> {
  const names = readdirSync(dir).filter((n) => hidden || !n.startsWith('.')).sort();
  return Object.fromEntries(names.map((n) => [n, createHash('sha256').update(readFileSync(join(dir, n))).digest('hex')]));
}

/** The single process's export, the reference every shared folder must equal. */
function reference(): Record<string, string> {
  const dir = join(tmp(), 'single');
  const r = idxflow([...EXPORT, '--out', dir]);
  expect([r.status, r.stderr]).toEqual([0, '']);
  return hashes(dir);
}

/** The files of a merged 4-part folder: the single export's, plus the part manifests. */
function withoutParts(files: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).filter(([n]) => !PART_MANIFESTS.includes(n)));
}

describe('parts of one export in one folder', () => {
  const single = reference();

  it("a part starting beside another part's temporaries leaves them alone (they were removed, and that part died)", () => {
    const dir = tmp();
    const theirs = ['..manifest.part-00000-of-00004.json.journal.0123456789ab.partial', '.manifest.part-00000-of-00004.json.0123456789ab.partial', '.shard-000000.tar.0123456789ab.partial'];
    for (const name of theirs) writeFileSync(join(dir, name), '');
    // This part's own leftover temporaries (a killed run of part 1) do go.
    const mine = ['.shard-000005.tar.00000000000a.partial', '..manifest.part-00001-of-00004.json.journal.00000000000b.partial'];
    for (const name of mine) writeFileSync(join(dir, name), '');
    const r = idxflow([...EXPORT, '--out', dir, '--shard', '1/4']);
    expect([r.status, r.stderr]).toEqual([0, '']);
    const left = readdirSync(dir);
    for (const name of theirs) expect(left, name).toContain(name);
    for (const name of mine) expect(left, name).not.toContain(name);
    expect(left.filter((n) => n.endsWith('.tar')).sort()).toEqual([5, 6, 7, 8, 9].map((k) => `shard-00000${k}.tar`));
  });

  it('20 runs of 4 parts at random offsets, one killed and restarted in each: every part completes, the merge equals one process', { timeout: 900_000 }, async () => {
    let killed = 0;
    for (let run = 0; run < 20; run++) {
      const dir = tmp();
      const victim = run % 4;
      const children = [0, 1, 2, 3].map(async (k) => {
        await sleep(Math.random() * 400);
        const first = start([...EXPORT, '--out', dir, '--shard', `${k}/4`]);
        const firstEnded = ended(first); // listening from the start: a part may end before its kill
        if (k !== victim) return firstEnded;
        await sleep(100 + Math.random() * 700);
        first.kill('SIGKILL');
        const gone = await firstEnded;
        if (gone.signal === 'SIGKILL') killed++;
        else expect([gone.status, gone.stderr], `run ${run}, part ${k} before its kill`).toEqual([0, '']);
        return ended(start([...EXPORT, '--out', dir, '--shard', `${k}/4`]));
      });
      for (const [k, r] of (await Promise.all(children)).entries()) expect([r.status, r.stderr], `run ${run}, part ${k}`).toEqual([0, '']);
      const merged = idxflow(['merge-manifests', dir]);
      expect([merged.status, merged.stderr], `run ${run}`).toEqual([0, '']);
      expect(withoutParts(hashes(dir)), `run ${run}`).toEqual(single);
      // Nothing hidden left: no temporary, journal or lock.
      expect(Object.keys(hashes(dir, true)).filter((n) => n.startsWith('.')), `run ${run}`).toEqual([]);
    }
    expect(killed).toBeGreaterThanOrEqual(5); // most kills land mid-run (a fast part may finish first)
    console.log(`exportShared: ${killed} of 20 victims killed mid-run`);
  });

  it('two identical exports into one folder at once, 20 times: one writes it, the other waits its turn or is refused, and the export is whole', { timeout: 600_000 }, async () => {
    const outcomes = new Map<string, number>();
    for (let run = 0; run < 20; run++) {
      const dir = join(tmp(), 'out'); // made by whichever starts first
      const both = await Promise.all([0, 1].map(() => ended(start([...EXPORT, '--out', dir]))));
      for (const r of both) {
        const kind = r.status === 0 ? (r.stdout.includes('already complete') ? 'already complete' : 'exported') : r.stderr.includes('ExportBusyError') ? 'busy' : `failed: ${r.stderr}`;
        outcomes.set(kind, (outcomes.get(kind) ?? 0) + 1);
        if (r.status !== 0) expect(r.stderr, `run ${run}`).toMatch(/^idxflow: ExportBusyError: .*\.manifest\.json\.lock: expected no other run writing this export \(or this part of it\) into the folder, found one running \(pid \d+ on .+, heartbeat \d+ s ago\): wait for it to end, or stop it\n$/);
      }
      expect(both.filter((r) => r.status === 0 && !r.stdout.includes('already complete')), `run ${run}`).toHaveLength(1);
      expect(hashes(dir), `run ${run}`).toEqual(single);
      expect(Object.keys(hashes(dir, true)).filter((n) => n.startsWith('.')), `run ${run}`).toEqual([]);
    }
    expect([...outcomes.keys()].filter((k) => k.startsWith('failed'))).toEqual([]);
    expect(outcomes.get('exported')).toBe(20);
  });

  it('a lock of a live process is refused; one of a process gone, or of another host gone quiet, is taken over', async () => {
    const dir = tmp();
    const lock = join(dir, '.manifest.part-00002-of-00004.json.lock');
    // This test's own process: alive, on this host (its start time unread: '' means "not checked").
    writeFileSync(lock, JSON.stringify({ host: hostname(), pid: process.pid, started: '', token: 'x' }));
    const busy = idxflow([...EXPORT, '--out', dir, '--shard', '2/4']);
    expect(busy.status).toBe(2);
    expect(busy.stderr).toMatch(new RegExp(`^idxflow: ExportBusyError: ${lock}: expected no other run writing this export \\(or this part of it\\) into the folder, found one running \\(pid ${process.pid} on ${hostname()}, heartbeat \\d+ s ago\\): wait for it to end, or stop it\\n$`));
    expect(readdirSync(dir)).toEqual(['.manifest.part-00002-of-00004.json.lock']); // nothing touched
    // The whole export (or parts of another count) beside a live part of 4: refused too.
    const whole = idxflow([...EXPORT, '--out', dir]);
    expect([whole.status, whole.stderr]).toEqual([2, `idxflow: ExportBusyError: ${lock}: expected no run of another partition of this export, or of another export, writing into the folder, found one running (its lock is held): wait for it to end, or choose another folder\n`]);
    expect(readdirSync(dir)).toEqual(['.manifest.part-00002-of-00004.json.lock']);
    // A pid that no process has (above the kernel's pid_max of 2^22).
    writeFileSync(lock, JSON.stringify({ host: hostname(), pid: 2 ** 22 + 1, started: '1', token: 'y' }));
    expect(idxflow([...EXPORT, '--out', dir, '--shard', '2/4']).status).toBe(0);
    expect(existsSync(lock)).toBe(false);
    // Another host's lock, its heartbeat kept fresh here until the run says it waits: then it
    // goes quiet, and the run takes it over once it is older than the stale time (2 s here).
    const other = join(tmp(), 'other');
    expect(idxflow(['export', '--split', 'test', '--limit', '10', '--format', 'npy', '--out', other, '--shard', '0/2']).status).toBe(0);
    const foreign = join(other, '.manifest.part-00001-of-00002.json.lock');
    writeFileSync(foreign, JSON.stringify({ host: 'elsewhere', pid: 1, started: '', token: 'z' }));
    const child = spawn(process.execPath, [CLI, 'export', '--split', 'test', '--limit', '10', '--format', 'npy', '--out', other, '--shard', '1/2'], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...ENV, IDXFLOW_LOCK_STALE_SECONDS: '2' } });
    const heartbeat = setInterval(() => existsSync(foreign) && utimesSync(foreign, new Date(), new Date()), 100);
    child.stderr!.once('data', () => clearInterval(heartbeat));
    const waited = await ended(child);
    clearInterval(heartbeat);
    expect(waited.status).toBe(0);
    expect(waited.stderr).toMatch(new RegExp(`^idxflow: waiting for the run that holds this part of ${other} \\(pid 1 on elsewhere, heartbeat \\d+ s ago\\): it may be alive on another host\\n$`));
    expect(readdirSync(other).filter((n) => n.endsWith('.lock'))).toEqual([]);
  });

  it('reruns after the merge say "already complete" and write nothing; so does the merge', () => {
    const dir = tmp();
    for (const k of [0, 1, 2, 3]) expect(idxflow([...EXPORT, '--out', dir, '--shard', `${k}/4`]).status).toBe(0);
    expect(idxflow(['merge-manifests', dir]).status).toBe(0);
    const before = hashes(dir, true);
    const part = idxflow([...EXPORT, '--out', dir, '--shard', '3/4']);
    expect([part.status, part.stderr]).toEqual([0, '']);
    expect(part.stdout).toBe(`manifest.part-00003-of-00004.json in ${dir}: already complete (250 images, 5 files verified): nothing to do\n`);
    const whole = idxflow([...EXPORT, '--out', dir]);
    expect([whole.status, whole.stderr]).toEqual([0, '']);
    expect(whole.stdout).toBe(`manifest.json in ${dir}: already complete (1000 images, 20 files verified): nothing to do\n`);
    // Slurm resubmitting index 2 alone, with the part count given: part 2, complete.
    const slurm = idxflow([...EXPORT, '--out', dir, '--shard', '2/4']);
    expect([slurm.status, slurm.stderr]).toEqual([0, '']);
    const again = idxflow(['merge-manifests', dir]);
    expect([again.status, again.stdout]).toEqual([0, `${join(dir, 'manifest.json')}: already merged (1000 images, 20 files verified): nothing to do\n`]);
    expect(hashes(dir, true)).toEqual(before);
  });
});

describe('merge-manifests trusts nothing it reads', () => {
  /** A complete 4-part export, not merged. */
  function parts(): string {
    const dir = tmp();
    for (const k of [0, 1, 2, 3]) expect(idxflow([...EXPORT, '--out', dir, '--shard', `${k}/4`]).status).toBe(0);
    return dir;
  }
  const refused = (dir: string, message: string): void => {
    const r = idxflow(['merge-manifests', dir]);
    expect([r.status, r.stderr]).toEqual([1, `idxflow: ManifestError: ${message}\n`]);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
  };
  const edit = (dir: string, k: number, change: (m: { count: number; files: { name: string; bytes: number; sha256: string }[]; part: { count: number } }) => void): void => {
    const path = join(dir, PART_MANIFESTS[k]);
    const manifest = JSON.parse(readFileSync(path, 'utf8'));
    change(manifest);
    writeFileSync(path, JSON.stringify(manifest));
  };

  it('a shard with one byte flipped, or zero-filled at its size', () => {
    const dir = parts();
    const shard = join(dir, 'shard-000007.tar');
    const bytes = readFileSync(shard);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const flipped = Buffer.from(bytes);
    flipped[1000] ^= 1;
    writeFileSync(shard, flipped);
    const flippedSha = createHash('sha256').update(flipped).digest('hex');
    refused(dir, `${shard}: expected SHA-256 ${sha}, as its part manifest lists, found ${flippedSha} (the file changed since its part wrote it)`);
    const zeros = Buffer.alloc(bytes.length);
    writeFileSync(shard, zeros);
    refused(dir, `${shard}: expected SHA-256 ${sha}, as its part manifest lists, found ${createHash('sha256').update(zeros).digest('hex')} (the file changed since its part wrote it)`);
    writeFileSync(shard, bytes.subarray(0, 512));
    refused(dir, `${shard}: expected a file of ${bytes.length} bytes, as its part manifest lists, found 512 bytes`);
  });

  it('a part listing a file 40,000 times, a count edited, a stretch edited', () => {
    const dir = parts();
    edit(dir, 1, (m) => (m.files = Array.from({ length: 40000 }, () => m.files[0])));
    refused(dir, `${dir}: expected every file listed once, found shard-000005.tar listed twice (part 1)`);
    const counted = parts();
    edit(counted, 2, (m) => (m.count = 249));
    refused(counted, `${counted}: expected part 2 to count the 250 samples of its stretch, found count 249`);
    const stretched = parts();
    edit(stretched, 2, (m) => {
      m.count = 200;
      m.part.count = 200;
    });
    refused(stretched, `${stretched}: expected part 2 of 4 to hold samples 500 to 750 of 1000, found 500 to 700`);
    const moved = parts();
    edit(moved, 3, (m) => m.files.push({ ...m.files[0], name: 'shard-000001.tar' }));
    refused(moved, `${moved}: expected every file listed once, found shard-000001.tar listed twice (part 3)`);
  });

  it('called early: names every missing part, and what its folder shows of it', async () => {
    const dir = tmp();
    expect(idxflow([...EXPORT, '--out', dir, '--shard', '0/4']).status).toBe(0);
    // Part 2 killed midway (its journal stays); part 3 never started; part 1 running.
    const killedPart = start([...EXPORT, '--out', dir, '--shard', '2/4']);
    const killedEnded = ended(killedPart); // listening from the start, as it may end by itself
    for (let i = 0; i < 200 && !existsSync(join(dir, '.manifest.part-00002-of-00004.json.journal')); i++) await sleep(25);
    killedPart.kill('SIGKILL');
    await killedEnded;
    const running = start([...EXPORT, '--rotate', '0', '--out', join(tmp(), 'x')]); // any live process of this host
    writeFileSync(join(dir, '.manifest.part-00001-of-00004.json.lock'), JSON.stringify({ host: hostname(), pid: running.pid, started: '', token: 'r' }));
    const early = idxflow(['merge-manifests', dir]);
    running.kill('SIGKILL');
    expect([early.status, early.stderr]).toEqual([1, `idxflow: ManifestError: ${dir}: expected the manifests of all 4 parts (merge once every part has finished), found 3 missing: part 1 running (its lock is held); part 2 interrupted or running (its journal is there); part 3 not there\n`]);
    expect(existsSync(join(dir, 'manifest.json'))).toBe(false);
  });
});
