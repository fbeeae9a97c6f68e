// The published layouts as NumPy itself writes them (np.savez_compressed for MedMNIST, np.savez
// for Kuzushiji-49, np.savetxt for a CSV with Sign Language MNIST's header): read by idxflow to
// the arrays NumPy reports.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { expect, it } from 'vitest';
import { csv, kuzushiji49, medmnist, type Block } from '@idxflow/core/internal';
import { describeWithPython, python } from '../fixtures/python.js';

const concat = (blocks: Block[], field: 'images' | 'labels' | 'labelMatrix'): number[] => blocks.flatMap((b) => [...(b[field] ?? [])]);

describeWithPython(['numpy'], 'files written by NumPy', () => {
  it('reads MedMNIST npz (savez_compressed, a larger size, a label matrix), the K49 pair (savez) and a CSV (savetxt)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-numpy-'));
    const arrays = python(
      `
import json, sys, numpy as np
d = sys.argv[1]
rng = np.random.default_rng(5)
out = {}
def split(n, side, k, high):
    return rng.integers(0, 256, (n, side, side), dtype=np.uint8), rng.integers(0, high, (n, k), dtype=np.uint8)
med = {}
for s, n in (('train', 6), ('val', 3), ('test', 4)):
    med[s + '_images'], med[s + '_labels'] = split(n, 128, 1, 11)
np.savez_compressed(d + '/organsmnist_128.npz', **med)
out['organ_val'] = [med['val_images'].ravel().tolist(), med['val_labels'].ravel().tolist()]
chest = {}
for s, n in (('train', 2), ('val', 5), ('test', 2)):
    chest[s + '_images'], chest[s + '_labels'] = split(n, 28, 14, 2)
np.savez_compressed(d + '/chestmnist.npz', **chest)
out['chest_val'] = [chest['val_images'].ravel().tolist(), chest['val_labels'].ravel().tolist(), chest['val_labels'].max(1).tolist()]
imgs = rng.integers(0, 256, (9, 28, 28), dtype=np.uint8)
labels = rng.integers(0, 49, (9,), dtype=np.uint8)
np.savez(d + '/k49-train-imgs.npz', imgs)
np.savez(d + '/k49-train-labels.npz', labels)
out['k49'] = [imgs.ravel().tolist(), labels.tolist()]
rows = np.concatenate([rng.integers(0, 25, (7, 1)), rng.integers(0, 256, (7, 784))], axis=1)
np.savetxt(d + '/sign.csv', rows, fmt='%d', delimiter=',', header='label,' + ','.join(f'pixel{i}' for i in range(1, 785)), comments='')
out['csv'] = [rows[:, 1:].ravel().tolist(), rows[:, 0].tolist()]
print(json.dumps(out))
`,
      dir,
    ) as Record<string, number[][]>;
    const organ = await lastValueFrom(medmnist({ subset: 'organsmnist', size: 128, split: 'val', dir }).pipe(toArray()));
    expect(organ.map((b) => b.shape.slice(1))).toEqual(organ.map(() => [128, 128]));
    expect([concat(organ, 'images'), concat(organ, 'labels')]).toEqual(arrays.organ_val);
    const chest = await lastValueFrom(medmnist({ subset: 'chestmnist', split: 'val', dir }).pipe(toArray()));
    expect([concat(chest, 'images'), concat(chest, 'labelMatrix'), concat(chest, 'labels')]).toEqual(arrays.chest_val);
    const k49 = await lastValueFrom(kuzushiji49({ split: 'train', dir }).pipe(toArray()));
    expect([concat(k49, 'images'), concat(k49, 'labels')]).toEqual(arrays.k49);
    const rows = await lastValueFrom(csv({ path: join(dir, 'sign.csv') }).pipe(toArray()));
    expect([concat(rows, 'images'), concat(rows, 'labels')]).toEqual(arrays.csv);
  });
});
