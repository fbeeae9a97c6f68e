// idxflow export --tasks: one folder per task, each with its manifest, read by torchvision's own
// IDX readers and by numpy, and checked against independent computations: the source under the
// permutation the manifest records (numpy), torchvision's RandomRotation(degrees=(a, a)) (as
// Avalanche's RotatedMNIST builds each task), and a label filter for the class subsets. The same
// bytes for --workers 0 and 2; flag errors that name the flag.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI, raw } from '../fixtures/mnist.js';
import { describeWithPython, python } from '../fixtures/python.js';
import { ROTATION_TIES } from '../fixtures/rotationTies.js';

const idxflow = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const N = 2000;

/** The sha256 of every file of every task folder of `out`, by path. */
function digests(out: string): Record<string, string> {
  const all: Record<string, string> = {};
  for (const task of readdirSync(out).sort()) {
    for (const file of readdirSync(join(out, task)).sort()) {
      if (file === 'manifest.json') continue; // holds the run's time and thread count
      all[`${task}/${file}`] = createHash('sha256').update(readFileSync(join(out, task, file))).digest('hex');
    }
  }
  return all;
}

describeWithPython(['numpy', 'torch', 'torchvision'], 'idxflow export --tasks, read by torchvision and numpy (/usr/bin/python3)', () => {
  it("permuted:3 writes task-0..2 in IDX, which torchvision reads: each the source under the permutation its manifest records; workers 0 and 2 give the same bytes", () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-tasks-'));
    const [two, zero] = [join(root, 'w2'), join(root, 'w0')];
    for (const [out, workers] of [[two, '2'], [zero, '0']]) {
      const r = idxflow('export', '--split', 'test', '--limit', String(N), '--tasks', 'permuted:3', '--task-seed', '11', '--workers', workers, '--out', out);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(r.stdout.trim().split('\n')).toHaveLength(3);
    }
    expect(readdirSync(two).sort()).toEqual(['task-0', 'task-1', 'task-2']);
    expect(digests(two)).toEqual(digests(zero));
    const read = python(
      `
import json, sys
import numpy as np
from torchvision.datasets.mnist import read_image_file, read_label_file
out, images, labels = sys.argv[1], sys.argv[2], sys.argv[3]
x = np.fromfile(images, dtype=np.uint8, offset=16).reshape(-1, 784)[:${N}]
y = np.fromfile(labels, dtype=np.uint8, offset=8)[:${N}]
res = []
for t in range(3):
    task = json.load(open(f'{out}/task-{t}/manifest.json'))['pipeline']['task']
    p = np.array(task['permutation'])
    ours = read_image_file(f'{out}/task-{t}/t10k-images-idx3-ubyte').numpy()
    ours_y = read_label_file(f'{out}/task-{t}/t10k-labels-idx1-ubyte').numpy()
    res.append({'task': [task['stream'], task['task'], task['of'], task['seed']], 'shape': list(ours.shape), 'isPermutation': sorted(p.tolist()) == list(range(784)),
                'equal': bool(np.array_equal(ours.reshape(-1, 784), x[:, p])), 'labels': bool(np.array_equal(ours_y, y)), 'moved': int((p != np.arange(784)).sum())})
print(json.dumps(res))`,
      two,
      raw('t10k-images-idx3-ubyte'),
      raw('t10k-labels-idx1-ubyte'),
    ) as { task: unknown[]; shape: number[]; isPermutation: boolean; equal: boolean; labels: boolean; moved: number }[];
    for (const [t, r] of read.entries()) {
      expect(r, `task ${t}`).toMatchObject({ task: ['permuted', t, 3, 11], shape: [N, 28, 28], isPermutation: true, equal: true, labels: true });
      expect(r.moved, `task ${t}`).toBeGreaterThan(700); // a random permutation of 784 fixes about one pixel
    }
  });

  it("rotated:0,45,-120 writes Keras' mnist.npz per task, which numpy reads: each split torchvision's RandomRotation(degrees=(a, a)) of the source", () => {
    const out = join(mkdtempSync(join(tmpdir(), 'idxflow-tasks-')), 'rot');
    const r = idxflow('export', '--split', 'all', '--limit', '500', '--format', 'npz', '--tasks', 'rotated:0,45,-120', '--workers', '2', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const read = python(
      `${ROTATION_TIES}
import json, sys, torch
import numpy as np
from torchvision.transforms import RandomRotation
out, files = sys.argv[1], json.loads(sys.argv[2])
src = {k: np.fromfile(f, dtype=np.uint8, offset=16).reshape(-1, 1, 28, 28)[:500] for k, f in files.items()}
res = []
for t, a in enumerate([0, 45, -120]):
    angle = json.load(open(f'{out}/task-{t}/manifest.json'))['pipeline']['task']['angle']
    with np.load(f'{out}/task-{t}/mnist.npz') as f:
        row = {'angle': angle, 'files': sorted(f.files)}
        for k in ('train', 'test'):
            theirs = RandomRotation(degrees=(a, a))(torch.from_numpy(src[k].copy())).numpy().reshape(-1, 28, 28)
            ours = f['x_' + k]
            differ = (ours != theirs).reshape(-1, 784)
            row[k] = [list(ours.shape), str(ours.dtype), int((differ & ~ties(a)).sum()), int((ours != src[k].reshape(-1, 28, 28)).sum() > 0)]
    res.append(row)
print(json.dumps(res))`,
      out,
      JSON.stringify({ train: raw('train-images-idx3-ubyte'), test: raw('t10k-images-idx3-ubyte') }),
    ) as { angle: number; files: string[]; train: [number[], string, number, number]; test: [number[], string, number, number] }[];
    expect(read.map((r) => r.angle)).toEqual([0, 45, -120]);
    for (const [t, r] of read.entries()) {
      expect(r.files).toEqual(['x_test', 'x_train', 'y_test', 'y_train']);
      // Nearest neighbour, as Avalanche: torchvision's bytes, but where the exact source position
      // is a tie between two pixels (the diagonals at 45 degrees), which float32 and float64
      // rounding may settle differently.
      expect(r.train, `task ${t}`).toEqual([[500, 28, 28], 'uint8', 0, t === 0 ? 0 : 1]);
      expect(r.test, `task ${t}`).toEqual([[500, 28, 28], 'uint8', 0, t === 0 ? 0 : 1]);
    }
  });

  it('split:2 --task-seed 4 writes five npy folders: each the samples of its two classes (numpy label filter), labels as they are', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'idxflow-tasks-')), 'split');
    const r = idxflow('export', '--split', 'test', '--limit', String(N), '--format', 'npy', '--tasks', 'split:2', '--task-seed', '4', '--out', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const read = python(
      `
import json, sys
import numpy as np
out, images, labels = sys.argv[1], sys.argv[2], sys.argv[3]
x = np.fromfile(images, dtype=np.uint8, offset=16).reshape(-1, 28, 28)[:${N}]
y = np.fromfile(labels, dtype=np.uint8, offset=8)[:${N}]
res = []
for t in range(5):
    task = json.load(open(f'{out}/task-{t}/manifest.json'))['pipeline']['task']
    keep = np.isin(y, task['classes'])
    xi, yi = np.load(f'{out}/task-{t}/test-images.npy'), np.load(f'{out}/task-{t}/test-labels.npy')
    res.append({'classes': task['classes'], 'order': task['order'], 'count': int(keep.sum()), 'images': bool(np.array_equal(xi, x[keep])), 'labels': bool(np.array_equal(yi, y[keep]))})
print(json.dumps(res))`,
      out,
      raw('t10k-images-idx3-ubyte'),
      raw('t10k-labels-idx1-ubyte'),
    ) as { classes: number[]; order: number[]; count: number; images: boolean; labels: boolean }[];
    expect([...read[0].order].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(read.flatMap((r) => r.classes)).toEqual(read[0].order);
    expect(read.reduce((sum, r) => sum + r.count, 0)).toBe(N);
    for (const r of read) expect(r).toMatchObject({ images: true, labels: true });
  });
});

