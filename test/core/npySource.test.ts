import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { DatasetMismatchError, loadBlock, npy, npz, NpyFormatError, type Block } from '@idxflow/core';
import { toKerasNpz, toNpy, toNpz } from '@idxflow/sinks';
import { syntheticBlock } from '../fixtures/blocks.js';
import { describeWithPython, PYTHON } from '../fixtures/python.js';

const same = (a: Block, b: Block): void => {
  expect(a.shape).toEqual(b.shape);
  expect(a.images.constructor).toBe(b.images.constructor);
  expect(Buffer.from(a.images.buffer, a.images.byteOffset, a.images.byteLength).equals(Buffer.from(b.images.buffer, b.images.byteOffset, b.images.byteLength))).toBe(true);
  expect([...a.labels]).toEqual([...b.labels]);
  expect([...a.indices]).toEqual([...b.indices]);
};

describe('the NPY and NPZ exports read back as sources', () => {
  const train = syntheticBlock(0, 37, 0, 5, 4);
  const test = syntheticBlock(0, 11, 0, 5, 4);
  const floats: Block<Float32Array> = { ...train, images: Float32Array.from(train.images, (v, i) => v / 255 - (i % 3) * 0.25) };

  it('toNpy uint8 and float32 files give back the blocks, whatever the chunk size', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-npy-src-'));
    await toNpy(of(train), { dir });
    same(await loadBlock(npy({ images: join(dir, 'train-images.npy'), labels: join(dir, 'train-labels.npy'), chunkSize: 7 })), train);
    const fdir = mkdtempSync(join(tmpdir(), 'idxflow-npy-f32-'));
    await toNpy(of(floats), { dir: fdir, split: 'test' });
    same(await loadBlock(npy({ images: join(fdir, 'test-images.npy'), labels: join(fdir, 'test-labels.npy') })), floats);
  });

  it("toNpz's x/y archive and toKerasNpz's mnist.npz (both splits) give back the blocks", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-npz-src-'));
    await toNpz(of(train), { dir });
    same(await loadBlock(npz({ path: join(dir, 'train.npz'), chunkSize: 100 })), train);
    const keras = mkdtempSync(join(tmpdir(), 'idxflow-keras-src-'));
    await toKerasNpz({ train: of(train), test: of(test) }, { dir: keras });
    same(await loadBlock(npz({ path: join(keras, 'mnist.npz'), split: 'train' })), train);
    same(await loadBlock(npz({ path: join(keras, 'mnist.npz'), split: 'test' })), test);
  });

  it('names the file, offset and expectation for a truncated array, a count mismatch and missing members', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-npy-bad-'));
    await toNpy(of(train), { dir });
    const { readFileSync } = await import('node:fs');
    const images = readFileSync(join(dir, 'train-images.npy'));
    writeFileSync(join(dir, 'short.npy'), images.subarray(0, images.length - 3));
    const short = await loadBlock(npy({ images: join(dir, 'short.npy'), labels: join(dir, 'train-labels.npy') })).catch((e: unknown) => e);
    expect(short).toBeInstanceOf(NpyFormatError);
    expect((short as Error).message).toBe(`${join(dir, 'short.npy')} at byte ${images.length - 3}: expected 37 records of 20 bytes after the 128-byte header, found the end of the data after 36 records (the file is truncated)`);
    await toNpy(of(test), { dir, split: 'test' });
    const mismatch = await loadBlock(npy({ images: join(dir, 'train-images.npy'), labels: join(dir, 'test-labels.npy') })).catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(DatasetMismatchError);
    await toNpz(of(train), { dir });
    const labelsAsImages = await loadBlock(npy({ images: join(dir, 'train-labels.npy'), labels: join(dir, 'train-labels.npy') })).catch((e: unknown) => e);
    expect((labelsAsImages as Error).message).toContain('expected images of shape (n, h, w) and dtype |u1 or <f4, found shape (37) of |u1');
  });

  it("refuses the header dicts numpy refuses: no closing brace, a key twice, a key of its own", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-npy-dict-'));
    await toNpy(of(train), { dir });
    const labels = join(dir, 'train-labels.npy');
    const body = new Uint8Array(37 * 20);
    const dicts = [
      "{'descr': '|u1', 'fortran_order': False, 'shape': (37, 5, 4), ",
      "{'descr': '|u1', 'descr': '<f8', 'fortran_order': False, 'shape': (37, 5, 4), }",
      "{'descr': '|u1', 'fortran_order': False, 'shape': (37, 5, 4), 'extra': 1, }",
    ];
    for (const [k, dict] of dicts.entries()) {
      // An NPY 1.0 header by the format's spec: magic, version, u16 length, the dict padded to 64 bytes with '\n' last.
      const text = dict.padEnd(128 - 10 - 1) + '\n';
      const file = join(dir, `bad-${k}.npy`);
      writeFileSync(file, Buffer.concat([Buffer.from([0x93, ...Buffer.from('NUMPY'), 1, 0, text.length, 0]), Buffer.from(text, 'latin1'), body]));
      const error = await loadBlock(npy({ images: file, labels })).catch((e: unknown) => e);
      expect(error, dict).toBeInstanceOf(NpyFormatError);
      expect((error as Error).message, dict).toBe(`${file} at byte 10: expected one header dict with the keys 'descr', 'fortran_order' and 'shape', each once, found ${JSON.stringify(dict.trim())}`);
    }
  });
});

describeWithPython(['numpy'], 'archives numpy wrote', () => {
  it('reads numpy.savez_compressed (deflated members) and int64 labels', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'idxflow-npz-numpy-'));
    const script = `import numpy as np, sys
x = (np.arange(6 * 3 * 2) * 7 % 256).astype(np.uint8).reshape(6, 3, 2)
np.savez_compressed(sys.argv[1], x_train=x, y_train=np.arange(6, dtype=np.int64) % 10, x_test=x[:2], y_test=np.array([9, 8], dtype=np.int64))`;
    const r = spawnSync(PYTHON, ['-c', script, join(dir, 'mnist.npz')], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const block = await loadBlock(npz({ path: join(dir, 'mnist.npz'), split: 'train' }));
    expect(block.shape).toEqual([6, 3, 2]);
    expect([...block.images]).toEqual(Array.from({ length: 36 }, (_, i) => (i * 7) % 256));
    expect([...block.labels]).toEqual([0, 1, 2, 3, 4, 5]);
    expect([...(await loadBlock(npz({ path: join(dir, 'mnist.npz'), split: 'test' }))).labels]).toEqual([9, 8]);
  });
});
