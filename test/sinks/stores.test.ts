// The sink contract: each sink fed blocks with soft labels (after mixup() and cutmix()) stores
// them, read back by a reader of its own (numpy, Python's tarfile, parquet-wasm, the protocol's
// client), or refuses them with an UnstorableFieldError naming the field and the sinks that keep
// them, leaving nothing behind.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { batch, fromServer, mnist, takeSamples, type Block } from '@idxflow/core';
import { cutmix, mixup } from '@idxflow/transforms';
import * as parquetWasm from 'parquet-wasm';
import { tableFromIPC } from 'apache-arrow';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { exportTo, OPTIONAL_FIELDS, SINK_STORES, sinksStoring, toIdx, toNpy, toNpz, toPngFolder, toTensors, toWebDataset, UnstorableFieldError, type SinkName } from '../../packages/sinks/src/index.js';
import { serve } from '../../packages/sinks/src/network/index.js';
import { toHfParquet, toKerasNpz } from '../../packages/sinks/src/internal.js';
import { python } from '../fixtures/python.js';
import { tmp } from './files/fixtures.js';

const N = 500;
const CLASSES = 10;

/** The first 500 MNIST test images in batches of 100, cut-mixed then mixed up: soft labels of 10 classes. */
const mixed = (): Promise<Block[]> => lastValueFrom(mnist({ split: 'test' }).pipe(takeSamples(N), batch(100), cutmix({ seed: 4 }), mixup({ alpha: 0.4, seed: 4 }), toArray()));

/** Every block's soft labels, end to end, as plain numbers. */
const softOf = (blocks: Block[]): number[] => blocks.flatMap((b) => Array.from(b.softLabels!));

/** The soft-label rows read back, flattened; checks they are not one-hot (the blocks mixed). */
function expectSame(read: number[], blocks: Block[]): void {
  expect(read.length).toBe(N * CLASSES);
  expect(read).toEqual(softOf(blocks));
  expect(read.some((v) => v > 0 && v < 1)).toBe(true);
}

/** The refusal of a sink: the typed error, its code, the field and the sinks that keep it named, and nothing left in `dir`. */
async function expectRefused(run: Promise<unknown>, sink: SinkName, dir?: string): Promise<void> {
  const error = await run.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnstorableFieldError);
  const e = error as UnstorableFieldError;
  expect([e.code, e.sink, e.field]).toEqual(['IDXFLOW_UNSTORABLE_FIELD', sink, 'softLabels']);
  // The sinks that keep soft labels, written out by hand from the formats' descriptions.
  expect(e.keptBy).toEqual(['npy', 'npz', 'wds', 'hf', 'toKerasNpz', 'toTensors(oneHot)', 'toTfDataset', 'serve']);
  expect(e.message).toContain('softLabels (10 per sample');
  expect(e.message).toContain(`which ${sink} cannot store: npy, npz, wds, hf, toKerasNpz, toTensors(oneHot), toTfDataset, serve keep softLabels`);
  if (dir !== undefined) expect(readdirSync(dir)).toEqual([]);
}

describe('the contract table', () => {
  it('lists the optional fields, and each sink that stores soft labels or not', () => {
    expect(OPTIONAL_FIELDS).toEqual(['softLabels', 'labelMatrix', 'classIds', 'tasks']);
    const refusing = (Object.keys(SINK_STORES) as SinkName[]).filter((s) => !SINK_STORES[s].has('softLabels'));
    expect(refusing).toEqual(['idx', 'idx.gz', 'png', 'toTensors']);
    expect(sinksStoring('images')).toEqual(Object.keys(SINK_STORES));
  });
});

describe('sinks that refuse soft labels', () => {
  it('toIdx (idx and idx.gz), before writing anything', async () => {
    const blocks = await mixed();
    const dir = tmp();
    await expectRefused(toIdx(from(blocks), { dir }), 'idx', dir);
    await expectRefused(toIdx(from(blocks), { dir, gzip: true }), 'idx.gz', dir);
  });

  it('toPngFolder, and exportTo with png, which leaves no manifest or journal', async () => {
    const blocks = await mixed();
    const dir = tmp();
    await expectRefused(toPngFolder(from(blocks), { dir }), 'png', dir);
    const out = join(tmp(), 'png');
    await expectRefused(exportTo(from(blocks), { format: 'png', dir: out }), 'png');
    expect(() => readdirSync(out)).toThrow(/ENOENT/);
  });

  it('toTensors without oneHot (class ids), while with oneHot y is the soft labels', async () => {
    const blocks = await mixed();
    const ids = (async () => {
      for await (const _ of toTensors(from(blocks))) void _;
    })();
    await expectRefused(ids, 'toTensors');
    const ys: number[] = [];
    for await (const { y, yShape } of toTensors(from(blocks), { oneHot: true })) {
      expect(yShape).toEqual([100, CLASSES]);
      ys.push(...y);
    }
    expectSame(ys, blocks);
  });
});

