// idxflow export --mixup / --cutmix / --mix-batch: the flags' bounds and rules, what a mixed
// sample is (checked with numpy against the raw MNIST files), and exports of soft labels that are
// the same bytes whatever interrupts or splits them: killed with SIGKILL and rerun (npy, npz,
// wds), and written in parts then merged (npy). And idxflow serve --mixup / --cutmix, whose
// batches mix within themselves.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fromServer, type Block } from '@idxflow/core';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { CLI, raw } from '../fixtures/mnist.js';
import { startServer } from '../fixtures/server.js';
import { python } from '../fixtures/python.js';

const ENV = { ...process.env, IDXFLOW_PROGRESS_SECONDS: '86400' };
const idxflow = (args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: ENV });
const root = mkdtempSync(join(tmpdir(), 'idxflow-mix-'));
const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
/** Every file of a folder (hidden ones too) and its SHA-256. */
const contents = (dir: string): Record<string, string> => Object.fromEntries(readdirSync(dir).sort().map((n) => [n, sha(join(dir, n))]));

describe('the mixing flags', () => {
  it.each([
    [['--mixup', '0', '--format', 'npy'], 'idxflow: Expected ALPHA from 0.001 to 1000 for --mixup but received "0"'],
    [['--cutmix', '1001', '--format', 'npy'], 'idxflow: Expected ALPHA from 0.001 to 1000 for --cutmix but received "1001"'],
    [['--mixup', 'x', '--format', 'npy'], 'idxflow: Expected a decimal number for --mixup but received "x"'],
    [['--mixup', '1', '--mix-batch', '1', '--format', 'npy'], 'idxflow: Expected an integer from 2 to 65536 for --mix-batch but received "1"'],
    [['--mix-batch', '64', '--format', 'npy'], 'idxflow: Expected --mix-batch only with --mixup or --cutmix but received neither'],
    [['--mixup', '1'], 'idxflow: Expected --format npy, npz, wds or hf with --mixup (its soft labels: idx holds one class per sample) but received --format idx'],
    [['--cutmix', '1', '--format', 'png'], 'idxflow: Expected --format npy, npz, wds or hf with --cutmix (its soft labels: png holds one class per sample) but received --format png'],
    [['--cutmix', '1', '--format', 'idx.gz'], 'idxflow: Expected --format npy, npz, wds or hf with --cutmix (its soft labels: idx.gz holds one class per sample) but received --format idx.gz'],
  ])('refuses %j before reading anything', (flags, message) => {
    const out = join(root, 'refused');
    const r = idxflow(['export', '--split', 'test', ...flags, '--out', out]);
    expect(r.stderr.trim()).toBe(message);
    expect(r.status).toBe(2);
    expect(existsSync(out)).toBe(false);
  });

  it('--help lists them with their bounds and the formats that keep soft labels', () => {
    const help = idxflow(['help', 'export']).stdout;
    expect(help).toContain('--mixup ALPHA');
    expect(help).toContain('--cutmix ALPHA');
    expect(help).toMatch(/--mix-batch N +samples that mix together/);
    expect(help.replace(/\s+/g, ' ')).toContain('which only npy, npz, wds or hf store');
  });
});

