// The sink contract for the label fields datasets carry: a label matrix (ChestMNIST's 14 findings
// per image) and class ids (Kuzushiji-Kanji's 3,832 classes, past a byte). Each sink stores them,
// read back by a reader of its own (numpy, Python's tarfile, parquet-wasm), or refuses them with
// an UnstorableFieldError naming the field and the sinks that keep it, leaving nothing behind.
// The blocks are built here, their values from a formula, not from a reader of idxflow's.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromServer, type Block } from '@idxflow/core';
import { mixup } from '@idxflow/transforms';
import * as parquetWasm from 'parquet-wasm';
import { tableFromIPC } from 'apache-arrow';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { exportTo, OPTIONAL_FIELDS, SINK_STORES, sinksStoring, toIdx, toNpy, toNpz, toPngFolder, toTensors, toWebDataset, UnstorableFieldError, type SinkName } from '../../packages/sinks/src/index.js';
import { serve } from '../../packages/sinks/src/network/index.js';
import { toHfParquet, toKerasNpz } from '../../packages/sinks/src/internal.js';
import { toTfDataset } from '../../packages/sinks/src/tfjs.js';
import * as tf from '@tensorflow/tfjs';
import { python } from '../fixtures/python.js';
import { tmp } from './files/fixtures.js';

const N = 30;
const SIDE = 8;
const COLUMNS = 14;

/** Sample i's finding c: a pattern of 0s and 1s that varies by row and column. */
const finding = (i: number, c: number): number => ((i * 7 + c * 3) % 5 < 2 ? 1 : 0);
/** Sample i's class id, spread over Kanji's 3,832 classes (past 255 and 65535 / 2). */
const classId = (i: number): number => (i * 977 + 13) % 3832;

/** Blocks of 10 samples of 8 x 8 pixels, with the label matrix or the class ids (labels as the datasets give them). */
function blocks(field: 'labelMatrix' | 'classIds'): Block[] {
  return [0, 10, 20].map((first) => {
    const images = Uint8Array.from({ length: 10 * SIDE * SIDE }, (_, p) => (first * 64 + p) % 251);
    const rows = Array.from({ length: 10 }, (_, k) => first + k);
    const base = { images, indices: Uint32Array.from(rows), epoch: 0, shape: [10, SIDE, SIDE] as const };
    if (field === 'classIds') return { ...base, labels: new Uint8Array(10), classIds: Uint16Array.from(rows, classId) };
    const labelMatrix = Uint8Array.from(rows.flatMap((i) => Array.from({ length: COLUMNS }, (_, c) => finding(i, c))));
    return { ...base, labels: Uint8Array.from(rows, (i) => (labelMatrix.subarray((i - first) * COLUMNS, (i - first + 1) * COLUMNS).includes(1) ? 1 : 0)), labelMatrix };
  });
}

/** The expected matrix, row after row, and the expected class ids. */
const MATRIX = Array.from({ length: N }, (_, i) => Array.from({ length: COLUMNS }, (_, c) => finding(i, c)));
const IDS = Array.from({ length: N }, (_, i) => classId(i));

// The sinks that keep each field, written out by hand from the formats' descriptions.
const KEEP_MATRIX = ['npy', 'npz', 'wds', 'hf', 'toKerasNpz'];
const KEEP_IDS = ['npy', 'npz', 'png', 'wds', 'hf', 'toKerasNpz', 'toTensors'];

/** The refusal of a sink: the typed error, its code, the field and the sinks that keep it named, and nothing left in `dir`. */
async function expectRefused(run: Promise<unknown>, sink: SinkName, field: 'labelMatrix' | 'classIds', dir?: string): Promise<void> {
  const error = await run.catch((e: unknown) => e);
  expect(error).toBeInstanceOf(UnstorableFieldError);
  const e = error as UnstorableFieldError;
  expect([e.code, e.sink, e.field]).toEqual(['IDXFLOW_UNSTORABLE_FIELD', sink, field]);
  const keptBy = field === 'labelMatrix' ? KEEP_MATRIX : KEEP_IDS;
  expect(e.keptBy).toEqual(keptBy);
  expect(e.message).toContain(field === 'labelMatrix' ? 'labelMatrix (14 per sample, of a multi-label dataset such as chestmnist)' : 'classIds (1 per sample, of a dataset of more than 256 classes');
  expect(e.message).toContain(`which ${sink} cannot store: ${keptBy.join(', ')} keep ${field}`);
  if (dir !== undefined) expect(readdirSync(dir)).toEqual([]);
}

const drain = async (iterable: AsyncIterable<unknown>): Promise<void> => {
  for await (const _ of iterable) void _;
};

describe('the contract table', () => {
  it('lists the label matrix and class ids as optional fields, kept by the sinks named', () => {
    expect(OPTIONAL_FIELDS).toEqual(['softLabels', 'labelMatrix', 'classIds', 'tasks']);
    expect(sinksStoring('labelMatrix')).toEqual(KEEP_MATRIX);
    expect(sinksStoring('classIds')).toEqual(KEEP_IDS);
    expect(SINK_STORES.serve.has('labelMatrix') || SINK_STORES.serve.has('classIds')).toBe(false);
  });
});