describe('sinks that store soft labels, read back by other readers', () => {
  it('toNpy: numpy reads <split>-soft-labels.npy', async () => {
    const blocks = await mixed();
    const dir = tmp();
    await toNpy(from(blocks), { dir, split: 'test' });
    const read = python("import numpy as np, json, sys; s = np.load(sys.argv[1]); print(json.dumps([str(s.dtype), list(s.shape), s.ravel().tolist()]))", join(dir, 'test-soft-labels.npy')) as [string, number[], number[]];
    expect(read.slice(0, 2)).toEqual(['float32', [N, CLASSES]]);
    expectSame(read[2], blocks);
  });

  it('toNpz: numpy reads soft_labels beside x and y', async () => {
    const blocks = await mixed();
    const dir = tmp();
    await toNpz(from(blocks), { dir, split: 'test' });
    const script = "import numpy as np, json, sys\nf = np.load(sys.argv[1])\ns = f['soft_labels']\nprint(json.dumps([sorted(f.files), str(s.dtype), list(s.shape), s.ravel().tolist(), f['y'].tolist()]))";
    const [members, dtype, shape, soft, labels] = python(script, join(dir, 'test.npz')) as [string[], string, number[], number[], number[]];
    expect([members, dtype, shape]).toEqual([['soft_labels', 'x', 'y'], 'float32', [N, CLASSES]]);
    expectSame(soft, blocks);
    expect(labels).toEqual(blocks.flatMap((b) => Array.from(b.labels)));
    expect(readdirSync(dir)).toEqual(['test.npz']); // the soft labels' temporary is gone
  });

  it("toKerasNpz: numpy reads soft_labels_train (the test split, unmixed, has none)", async () => {
    const blocks = await mixed();
    const dir = tmp();
    await toKerasNpz({ train: from(blocks), test: mnist({ split: 'test' }).pipe(takeSamples(100)) }, { dir });
    const script = "import numpy as np, json, sys\nf = np.load(sys.argv[1])\nprint(json.dumps([sorted(f.files), f['soft_labels_train'].ravel().tolist()]))";
    const [members, soft] = python(script, join(dir, 'mnist.npz')) as [string[], number[]];
    expect(members).toEqual(['soft_labels_train', 'x_test', 'x_train', 'y_test', 'y_train']);
    expectSame(soft, blocks);
  });

  it('toWebDataset: each sample has <key>.soft.npy, which tarfile and numpy read', async () => {
    const blocks = await mixed();
    const dir = tmp();
    await toWebDataset(from(blocks), { dir, shardSize: 200 });
    const script = `
import tarfile, numpy as np, io, json, sys, glob
names, soft = [], []
for path in sorted(glob.glob(sys.argv[1] + '/shard-*.tar')):
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            names.append(m.name)
            if m.name.endswith('.soft.npy'):
                a = np.load(io.BytesIO(tar.extractfile(m).read()))
                assert a.dtype == np.float32 and a.shape == (10,), (a.dtype, a.shape)
                soft.extend(a.tolist())
print(json.dumps([names[:6], len(names), soft]))`;
    const [first, count, soft] = python(script, dir) as [string[], number, number[]];
    expect(first).toEqual(['000000000.png', '000000000.cls', '000000000.soft.npy', '000000001.png', '000000001.cls', '000000001.soft.npy']);
    expect(count).toBe(3 * N);
    expectSame(soft, blocks);
  });

  it('toHfParquet: parquet-wasm reads a soft_labels column of list<float>, and the features name it', async () => {
    const blocks = await mixed();
    const dir = tmp();
    await toHfParquet(from(blocks), { dir, split: 'test', rowGroupSize: 300 });
    const table = tableFromIPC(parquetWasm.readParquet(readFileSync(join(dir, 'data/test-00000-of-00001.parquet'))).intoIPCStream());
    expect(table.schema.fields.map((f) => f.name)).toEqual(['image', 'label', 'soft_labels']);
    expect(String(table.schema.fields[2].type)).toMatch(/^List<Float32>$/i);
    const soft: number[] = [];
    for (const row of table) soft.push(...Array.from(row.soft_labels as Iterable<number>));
    expectSame(soft, blocks);
    const features = JSON.parse(table.schema.metadata.get('huggingface')!) as { info: { features: Record<string, unknown> } };
    expect(features.info.features.soft_labels).toEqual({ feature: { dtype: 'float32', _type: 'Value' }, _type: 'Sequence' });
  });

  it('exportTo hf: the dataset card declares the soft_labels feature as datasets writes a Sequence of float32', async () => {
    const blocks = await mixed();
    const dir = join(tmp(), 'hf');
    await exportTo(from(blocks), { format: 'hf', dir, split: 'test' });
    const card = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(card).toContain("  - name: label\n    dtype:\n      class_label:");
    expect(card).toContain("  - name: soft_labels\n    sequence: float32\n  splits:");
    expect(card).toContain('- `soft_labels`: the share of each class');
    const plain = join(tmp(), 'hf');
    await exportTo(mnist({ split: 'test' }).pipe(takeSamples(10)), { format: 'hf', dir: plain, split: 'test' });
    expect(readFileSync(join(plain, 'README.md'), 'utf8')).not.toContain('soft_labels');
  });

  it('serve: the frames carry them to fromServer on 127.0.0.1', async () => {
    const blocks = await mixed();
    const server = await serve(() => from(blocks), { token: 't' });
    try {
      const got = await lastValueFrom(fromServer(`${server.url}/batches`, { token: 't' }).pipe(toArray()));
      expectSame(softOf(got), blocks);
    } finally {
      await server.close();
    }
  });
});