describe('a mixed export', () => {
  it('mixes each sample with one of its group of --mix-batch positions, by one weight per group, labels and pixels alike (numpy, from the raw files)', () => {
    const out = join(root, 'semantics');
    const r = idxflow(['export', '--split', 'test', '--limit', '1000', '--mixup', '0.5', '--mix-batch', '100', '--seed', '5', '--format', 'npy', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    // The raw MNIST test set's first 1000 samples, without any augmentation, in export order.
    const script = `
import numpy as np, json, sys
out, images, labels = sys.argv[1:4]
raw = np.frombuffer(open(images, 'rb').read()[16:], np.uint8).reshape(-1, 28, 28)[:1000].astype(np.float64)
lab = np.frombuffer(open(labels, 'rb').read()[8:], np.uint8)[:1000]
x = np.load(out + '/test-images.npy').astype(np.float64)
y = np.load(out + '/test-labels.npy')
s = np.load(out + '/test-soft-labels.npy').astype(np.float64)
worst_pixel, worst_soft, weights, mixed_groups = 0.0, 0.0, [], 0
for g in range(10):
    lo = g * 100
    # The group's weight: a sample's own class gets lambda, plus 1 - lambda when its partner shares it.
    own = s[lo:lo + 100][np.arange(100), lab[lo:lo + 100]]
    lam = own.min()
    weights.append(float(lam))
    for i in range(lo, lo + 100):
        # Its partner: a sample of its group whose blend gives the exported pixels (to one step of
        # rounding) and whose label, blended with its own, gives its soft label. With a weight
        # near 1 several blends give the same pixels: the one whose label fits counts.
        blends = np.floor(lam * raw[i] + (1 - lam) * raw[lo:lo + 100] + 0.5)
        err = np.abs(blends - x[i]).reshape(100, -1).max(1)
        worst_pixel = max(worst_pixel, float(err.min()))
        soft_err = []
        for j in lo + np.flatnonzero(err <= 1):
            expected = np.zeros(10); expected[lab[i]] += lam; expected[lab[j]] += 1 - lam
            soft_err.append(float(np.abs(expected - s[i]).max()))
        worst_soft = max(worst_soft, min(soft_err, default=1.0))
    mixed_groups += int(0.01 < lam < 0.99)
print(json.dumps({'labels': bool((y == lab).all()), 'pixel': worst_pixel, 'soft': worst_soft, 'mixed': mixed_groups, 'weights': weights}))`;
    const read = python(script, out, raw('t10k-images-idx3-ubyte'), raw('t10k-labels-idx1-ubyte')) as { labels: boolean; pixel: number; soft: number; mixed: number; weights: number[] };
    expect(read.labels).toBe(true); // labels keep each sample's own class
    expect(read.pixel).toBeLessThanOrEqual(1); // float32 weights against float64: at most one step of rounding
    expect(read.soft).toBeLessThan(1e-6);
    expect(read.mixed).toBeGreaterThanOrEqual(8); // Beta(0.5, 0.5) rarely falls within 0.01 of 0 or 1
    expect(new Set(read.weights).size).toBe(10); // one weight per group, each group its own
  });

  it('with --normalize and --split all (Keras mnist.npz): float32 samples blended after normalising, only the training split mixed (numpy, from the raw files)', () => {
    const out = join(root, 'keras');
    const r = idxflow(['export', '--split', 'all', '--limit', '600', '--normalize', '0.1307:0.3081', '--mixup', '0.5', '--mix-batch', '200', '--seed', '6', '--format', 'npz', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    const script = `
import numpy as np, json, sys
out, train_images, train_labels, test_images = sys.argv[1:5]
def norm(path):
    raw = np.frombuffer(open(path, 'rb').read()[16:], np.uint8).reshape(-1, 28, 28)[:600]
    return ((raw.astype(np.float32) / np.float32(255) - np.float32(0.1307)) / np.float32(0.3081)).astype(np.float64)
f = np.load(out + '/mnist.npz')
a, lab = norm(train_images), np.frombuffer(open(train_labels, 'rb').read()[8:], np.uint8)[:600]
x, s = f['x_train'].astype(np.float64), f['soft_labels_train'].astype(np.float64)
worst = 0.0
for g in range(3):
    lo = g * 200
    lam = s[lo:lo + 200][np.arange(200), lab[lo:lo + 200]].min()
    for i in range(lo, lo + 200):
        err = np.abs(lam * a[i] + (1 - lam) * a[lo:lo + 200] - x[i]).reshape(200, -1).max(1)
        worst = max(worst, float(err.min()))
test_error = float(np.abs(f['x_test'].astype(np.float64) - norm(test_images)).max())
print(json.dumps({'files': sorted(f.files), 'dtype': str(f['x_train'].dtype), 'worst': worst, 'test': test_error}))`;
    const read = python(script, out, raw('train-images-idx3-ubyte'), raw('train-labels-idx1-ubyte'), raw('t10k-images-idx3-ubyte')) as { files: string[]; dtype: string; worst: number; test: number };
    expect(read.files).toEqual(['soft_labels_train', 'x_test', 'x_train', 'y_test', 'y_train']);
    expect(read.dtype).toBe('float32');
    expect(read.worst).toBeLessThan(1e-4); // float32 arithmetic against float64
    expect(read.test).toBeLessThan(1e-6); // the test split as it is, normalised
  });

  it('written in two parts (--shard I/2) and merged: the bytes of one run, soft labels included (npy)', () => {
    const flags = (out: string, extra: string[] = []) => ['export', '--split', 'test', '--limit', '3000', '--shuffle', '--rotate', '10', '--mixup', '0.4', '--cutmix', '1', '--seed', '9', '--format', 'npy', ...extra, '--out', out];
    const single = join(root, 'parts-single');
    const parts = join(root, 'parts');
    expect(idxflow(flags(single)).status).toBe(0);
    for (const k of [0, 1]) expect(idxflow(flags(parts, ['--shard', `${k}/2`])).status).toBe(0);
    expect(idxflow(['merge-manifests', parts]).status).toBe(0);
    expect(Object.keys(contents(single))).toEqual(['manifest.json', 'test-images.npy', 'test-labels.npy', 'test-soft-labels.npy']);
    expect(contents(parts)).toEqual(contents(single));
  });
});

/**
 * An export of 20,000 mixed samples (the test set twice, shuffled, rotated), killed with SIGKILL
 * once `ready(out)` holds plus `ms`, then rerun with the same flags: the folder is accepted, and
 * ends with the bytes of an uninterrupted run.
 */
async function killAndResume(format: 'npy' | 'npz' | 'wds', ready: (out: string) => boolean, ms: number): Promise<{ rerun: string }> {
  const args = (out: string): string[] => [CLI, 'export', '--split', 'test', '--copies', '2', '--shuffle', '--rotate', '10', '--mixup', '0.4', '--seed', '8', '--format', format, ...(format === 'wds' ? ['--shard-size', '1000', '--workers', '1'] : []), '--out', out];
  const reference = join(root, `${format}-reference`);
  expect(spawnSync(process.execPath, args(reference), { encoding: 'utf8' }).status).toBe(0);
  const out = join(root, `${format}-killed`);
  const child = spawn(process.execPath, args(out), { stdio: 'ignore' });
  let running = true;
  const exited = new Promise((resolve) => child.once('exit', () => resolve((running = false))));
  while (running && !(existsSync(out) && ready(out))) await new Promise((resolve) => setTimeout(resolve, 5));
  await new Promise((resolve) => setTimeout(resolve, ms));
  child.kill('SIGKILL');
  await exited;
  expect(existsSync(join(out, 'manifest.json')), 'killed before its end').toBe(false);
  const rerun = spawnSync(process.execPath, args(out), { encoding: 'utf8', env: ENV });
  expect(rerun.stderr).toBe('');
  expect(rerun.status).toBe(0);
  expect(contents(out)).toEqual(contents(reference)); // no journal, no temporary: the same files, the same bytes
  return { rerun: rerun.stdout };
}

const partial = (name: string) => (out: string): boolean => readdirSync(out).some((n) => n.startsWith(`.${name}`) && n.endsWith('.partial'));

describe('a mixed export killed with SIGKILL and rerun is byte-identical to an uninterrupted one', () => {
  it('npy: killed while its three arrays (soft labels too) are being written', async () => {
    await killAndResume('npy', partial('test-soft-labels.npy'), 30);
    expect(Object.keys(contents(join(root, 'npy-reference')))).toEqual(['manifest.json', 'test-images.npy', 'test-labels.npy', 'test-soft-labels.npy']);
  });

  it('npz: killed while its arrays stream to their temporaries', async () => {
    await killAndResume('npz', partial('test.npz.soft_labels.npy'), 30);
    const members = python("import numpy as np, sys, json; print(json.dumps(sorted(np.load(sys.argv[1]).files)))", join(root, 'npz-reference', 'test.npz'));
    expect(members).toEqual(['soft_labels', 'x', 'y']);
  });

  it('wds: killed after 5 of its 20 shards: the rerun keeps them, resuming in the middle of a group of 128', async () => {
    // Shards the journal lists (a shard on disk but not yet journaled is written again by the rerun).
    const journaled = (out: string): number => {
      try {
        const journal = JSON.parse(readFileSync(join(out, '.manifest.json.journal'), 'utf8')) as { files: { name: string }[] };
        return journal.files.filter((f) => /^shard-\d{6}\.tar$/.test(f.name)).length;
      } catch {
        return 0; // not there yet, or caught mid-write
      }
    };
    const { rerun } = await killAndResume('wds', (out) => journaled(out) >= 5, 0);
    const kept = Number(/kept (\d+) complete files/.exec(rerun)?.[1] ?? 0);
    expect(kept).toBeGreaterThanOrEqual(5);
    expect(kept * 1000 % 128).not.toBe(0); // position 5000 and on are inside a group: the rerun mixes whole groups and keeps their part
  });
});

describe('a mixed npy export killed around its journal is accepted by its rerun', () => {
  const args = (out: string): string[] => ['export', '--split', 'test', '--limit', '2000', '--mixup', '0.4', '--seed', '3', '--format', 'npy', '--out', out];
  /** A complete export, then what a kill leaves: its manifest gone and the journal `listed` names (the files all there). */
  function killedAt(name: string, listed: (files: { name: string }[]) => { name: string }[]): { out: string; files: Record<string, string> } {
    const out = join(root, name);
    expect(idxflow(args(out)).status).toBe(0);
    const files = contents(out);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { files: { name: string }[] };
    writeFileSync(join(out, '.manifest.json.journal'), JSON.stringify({ ...manifest, files: listed(manifest.files), complete: false }));
    rmSync(join(out, 'manifest.json'));
    return { out, files };
  }

  it('after its journal listed the three arrays: the rerun keeps them, soft labels included, and writes the same manifest', () => {
    const { out, files } = killedAt('journaled', (all) => all);
    const rerun = idxflow(args(out));
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/^exported 0 images \(npy\) .*kept 3 complete files \(2000 images\)/);
    expect(contents(out)).toEqual(files);
  });

  it('after the arrays were renamed into place, before the journal listed them: the rerun takes the folder as its own and writes them again', () => {
    const { out, files } = killedAt('unjournaled', () => []);
    const rerun = idxflow(args(out));
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/^exported 2000 images \(npy\)/);
    expect(contents(out)).toEqual(files);
  });

  it('with a journal that lists the soft labels but a soft-labels file damaged since: the split is written again', () => {
    const { out, files } = killedAt('damaged', (all) => all);
    const soft = join(out, 'test-soft-labels.npy');
    const bytes = readFileSync(soft);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(soft, bytes);
    const rerun = idxflow(args(out));
    expect(rerun.status, rerun.stderr).toBe(0);
    expect(rerun.stdout).toMatch(/^exported 2000 images \(npy\)/);
    expect(contents(out)).toEqual(files);
  });
});

describe('idxflow serve --mixup --cutmix', () => {
  it('mixes each batch within itself: the soft labels of a batch sum, class by class, to its label counts; eval streams are not mixed', async () => {
    const server = await startServer(['--split', 'test', '--mixup', '0.5', '--cutmix', '1', '--workers', '0', '--seed', '2']);
    try {
      const batches: Block[] = await lastValueFrom(fromServer(`${server.url}/batches?batch=100`).pipe(toArray()));
      expect(batches.reduce((n, b) => n + b.shape[0], 0)).toBe(10000);
      let mixedRows = 0;
      for (const b of batches) {
        const n = b.shape[0];
        const soft = b.softLabels!;
        expect(soft.length).toBe(n * 10);
        // Each sample's partner is another sample of the same batch (a permutation of it): the
        // weight (1 - lambda) a row gives its partner's class, summed over the batch, gives back
        // the batch's own labels, whatever lambda and the pairing were.
        const columns = Array.from({ length: 10 }, (_, c) => Array.from({ length: n }, (_, i) => soft[i * 10 + c]).reduce((a, v) => a + v, 0));
        const counts = Array.from({ length: 10 }, (_, c) => b.labels.filter((l) => l === c).length);
        for (let c = 0; c < 10; c++) expect(columns[c]).toBeCloseTo(counts[c], 3);
        for (let i = 0; i < n; i++) mixedRows += Math.max(...soft.subarray(i * 10, (i + 1) * 10)) < 0.999 ? 1 : 0;
      }
      expect(mixedRows).toBeGreaterThan(1000);
      const evaluation: Block[] = await lastValueFrom(fromServer(`${server.url}/batches?batch=500&eval=1`).pipe(toArray()));
      expect(evaluation.every((b) => b.softLabels === undefined)).toBe(true);
    } finally {
      await server.stop();
    }
  });
});