describe('sinks that refuse them', () => {
  it('toIdx (idx and idx.gz) refuses both, before writing anything', async () => {
    for (const field of ['labelMatrix', 'classIds'] as const) {
      const dir = tmp();
      await expectRefused(toIdx(from(blocks(field)), { dir }), 'idx', field, dir);
      await expectRefused(toIdx(from(blocks(field)), { dir, gzip: true }), 'idx.gz', field, dir);
    }
  });

  it('exportTo png refuses the label matrix and leaves no folder', async () => {
    const dir = tmp();
    await expectRefused(toPngFolder(from(blocks('labelMatrix')), { dir }), 'png', 'labelMatrix', dir);
    const out = join(tmp(), 'png');
    await expectRefused(exportTo(from(blocks('labelMatrix')), { format: 'png', dir: out }), 'png', 'labelMatrix');
    expect(() => readdirSync(out)).toThrow(/ENOENT/);
  });

  it('toTensors refuses the label matrix, and with oneHot both; toTfDataset and serve refuse both', async () => {
    await expectRefused(drain(toTensors(from(blocks('labelMatrix')))), 'toTensors', 'labelMatrix');
    await expectRefused(drain(toTensors(from(blocks('labelMatrix')), { oneHot: true })), 'toTensors(oneHot)', 'labelMatrix');
    await expectRefused(drain(toTensors(from(blocks('classIds')), { oneHot: true, classes: 3832 })), 'toTensors(oneHot)', 'classIds');
    for (const field of ['labelMatrix', 'classIds'] as const) {
      const dataset = await toTfDataset(from(blocks(field)), { tf, classes: 3832 });
      await expectRefused(dataset.forEachAsync(() => undefined), 'toTfDataset', field);
    }
    for (const field of ['labelMatrix', 'classIds'] as const) {
      const server = await serve(() => from(blocks(field)), { token: 't' });
      try {
        const error = await lastValueFrom(fromServer(`${server.url}/batches`, { token: 't' }).pipe(toArray())).catch((e: unknown) => e);
        expect(String((error as Error).message)).toContain(`${field} (`);
        expect(String((error as Error).message)).toContain('which serve cannot store');
      } finally {
        await server.close();
      }
    }
  });

  it('mixup() refuses both with a typed error that names them', async () => {
    for (const field of ['labelMatrix', 'classIds'] as const) {
      const error = await lastValueFrom(from(blocks(field)).pipe(mixup({ alpha: 0.2, seed: 1 }), toArray())).catch((e: unknown) => e);
      expect((error as { code?: string }).code).toBe('IDXFLOW_BLOCK_MISMATCH');
      expect((error as Error).message).toContain(field === 'labelMatrix' ? 'a label matrix' : 'class ids');
    }
  });
});

