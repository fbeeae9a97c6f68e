// --dataset mnist-c --corruption NAME --dir DIR: the released MNIST-C folder (built here by numpy
// as released: uint8 (n, 28, 28, 1) images and uint8 labels) read by export and preview, and
// export --suite mnist-c's output read back the same way, byte for byte.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkRow, checkRowInProcess, rowName, run, type Row } from '../fixtures/cliRows.js';
import { raw } from '../fixtures/mnist.js';
import { describeWithPython, python } from '../fixtures/python.js';

const NAMES = 'identity, shot_noise, impulse_noise, glass_blur, motion_blur, shear, scale, rotate, brightness, translate, stripe, fog, spatter, dotted_line, zigzag, canny_edges';
const N = 40;

const rows: Row[] = [
  { args: ['export', '--dataset', 'mnist-c', '--corruption', 'fog'], expect: 'Expected --dir DIR (the MNIST-C folder) and --corruption NAME with --dataset mnist-c but received no --dir' },
  { args: ['export', '--dataset', 'mnist-c', '--dir', '/tmp'], expect: 'Expected --dir DIR (the MNIST-C folder) and --corruption NAME with --dataset mnist-c but received no --corruption' },
  { args: ['export', '--corruption', 'fog'], expect: 'Expected --corruption only with --dataset mnist-c but received "fog" with no --dataset' },
  { args: ['preview', '--dataset', 'kmnist', '--corruption', 'fog'], expect: 'Expected --corruption only with --dataset mnist-c but received "fog" with --dataset kmnist' },
  { args: ['export', '--dataset', 'mnist-c', '--dir', '/tmp', '--corruption', '../identity'], expect: `Expected one of ${NAMES} for --corruption but received "../identity"` },
  { args: ['export', '--dataset', 'mnist-c', '--dir', '/tmp', '--corruption', 'gaussian_noise'], expect: `Expected one of ${NAMES} for --corruption but received "gaussian_noise"` },
  { args: ['explore', '--dataset', 'mnist-c', '--dir', '/tmp', '--corruption', 'fog'], expect: 'Expected a --dataset of the catalog for idxflow explore but received "mnist-c" (export and preview read the MNIST-C folder; the page shows the corruptions of any dataset)' },
  { args: ['export', '--dataset', 'mnist-c', '--dir', '/tmp', '--corruption', 'fog', '--format', 'npy'], expect: 'ok' },
];

describe('--dataset mnist-c: the command line', () => {
  for (const row of rows) it(rowName(row.args), () => checkRowInProcess(row));
});

/** numpy's verdict on two npy files: equal shapes after dropping a trailing channel of 1, equal bytes, and the shapes and dtypes. */
function sameArrays(a: string, b: string): { equal: boolean; shapes: number[][]; dtypes: string[] } {
  return python(
    `import json, sys, numpy as np
a, b = np.load(sys.argv[1]), np.load(sys.argv[2])
flat = lambda x: x[..., 0] if x.ndim == 4 and x.shape[3] == 1 else x
print(json.dumps({'equal': bool(flat(a).shape == flat(b).shape and flat(a).tobytes() == flat(b).tobytes()), 'shapes': [list(a.shape), list(b.shape)], 'dtypes': [str(a.dtype), str(b.dtype)]}))`,
    a,
    b,
  ) as { equal: boolean; shapes: number[][]; dtypes: string[] };
}

