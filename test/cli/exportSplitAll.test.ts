// --split all writes both splits as the readers people already have expect them: torchvision's
// MNIST(root) reads the idx export from root/MNIST/raw, and numpy reads the npz export in the
// layout of Keras' mnist.npz. The training split is augmented as the flags say; the test split is
// exactly the raw file.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CLI, raw } from '../fixtures/mnist.js';
import { describeWithPython, python } from '../fixtures/python.js';

const idxflow = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

describeWithPython(['numpy', 'torch', 'torchvision'], 'idxflow export --split all, read by torchvision and numpy (/usr/bin/python3)', () => {
  it("torchvision's MNIST(root) reads both splits of the idx export", () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-all-'));
    const r = idxflow('export', '--split', 'all', '--format', 'idx', '--rotate', '10', '--workers', '1', '--out', join(root, 'MNIST', 'raw'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const read = python(
      `
import hashlib, json, sys
from torchvision.datasets import MNIST
out = {}
for train in (True, False):
    ds = MNIST(sys.argv[1], train=train, download=False)
    out['train' if train else 'test'] = [len(ds), list(ds.data.shape), str(ds.data.dtype), hashlib.sha256(ds.data.numpy().tobytes()).hexdigest(), hashlib.sha256(ds.targets.numpy().astype('uint8').tobytes()).hexdigest()]
print(json.dumps(out))`,
      root,
    ) as Record<string, [number, number[], string, string, string]>;
    const testImages = readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16);
    const testLabels = readFileSync(raw('t10k-labels-idx1-ubyte')).subarray(8);
    const trainImages = readFileSync(raw('train-images-idx3-ubyte')).subarray(16);
    expect(read.test).toEqual([10000, [10000, 28, 28], 'torch.uint8', sha(testImages), sha(testLabels)]);
    expect(read.train.slice(0, 3)).toEqual([60000, [60000, 28, 28], 'torch.uint8']);
    expect(read.train[3]).not.toBe(sha(trainImages)); // rotated
    expect(read.train[4]).toBe(sha(readFileSync(raw('train-labels-idx1-ubyte')).subarray(8))); // in file order, not shuffled
  });

  it("numpy reads the npz export as Keras' mnist.npz: x_train, y_train, x_test, y_test", () => {
    const out = mkdtempSync(join(tmpdir(), 'idxflow-all-'));
    const r = idxflow('export', '--split', 'all', '--format', 'npz', '--shuffle', '--seed', '2', '--out', join(out, 'keras'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const read = python(
      `
import hashlib, json, sys
import numpy as np
with np.load(sys.argv[1]) as f:
    print(json.dumps({k: [list(f[k].shape), str(f[k].dtype), hashlib.sha256(f[k].tobytes()).hexdigest(), np.bincount(f[k].reshape(-1) if k.startswith('y') else [0]).tolist()] for k in sorted(f.files)}))`,
      join(out, 'keras', 'mnist.npz'),
    ) as Record<string, [number[], string, string, number[]]>;
    expect(Object.keys(read)).toEqual(['x_test', 'x_train', 'y_test', 'y_train']);
    expect(read.x_test.slice(0, 3)).toEqual([[10000, 28, 28], 'uint8', sha(readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16))]);
    expect(read.y_test[2]).toBe(sha(readFileSync(raw('t10k-labels-idx1-ubyte')).subarray(8)));
    expect(read.x_train.slice(0, 2)).toEqual([[60000, 28, 28], 'uint8']);
    // Shuffled, not augmented: the same label counts as the file, in another order.
    const trainLabels = readFileSync(raw('train-labels-idx1-ubyte')).subarray(8);
    const counts = Array.from({ length: 10 }, (_, d) => trainLabels.filter((l) => l === d).length);
    expect(read.y_train[3]).toEqual(counts);
    expect(read.y_train[2]).not.toBe(sha(trainLabels));
  });

  it('png and wds put the splits in train/ and test/', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'idxflow-all-')), 'wds');
    const r = idxflow('export', '--split', 'all', '--format', 'wds', '--shard-size', '20000', '--workers', '1', '--out', out);
    expect(r.status).toBe(0);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { count: number; files: { name: string }[] };
    expect(manifest.count).toBe(70000);
    expect(manifest.files.map((f) => f.name)).toEqual(['test/shard-000000.tar', 'train/shard-000000.tar', 'train/shard-000001.tar', 'train/shard-000002.tar']);
  });
});
