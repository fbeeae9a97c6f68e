// The task of each sample (Block.tasks) in the sinks: NPY, NPZ and Keras' mnist.npz store it (read back by numpy,
// against the task of each sample computed from the stream's order), every other sink refuses it
// with an UnstorableFieldError before writing anything.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { batch, mnist, takeSamples } from '@idxflow/core';
import { exportTo, SINK_STORES, sinksStoring, toKerasNpz, toNpy, toNpz, toPngFolder, UnstorableFieldError } from '@idxflow/sinks';
import { permutedTasks, splitTasks } from '@idxflow/transforms';
import { describe, expect, it } from 'vitest';
import { python } from '../fixtures/python.js';
import { tmp } from './files/fixtures.js';

/** 300 MNIST test digits in blocks of 100, each block emitted as tasks 0, 1, 2. */
const stream = () => mnist({ split: 'test' }).pipe(takeSamples(300), batch(100), permutedTasks({ tasks: 3, seed: 1 }));
/** The task of each written sample: blocks of 100 samples, tasks 0, 1, 2 in turn. */
const expected = Array.from({ length: 900 }, (_, i) => Math.floor(i / 100) % 3);

describe('tasks in the sinks', () => {
  it('the contract: npy, npz and Keras npz store tasks, the others refuse them', () => {
    expect(sinksStoring('tasks')).toEqual(['npy', 'npz', 'toKerasNpz']);
    expect(SINK_STORES.idx.has('tasks')).toBe(false);
  });

  it('toNpy writes <split>-tasks.npy and toNpz the member tasks.npy, uint8 (n,), which numpy reads', async () => {
    const dir = tmp();
    await toNpy(stream(), { dir: join(dir, 'npy'), split: 'test' });
    await toNpz(stream(), { dir: join(dir, 'npz'), split: 'test' });
    expect(readdirSync(join(dir, 'npy')).sort()).toEqual(['test-images.npy', 'test-labels.npy', 'test-tasks.npy']);
    const read = python(
      "import numpy as np, sys, json; a = np.load(sys.argv[1]); f = np.load(sys.argv[2]); print(json.dumps([str(a.dtype), list(a.shape), a.tolist(), sorted(f.files), str(f['tasks'].dtype), f['tasks'].tolist(), list(f['x'].shape)]))",
      join(dir, 'npy', 'test-tasks.npy'),
      join(dir, 'npz', 'test.npz'),
    ) as unknown[];
    expect(read).toEqual(['uint8', [900], expected, ['tasks', 'x', 'y'], 'uint8', expected, [900, 28, 28]]);
  });

  it("toKerasNpz writes tasks_train and tasks_test beside Keras' x_train, y_train, x_test, y_test", async () => {
    const dir = tmp();
    await toKerasNpz({ train: stream(), test: stream() }, { dir });
    const read = python(
      "import numpy as np, sys, json; f = np.load(sys.argv[1]); print(json.dumps([sorted(f.files), str(f['tasks_train'].dtype), f['tasks_train'].tolist(), f['tasks_test'].tolist()]))",
      join(dir, 'mnist.npz'),
    ) as unknown[];
    expect(read).toEqual([['tasks_test', 'tasks_train', 'x_test', 'x_train', 'y_test', 'y_train'], 'uint8', expected, expected]);
  });

  it('exportTo npy with an expected count keeps the tasks and lists the file in the manifest', async () => {
    const dir = tmp();
    const run = await exportTo(mnist({ split: 'test' }).pipe(takeSamples(200), batch(50), splitTasks({ classesPerTask: 5 })), { format: 'npy', dir, split: 'test' });
    expect(run.files.map((f) => f.name)).toContain('test-tasks.npy');
  });

  it('a PNG folder refuses them, naming the sinks that keep them, and writes nothing', async () => {
    const dir = tmp();
    const e = await toPngFolder(stream(), { dir }).catch((error: unknown) => error);
    expect(e).toBeInstanceOf(UnstorableFieldError);
    expect(e).toMatchObject({ field: 'tasks', sink: 'png', keptBy: ['npy', 'npz', 'toKerasNpz'] });
    expect(readdirSync(dir)).toEqual([]);
  });
});
