import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { batch, BlockMismatchError, datasetEntry, DatasetNotFoundError, encodeFrame, gather, samples, medmnist, NpyFormatError, shuffleRows, type Block, type PublishedFiles } from '@idxflow/core/internal';
import { exportTo, toTensors, UnstorableFieldError } from '@idxflow/sinks';
import { python } from '../fixtures/python.js';
import { mixup } from '@idxflow/transforms';
import { md5, medmnistNpz, medSplit, npyBytes, sha256 } from '../fixtures/collections.js';
import { serveFiles, type FileServer } from '../fixtures/datasetServer.js';
import { zipArchive } from '../fixtures/zip.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-medmnist-'));
const all = (source: ReturnType<typeof medmnist>): Promise<Block<Uint8Array>[]> => lastValueFrom(source.pipe(toArray()));
const concat = (blocks: Block[], field: 'labels' | 'labelMatrix'): number[] => blocks.flatMap((b) => [...(b[field] ?? [])]);
const pixels = (blocks: Block[]): number[] => blocks.flatMap((b) => [...b.images]);

// PneumoniaMNIST's layout: labels (n, 1), two classes; splits of 5, 3 and 4 samples.
const pneumonia = { train: medSplit(1, 5, 28, 1, (i) => i % 2), val: medSplit(2, 3, 28, 1, (i) => (i + 1) % 2), test: medSplit(3, 4, 28, 1, () => 1) };
const pneumoniaNpz = medmnistNpz(pneumonia, 28, 1);
// ChestMNIST's layout: labels (n, 14) of 0/1 findings; sample 0 of each split has none.
const finding = (i: number, c: number): number => (i === 0 ? 0 : (i * 7 + c * 3) % 5 === 0 ? 1 : 0);
const chest = { train: medSplit(4, 6, 28, 14, finding), val: medSplit(5, 2, 28, 14, finding), test: medSplit(6, 3, 28, 14, finding) };
const chestNpz = medmnistNpz(chest, 28, 14, '<i8');

let server: FileServer;
let where: PublishedFiles;
beforeAll(async () => {
  server = await serveFiles({ '/zenodo/pneumoniamnist.npz': pneumoniaNpz, '/zenodo/chestmnist.npz': chestNpz });
  where = { id: 'medmnist', mirrors: [`${server.base}/zenodo/`] };
});
afterAll(() => server.close());

