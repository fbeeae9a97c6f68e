// The task of each sample (Block.tasks) in the sinks: NPY, NPZ and Keras' mnist.npz store it (read back by numpy,
// against the task of each sample computed from the stream's order), WebDataset as `<key>.task.cls`
// (read back by Python's tarfile) and the Hub's Parquet as a uint8 column `task` (read back by
// parquet-wasm, an independent reader: pyarrow is not on this machine); every other sink refuses it
// with an UnstorableFieldError before writing anything.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import * as parquetWasm from 'parquet-wasm';
import { batch, loadBlock, mnist, parquet, takeSamples } from '@idxflow/core';
import { exportTo, SINK_STORES, sinksStoring, toHfParquet, toKerasNpz, toNpy, toNpz, toPngFolder, toWebDataset, UnstorableFieldError } from '@idxflow/sinks';
import { permutedTasks, splitTasks } from '@idxflow/transforms';
import { describe, expect, it } from 'vitest';
import { python } from '../fixtures/python.js';
import { raw } from '../fixtures/mnist.js';
import { tmp } from './files/fixtures.js';

/** 300 MNIST test digits in blocks of 100, each block emitted as tasks 0, 1, 2. */
const stream = () => mnist({ split: 'test' }).pipe(takeSamples(300), batch(100), permutedTasks({ tasks: 3, seed: 1 }));
/** The task of each written sample: blocks of 100 samples, tasks 0, 1, 2 in turn. */
const expected = Array.from({ length: 900 }, (_, i) => Math.floor(i / 100) % 3);
/** The label of each written sample, from MNIST's raw test labels: block b (samples 100b to 100b + 99) three times over. */
const rawLabels = readFileSync(raw('t10k-labels-idx1-ubyte')).subarray(8);
const expectedLabels = Array.from({ length: 900 }, (_, i) => rawLabels[Math.floor(i / 300) * 100 + (i % 100)]);
const KEEP = ['npy', 'npz', 'wds', 'hf', 'toKerasNpz'];

describe('tasks in the sinks', () => {
  it('the contract: npy, npz, wds, hf and Keras npz store tasks, the others refuse them', () => {
    expect(sinksStoring('tasks')).toEqual(KEEP);
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
    expect(e).toMatchObject({ field: 'tasks', sink: 'png', keptBy: KEEP });
    expect(readdirSync(dir)).toEqual([]);
  });

  it('toWebDataset writes <key>.task.cls beside <key>.png and <key>.cls, which tarfile reads as the task', async () => {
    const dir = tmp();
    await toWebDataset(stream(), { dir, shardSize: 400 });
    expect(readdirSync(dir).sort()).toEqual(['shard-000000.tar', 'shard-000001.tar', 'shard-000002.tar']);
    const [names, tasks, labels] = python(
      `import tarfile, json, sys, glob
names, tasks, labels = [], [], []
for path in sorted(glob.glob(sys.argv[1] + '/shard-*.tar')):
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            names.append(m.name)
            data = tar.extractfile(m).read()
            # webdataset's key is the name up to the first dot, its decoder chosen by the last extension: task.cls is an int.
            key, ext = m.name.split('.', 1)
            if ext == 'task.cls': tasks.append(int(data))
            elif ext == 'cls': labels.append(int(data))
print(json.dumps([names, tasks, labels]))`,
      dir,
    ) as [string[], number[], number[]];
    expect(names.slice(0, 4)).toEqual(['000000000.png', '000000000.cls', '000000000.task.cls', '000000001.png']);
    expect(names).toHaveLength(3 * 900);
    expect(names.at(-1)).toBe('000000899.task.cls');
    expect(tasks).toEqual(expected);
    expect(labels).toEqual(expectedLabels);
  });

  it('toHfParquet writes a uint8 column task, which parquet-wasm reads, and the features and card declare it', async () => {
    const dir = tmp();
    await toHfParquet(stream(), { dir, split: 'test', rowGroupSize: 250 });
    const table = tableFromIPC(parquetWasm.readParquet(readFileSync(join(dir, 'data/test-00000-of-00001.parquet'))).intoIPCStream());
    expect(table.schema.fields.map((f) => f.name)).toEqual(['image', 'label', 'task']);
    expect(String(table.schema.fields[2].type)).toMatch(/^Uint8$/i);
    const rows = [...table];
    expect(rows.map((row) => Number(row.task))).toEqual(expected);
    expect(rows.map((row) => Number(row.label))).toEqual(expectedLabels);
    const features = JSON.parse(table.schema.metadata.get('huggingface')!) as { info: { features: Record<string, unknown> } };
    expect(features.info.features.task).toEqual({ dtype: 'uint8', _type: 'Value' });
    expect(Object.keys(features.info.features)).toEqual(['image', 'label', 'task']);
    // idxflow's own Parquet source reads the file back past the extra column: its images and labels.
    const back = await loadBlock(parquet({ files: [join(dir, 'data/test-00000-of-00001.parquet')] }));
    expect([...back.labels]).toEqual(expectedLabels);
    expect(back.shape).toEqual([900, 28, 28]);
    const exported = join(tmp(), 'hf');
    await exportTo(stream(), { format: 'hf', dir: exported, split: 'test' });
    const card = readFileSync(join(exported, 'README.md'), 'utf8');
    expect(card).toContain('  - name: task\n    dtype: uint8\n  splits:');
    expect(card).toContain('- `task`: the continual-learning task of the sample');
  });
});