describe('sinks that store them, read back by other readers', () => {
  it('toNpy: numpy reads <split>-label-matrix.npy (uint8, n x 14) and <split>-class-ids.npy (uint16)', async () => {
    const [m, k] = [tmp(), tmp()];
    await toNpy(from(blocks('labelMatrix')), { dir: m, split: 'test' });
    await toNpy(from(blocks('classIds')), { dir: k, split: 'test' });
    const script = 'import numpy as np, json, sys; a = np.load(sys.argv[1]); print(json.dumps([str(a.dtype), list(a.shape), a.tolist()]))';
    expect(python(script, join(m, 'test-label-matrix.npy'))).toEqual(['uint8', [N, COLUMNS], MATRIX]);
    expect(python(script, join(k, 'test-class-ids.npy'))).toEqual(['uint16', [N], IDS]);
    expect(readdirSync(m).sort()).toEqual(['test-images.npy', 'test-label-matrix.npy', 'test-labels.npy']);
    expect(readdirSync(k).sort()).toEqual(['test-class-ids.npy', 'test-images.npy', 'test-labels.npy']);
  });

  it('toNpz: numpy reads label_matrix (as MedMNIST names its labels) and class_ids beside x and y', async () => {
    const [m, k] = [tmp(), tmp()];
    await toNpz(from(blocks('labelMatrix')), { dir: m, split: 'train' });
    await toNpz(from(blocks('classIds')), { dir: k, split: 'train' });
    const script = "import numpy as np, json, sys\nf = np.load(sys.argv[1])\na = f[sys.argv[2]]\nprint(json.dumps([sorted(f.files), str(a.dtype), a.tolist()]))";
    expect(python(script, join(m, 'train.npz'), 'label_matrix')).toEqual([['label_matrix', 'x', 'y'], 'uint8', MATRIX]);
    expect(python(script, join(k, 'train.npz'), 'class_ids')).toEqual([['class_ids', 'x', 'y'], 'uint16', IDS]);
    expect(readdirSync(m)).toEqual(['train.npz']); // the temporaries are gone
  });

  it('toKerasNpz: numpy reads label_matrix_train and label_matrix_test', async () => {
    const dir = tmp();
    await toKerasNpz({ train: from(blocks('labelMatrix')), test: from(blocks('labelMatrix')) }, { dir });
    const script = "import numpy as np, json, sys\nf = np.load(sys.argv[1])\nprint(json.dumps([sorted(f.files), f['label_matrix_train'].tolist(), f['label_matrix_test'].tolist()]))";
    expect(python(script, join(dir, 'mnist.npz'))).toEqual([['label_matrix_test', 'label_matrix_train', 'x_test', 'x_train', 'y_test', 'y_train'], MATRIX, MATRIX]);
  });

  it('toWebDataset: tarfile and numpy read <key>.labels.npy, and <key>.cls holds the class id', async () => {
    const [m, k] = [tmp(), tmp()];
    await toWebDataset(from(blocks('labelMatrix')), { dir: m, shardSize: 20 });
    await toWebDataset(from(blocks('classIds')), { dir: k, shardSize: 20 });
    const script = `
import tarfile, numpy as np, io, json, sys, glob
names, rows, cls = [], [], []
for path in sorted(glob.glob(sys.argv[1] + '/shard-*.tar')):
    with tarfile.open(path) as tar:
        for m in tar.getmembers():
            names.append(m.name)
            data = tar.extractfile(m).read()
            if m.name.endswith('.labels.npy'):
                a = np.load(io.BytesIO(data))
                assert a.dtype == np.uint8 and a.shape == (14,), (a.dtype, a.shape)
                rows.append(a.tolist())
            if m.name.endswith('.cls'):
                cls.append(int(data))
print(json.dumps([names[:3], len(names), rows, cls]))`;
    const [first, count, rows] = python(script, m) as [string[], number, number[][]];
    expect(first).toEqual(['000000000.png', '000000000.cls', '000000000.labels.npy']);
    expect(count).toBe(3 * N);
    expect(rows).toEqual(MATRIX);
    const [, idCount, , cls] = python(script, k) as [string[], number, number[][], number[]];
    expect(idCount).toBe(2 * N);
    expect(cls).toEqual(IDS);
  });

  it('toHfParquet: parquet-wasm reads label_matrix as list<uint8>, and label as the class id', async () => {
    const [m, k] = [tmp(), tmp()];
    await toHfParquet(from(blocks('labelMatrix')), { dir: m, split: 'train', rowGroupSize: 20 });
    await toHfParquet(from(blocks('classIds')), { dir: k, split: 'train', classes: Array.from({ length: 3832 }, (_, c) => `U+${(0x4e00 + c).toString(16).toUpperCase()}`) });
    const read = (dir: string) => tableFromIPC(parquetWasm.readParquet(readFileSync(join(dir, 'data/train-00000-of-00001.parquet'))).intoIPCStream());
    const matrix = read(m);
    expect(matrix.schema.fields.map((f) => f.name)).toEqual(['image', 'label', 'label_matrix']);
    expect(String(matrix.schema.fields[2].type)).toMatch(/^List<Uint8>$/i);
    expect([...matrix].map((row) => Array.from(row.label_matrix as Iterable<number>))).toEqual(MATRIX);
    const features = JSON.parse(matrix.schema.metadata.get('huggingface')!) as { info: { features: Record<string, unknown> } };
    expect(features.info.features.label_matrix).toEqual({ feature: { dtype: 'uint8', _type: 'Value' }, _type: 'Sequence' });
    const ids = read(k);
    expect([...ids].map((row) => Number(row.label))).toEqual(IDS);
    const names = (JSON.parse(ids.schema.metadata.get('huggingface')!) as { info: { features: { label: { names: string[] } } } }).info.features.label.names;
    expect([names.length, names[3831]]).toEqual([3832, 'U+5CF7']) // 0x4e00 + 3831;
  });

  it('exportTo hf: the card declares label_matrix as a Sequence of uint8', async () => {
    const dir = join(tmp(), 'hf');
    await exportTo(from(blocks('labelMatrix')), { format: 'hf', dir, split: 'train' });
    const card = readFileSync(join(dir, 'README.md'), 'utf8');
    expect(card).toContain('  - name: label_matrix\n    sequence: uint8\n  splits:');
    expect(card).toContain('- `label_matrix`: the multi-label targets');
  });

  it('toPngFolder: class ids name the folders and labels.csv', async () => {
    const dir = tmp();
    await toPngFolder(from(blocks('classIds')), { dir });
    expect(readdirSync(dir).filter((f) => /^\d+$/.test(f)).map(Number).sort((a, b) => a - b)).toEqual([...new Set(IDS)].sort((a, b) => a - b));
    const rows = readFileSync(join(dir, 'labels.csv'), 'utf8').trim().split('\n').slice(1).map((line) => line.split(','));
    expect(rows.map((r) => Number(r[1]))).toEqual(IDS);
    expect(rows[1][0]).toBe(`${IDS[1]}/00000001.png`);
  });

  it('toTensors: y holds the class ids', async () => {
    const ys: number[] = [];
    for await (const { y } of toTensors(from(blocks('classIds')))) ys.push(...y);
    expect(ys).toEqual(IDS);
  });
});