describe('idxflow export --tasks: flag errors', () => {
  it('names the flag and what it expected, and writes nothing', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'idxflow-tasks-')), 'bad');
    const cases: [string[], string][] = [
      [['--tasks', 'shuffled:3'], 'Expected permuted:N, rotated:A1,A2,... or split:K for --tasks but received "shuffled:3"'],
      [['--tasks', 'permuted:300'], 'Expected an integer from 1 to 256 (the N of permuted:N) for --tasks but received "300"'],
      [['--tasks', 'rotated:15,181'], 'Expected an angle in degrees from -180 to 180 for --tasks but received "181"'],
      [['--tasks', 'split:3'], 'Expected K dividing the 10 classes for --tasks split:K but received 3'],
      [['--task-seed', '2'], 'Expected --task-seed only with --tasks but received no --tasks'],
      [['--tasks', 'rotated:15', '--task-seed', '2'], 'Expected --task-seed only with --tasks permuted:N or split:K'],
    ];
    for (const [flags, message] of cases) {
      const r = idxflow('export', '--split', 'test', '--limit', '100', ...flags, '--out', out);
      expect(r.status, flags.join(' ')).toBe(2);
      expect(r.stderr, flags.join(' ')).toContain(message);
      expect(existsSync(out), flags.join(' ')).toBe(false);
    }
  });
});