describe('medmnist()', () => {
  it('downloads a subset with its pinned SHA-256 and reads train, val and test as splits', async () => {
    const cacheDir = tmp();
    const file = { name: 'pneumoniamnist.npz', size: pneumoniaNpz.length, sha256: sha256(pneumoniaNpz) };
    for (const split of ['train', 'val', 'test'] as const) {
      const blocks = await all(medmnist({ subset: 'pneumoniamnist', split, cacheDir }, where, file));
      expect(blocks.every((b) => b.shape[1] === 28 && b.shape[2] === 28 && b.labelMatrix === undefined)).toBe(true);
      expect(concat(blocks, 'labels')).toEqual([...pneumonia[split].labels]);
      expect(pixels(blocks)).toEqual([...pneumonia[split].images]);
    }
    expect(server.requests.filter((r) => r === '/zenodo/pneumoniamnist.npz')).toHaveLength(1); // then from the cache
  });

  it("checks a download against MedMNIST's MD5 when no SHA-256 is published", async () => {
    const good = { name: 'pneumoniamnist.npz', size: 0, sha256: '', md5: md5(pneumoniaNpz) };
    const blocks = await all(medmnist({ subset: 'pneumoniamnist', split: 'val', cacheDir: tmp() }, where, good));
    expect(concat(blocks, 'labels')).toEqual([...pneumonia.val.labels]);
    const bad = { ...good, md5: '0'.repeat(32) };
    const error = await all(medmnist({ subset: 'pneumoniamnist', cacheDir: tmp() }, where, bad)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetNotFoundError);
    expect((error as Error).message).toContain(`expected MD5 ${'0'.repeat(32)}, found MD5 ${md5(pneumoniaNpz)}`);
  });

  it("carries ChestMNIST's 14 findings as a label matrix, through a shuffle and batches", async () => {
    const file = { name: 'chestmnist.npz', size: chestNpz.length, sha256: sha256(chestNpz) };
    const blocks = await all(medmnist({ subset: 'chestmnist', split: 'train', cacheDir: tmp() }, where, file));
    expect(concat(blocks, 'labelMatrix')).toEqual([...chest.train.labels]);
    const anyFinding = Array.from({ length: 6 }, (_, i) => (chest.train.labels.subarray(i * 14, (i + 1) * 14).includes(1) ? 1 : 0));
    expect(concat(blocks, 'labels')).toEqual(anyFinding);
    expect(anyFinding[0]).toBe(0);
    const each = await lastValueFrom(medmnist({ subset: 'chestmnist', split: 'train', cacheDir: tmp() }, where, file).pipe(samples(), toArray()));
    expect(each.flatMap((s) => [...s.labelRow!])).toEqual([...chest.train.labels]);
    const shuffled = await lastValueFrom(medmnist({ subset: 'chestmnist', split: 'train', cacheDir: tmp() }, where, file).pipe(shuffleRows({ seed: 3 }), batch(4), gather(), toArray()));
    for (const b of shuffled) {
      for (let i = 0; i < b.shape[0]; i++) expect([...b.labelMatrix!.subarray(i * 14, (i + 1) * 14)]).toEqual([...chest.train.labels.subarray(b.indices[i] * 14, (b.indices[i] + 1) * 14)]);
    }
  });

  it('exports the label matrix where the format keeps it (numpy reads it back) and refuses it elsewhere with an UnstorableFieldError, leaving nothing behind', async () => {
    const file = { name: 'chestmnist.npz', size: chestNpz.length, sha256: sha256(chestNpz) };
    const source = () => medmnist({ subset: 'chestmnist', split: 'test', cacheDir: tmp() }, where, file);
    const expected = Array.from({ length: 3 }, (_, i) => [...chest.test.labels.subarray(i * 14, (i + 1) * 14)]);
    const npz = join(tmp(), 'npz');
    await exportTo(source(), { format: 'npz', dir: npz, split: 'test' });
    const read = "import numpy as np, json, sys; f = np.load(sys.argv[1]); print(json.dumps([str(f['label_matrix'].dtype), f['label_matrix'].tolist()]))";
    expect(python(read, join(npz, 'test.npz'))).toEqual(['uint8', expected]);
    const npy = join(tmp(), 'npy');
    await exportTo(source(), { format: 'npy', dir: npy, split: 'test' });
    expect(python("import numpy as np, json, sys; print(json.dumps(np.load(sys.argv[1]).tolist()))", join(npy, 'test-label-matrix.npy'))).toEqual(expected);
    for (const format of ['wds', 'hf'] as const) await exportTo(source(), { format, dir: join(tmp(), format), split: 'test' });
    for (const format of ['idx', 'idx.gz', 'png'] as const) {
      const dir = join(tmp(), 'out');
      const error = await exportTo(source(), { format, dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UnstorableFieldError);
      const e = error as UnstorableFieldError;
      expect([e.code, e.sink, e.field, e.keptBy]).toEqual(['IDXFLOW_UNSTORABLE_FIELD', format, 'labelMatrix', ['npy', 'npz', 'wds', 'hf', 'toKerasNpz']]);
      expect(existsSync(dir)).toBe(false);
    }
  });

  it('is refused by the batch frame (serve), toTensors() and mixup() too, never dropped or left unmixed', async () => {
    const file = { name: 'chestmnist.npz', size: chestNpz.length, sha256: sha256(chestNpz) };
    const [block] = await all(medmnist({ subset: 'chestmnist', split: 'val', cacheDir: tmp() }, where, file));
    expect(() => encodeFrame(block)).toThrow(BlockMismatchError);
    expect(() => encodeFrame(block)).toThrow('a batch frame: expected images, labels, indices and soft labels (PROTOCOL.md), found a label matrix');
    const tensors = async (): Promise<void> => {
      for await (const _ of toTensors(medmnist({ subset: 'chestmnist', split: 'val', cacheDir: tmp() }, where, file))) void _;
    };
    const error = await tensors().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnstorableFieldError);
    expect((error as UnstorableFieldError).field).toBe('labelMatrix');
    const mixed = await lastValueFrom(medmnist({ subset: 'chestmnist', split: 'val', cacheDir: tmp() }, where, file).pipe(batch(2), mixup({ alpha: 0.2, classes: 2, seed: 1 }))).catch((e: unknown) => e);
    expect(mixed).toBeInstanceOf(BlockMismatchError);
    expect((mixed as Error).message).toContain('expected samples with one label each (their soft labels are mixed), found a label matrix (multi-label samples)');
  });

  it('reads a larger published size from a dir (<name>_64.npz), and the catalog names its classes', async () => {
    const dir = tmp();
    const big = { train: medSplit(7, 2, 64, 1, (i) => i * 3), val: medSplit(8, 1, 64, 1, () => 10), test: medSplit(9, 1, 64, 1, () => 0) };
    writeFileSync(join(dir, 'organamnist_64.npz'), medmnistNpz(big, 64, 1));
    const entry = datasetEntry('organamnist-64')!;
    const blocks = await all(entry.open({ split: 'val', dir }));
    expect(blocks[0].shape).toEqual([1, 64, 64]);
    expect([...blocks[0].images]).toEqual([...big.val.images]);
    expect(entry.classes[blocks[0].labels[0]]).toBe('spleen'); // label 10 in MedMNIST's INFO
    expect(entry.splits).toEqual(['train', 'val', 'test']);
    expect(datasetEntry('chestmnist')!.labelColumns).toHaveLength(14);
    expect(datasetEntry('tissuemnist')!.card.license).toBe('cc-by-4.0');
    expect(datasetEntry('tissuemnist')!.card.citation).toContain('MedMNIST v2');
  });

  it('refuses the RGB subsets in one line, and RGB images in a grey subset file', async () => {
    expect(() => medmnist({ subset: 'pathmnist' as never })).toThrow('Expected a grey MedMNIST subset but received pathmnist: its RGB subsets (pathmnist, dermamnist, retinamnist, bloodmnist) are not read, as Blocks have one grey channel');
    const dir = tmp();
    const rgb = zipArchive([
      { name: 'train_images.npy', data: npyBytes('|u1', [1, 28, 28, 3], new Uint8Array(28 * 28 * 3)) },
      { name: 'train_labels.npy', data: npyBytes('|u1', [1, 1], Uint8Array.of(0)) },
    ]);
    writeFileSync(join(dir, 'breastmnist.npz'), rgb);
    const error = await all(medmnist({ subset: 'breastmnist', dir })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NpyFormatError);
    expect((error as Error).message).toContain('train_images.npy at byte 10: expected grey images of shape (n, h, w)');
  });
});