describeWithPython(['numpy'], '--dataset mnist-c: the files', () => {
  it('export reads the released layout ((n, 28, 28, 1) uint8 images, uint8 labels) into the arrays numpy reads, and preview draws it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-mnist-c-cli-'));
    const dir = join(root, 'mnist_c');
    python(
      `import json, os, sys, numpy as np
root, images, labels, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
os.makedirs(os.path.join(root, 'glass_blur'))
x = np.fromfile(images, np.uint8, offset=16)[:n * 784].reshape(n, 28, 28, 1)
np.save(os.path.join(root, 'glass_blur', 'test_images.npy'), (x // 2 + 7).astype(np.uint8))
np.save(os.path.join(root, 'glass_blur', 'test_labels.npy'), np.fromfile(labels, np.uint8, offset=8)[:n])
print(json.dumps(True))`,
      dir,
      raw('t10k-images-idx3-ubyte'),
      raw('t10k-labels-idx1-ubyte'),
      String(N),
    );
    const out = join(root, 'out');
    const r = await run(['export', '--dataset', 'mnist-c', '--corruption', 'glass_blur', '--dir', dir, '--split', 'test', '--format', 'npy', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^exported ${N} images \\(npy\\) to `));
    const images = sameArrays(join(dir, 'glass_blur', 'test_images.npy'), join(out, 'test-images.npy'));
    expect(images).toEqual({ equal: true, shapes: [[N, 28, 28, 1], [N, 28, 28]], dtypes: ['uint8', 'uint8'] });
    expect(sameArrays(join(dir, 'glass_blur', 'test_labels.npy'), join(out, 'test-labels.npy'))).toEqual({ equal: true, shapes: [[N], [N]], dtypes: ['uint8', 'uint8'] });
    // Independently of numpy: the exported pixels are x // 2 + 7 of MNIST's raw test digits.
    const source = readFileSync(raw('t10k-images-idx3-ubyte')).subarray(16, 16 + N * 784);
    const exported = readFileSync(join(out, 'test-images.npy'));
    expect(exported.subarray(exported.length - N * 784).equals(Buffer.from(source.map((v) => (v >> 1) + 7)))).toBe(true);
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as { pipeline: { source: string } };
    expect(manifest.pipeline.source).toBe('mnist-c glass_blur test');
    await checkRow({ args: ['preview', '--dataset', 'mnist-c', '--corruption', 'glass_blur', '--dir', dir, '--split', 'test', '--grid', '2x3'], expect: 'ok' });
    // The split that is not there, and a folder that is not there, are named.
    const train = await run(['export', '--dataset', 'mnist-c', '--corruption', 'glass_blur', '--dir', dir, '--split', 'train', '--format', 'npy', '--out', join(root, 'train')]);
    expect(train.status).toBe(1);
    expect(train.stderr).toBe(
      `idxflow: DatasetNotFoundError: ${join(dir, 'glass_blur', 'train_images.npy')}: expected the train split's file of the glass_blur folder, found no such file\nGive --dir the MNIST-C folder (mnist_c/, as released or as export --suite mnist-c writes it): <corruption>/train_images.npy and train_labels.npy\n`,
    );
  }, 120_000);

  it('export --suite mnist-c read back as --dataset mnist-c gives the same bytes, each corruption and split', async () => {
    const root = mkdtempSync(join(tmpdir(), 'idxflow-mnist-c-round-'));
    const suite = join(root, 'suite');
    const made = await run(['export', '--suite', 'mnist-c', '--limit', '30', '--seed', '3', '--workers', '0', '--out', suite]);
    expect(made.stderr).toBe('');
    expect(made.status).toBe(0);
    for (const corruption of ['identity', 'fog', 'zigzag', 'canny_edges']) {
      for (const split of ['train', 'test']) {
        const back = join(root, `${corruption}-${split}`);
        const r = await run(['export', '--dataset', 'mnist-c', '--corruption', corruption, '--dir', suite, '--split', split, '--format', 'npy', '--out', back]);
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        for (const [a, b] of [[`${split}_images.npy`, `${split}-images.npy`], [`${split}_labels.npy`, `${split}-labels.npy`]]) {
          const written = readFileSync(join(suite, corruption, a));
          const read = readFileSync(join(back, b));
          expect(read.equals(written), `${corruption} ${a}`).toBe(true); // header and data: the same file
        }
      }
    }
  }, 300_000);
});
