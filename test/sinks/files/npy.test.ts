import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { concat, from, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { idx, type Block } from '@idxflow/core';
import { ExportCountError, npyHeader, toNpy } from '../../../packages/sinks/src/files/index.js';
import { mnistTest, parseNpy, randomDataset, tmp } from './fixtures.js';

describe('toNpy', () => {
  it('writes <split>-images.npy and <split>-labels.npy for 37 images in blocks of 5, 7 and 25', async () => {
    const { blocks, images, labels } = randomDataset(37, [5, 7, 25]);
    const dir = tmp();
    const summary = await toNpy(from(blocks), { dir });
    expect(readdirSync(dir).sort()).toEqual(['train-images.npy', 'train-labels.npy']);
    const x = parseNpy(readFileSync(join(dir, 'train-images.npy')));
    const y = parseNpy(readFileSync(join(dir, 'train-labels.npy')));
    expect([x.descr, x.shape, y.descr, y.shape]).toEqual(['|u1', [37, 28, 28], '|u1', [37]]);
    expect(Buffer.from(x.body).equals(images as Uint8Array)).toBe(true);
    expect(Buffer.from(y.body).equals(labels)).toBe(true);
    expect(summary).toMatchObject({ count: 37, shape: [28, 28], dtype: 'uint8' });
  });

  it('writes float32 blocks as <f4 in little-endian order', async () => {
    const { blocks, images } = randomDataset(37, [5, 7, 25], { float: true, height: 4, width: 6 });
    const dir = tmp();
    await toNpy(from(blocks), { dir, split: 'test' });
    const x = parseNpy(readFileSync(join(dir, 'test-images.npy')));
    expect([x.descr, x.shape]).toEqual(['<f4', [37, 4, 6]]);
    const view = new DataView(x.body.buffer, x.body.byteOffset, x.body.byteLength);
    expect(Array.from({ length: 37 * 24 }, (_, i) => view.getFloat32(4 * i, true))).toEqual(Array.from(images));
  });

  it('patches the count into a header of the same size as with the count known up front', async () => {
    const { blocks } = randomDataset(37, [5, 7, 25]);
    const patched = tmp();
    const known = tmp();
    await toNpy(from(blocks), { dir: patched });
    await toNpy(from(blocks), { dir: known, expectedCount: 37 });
    expect(readFileSync(join(patched, 'train-images.npy')).equals(readFileSync(join(known, 'train-images.npy')))).toBe(true);
    // The header leaves room for a 21-digit count, as numpy does: the length never changes.
    const sizes = [0, 7, 60000, 8_100_000, 4294967295].map((n) => npyHeader('|u1', [n, 28, 28]).length);
    expect(new Set(sizes).size).toBe(1);
    expect(parseNpy(npyHeader('<f4', [4294967295, 28, 28])).shape).toEqual([4294967295, 28, 28]);
  });

  it('writes the real MNIST test set (its bytes after the IDX header)', async () => {
    const mnist = mnistTest();
    const dir = tmp();
    await toNpy(idx({ images: mnist.imagesFile, labels: mnist.labelsFile }), { dir, split: 'test', expectedCount: 10000 });
    const x = parseNpy(readFileSync(join(dir, 'test-images.npy')));
    const y = parseNpy(readFileSync(join(dir, 'test-labels.npy')));
    expect([x.shape, y.shape]).toEqual([[10000, 28, 28], [10000]]);
    expect(Buffer.from(x.body).equals(mnist.images)).toBe(true);
    expect(Buffer.from(y.body).equals(mnist.labels)).toBe(true);
  });

  it('writes arrays of shape (0, 0, 0) and (0,) for an empty pipeline', async () => {
    const dir = tmp();
    await toNpy(from([] as Block[]), { dir });
    expect(parseNpy(readFileSync(join(dir, 'train-images.npy'))).shape).toEqual([0, 0, 0]);
    expect(parseNpy(readFileSync(join(dir, 'train-labels.npy'))).shape).toEqual([0]);
  });

  it('leaves nothing behind on a count mismatch, a pipeline error or an abort', async () => {
    const { blocks } = randomDataset(37, [5, 7, 25]);
    const dir = tmp();
    await expect(toNpy(from(blocks), { dir, expectedCount: 40 })).rejects.toBeInstanceOf(ExportCountError);
    await expect(toNpy(concat(from(blocks), throwError(() => new Error('bad chunk'))), { dir })).rejects.toThrow('bad chunk');
    const controller = new AbortController();
    const stopped = toNpy(from(blocks), { dir, signal: controller.signal, onProgress: (n) => n >= 5 && controller.abort(new Error('stop here')) });
    await expect(stopped).rejects.toThrow('stop here');
    expect(readdirSync(dir)).toEqual([]);
  });
});
