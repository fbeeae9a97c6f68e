// The NPY export of soft labels (after mixup()/cutmix()): <split>-soft-labels.npy, float32
// (n, classes), as numpy reads it; and refused mixtures of blocks with and without them.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { concat, from, lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, BlockMismatchError, mnist, type Block } from '@idxflow/core';
import { cutmix, mixup } from '@idxflow/transforms';
import { exportTo, toNpy } from '../../../packages/sinks/src/files/index.js';
import { describeWithPython, python } from '../../fixtures/python.js';
import { parseNpy, tmp } from './fixtures.js';

/** The MNIST test set in batches of 100, mixed: soft labels of 10 classes. */
const mixed = (): Promise<Block[]> => lastValueFrom(mnist({ split: 'test' }).pipe(batch(100), cutmix({ seed: 2 }), mixup({ alpha: 0.3, seed: 2 }), toArray()));

/** All blocks' soft labels end to end. */
function joined(blocks: Block[]): Float32Array {
  const out = new Float32Array(blocks.reduce((n, b) => n + b.softLabels!.length, 0));
  let at = 0;
  for (const b of blocks) {
    out.set(b.softLabels!, at);
    at += b.softLabels!.length;
  }
  return out;
}

describe('toNpy with soft labels', () => {
  it('writes <split>-soft-labels.npy (float32, (n, classes)) beside the images and labels, count patched or known', async () => {
    const blocks = await mixed();
    for (const expectedCount of [undefined, 10000]) {
      const dir = tmp();
      const summary = await toNpy(from(blocks), { dir, split: 'test', expectedCount });
      expect(readdirSync(dir).sort()).toEqual(['test-images.npy', 'test-labels.npy', 'test-soft-labels.npy']);
      expect(summary.files.map((f) => f.name)).toEqual(['test-images.npy', 'test-labels.npy', 'test-soft-labels.npy']);
      const soft = parseNpy(readFileSync(join(dir, 'test-soft-labels.npy')));
      expect([soft.descr, soft.shape]).toEqual(['<f4', [10000, 10]]);
      expect(Buffer.from(soft.body).equals(Buffer.from(joined(blocks).buffer))).toBe(true);
    }
  });

  it('writes no soft-label file for blocks without them, and exportTo lists it in the manifest when there is one', async () => {
    const plain = tmp();
    await toNpy(mnist({ split: 'test' }), { dir: plain });
    expect(readdirSync(plain).sort()).toEqual(['train-images.npy', 'train-labels.npy']);
    const dir = tmp();
    await exportTo(from(await mixed()), { format: 'npy', dir });
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { files: { name: string }[] };
    expect(manifest.files.map((f) => f.name)).toContain('train-soft-labels.npy');
  });

  it('refuses blocks with and without soft labels in one export, leaving no file behind', async () => {
    const blocks = await mixed();
    const [plain] = await lastValueFrom(mnist({ split: 'test' }).pipe(batch(100), toArray()));
    const dir = tmp();
    const error = await toNpy(concat(from(blocks.slice(0, 3)), of(plain)), { dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BlockMismatchError);
    expect((error as Error).message).toContain('expected samples of 28 x 28 uint8 after 2 random stages with soft labels of 10 classes');
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(join(dir, 'train-soft-labels.npy'))).toBe(false);
  });
});

describeWithPython(['numpy'], 'numpy reads the soft labels', () => {
  it('numpy.load gives (10000, 10) float32 rows summing to 1, the blocks\' own values', async () => {
    const blocks = await mixed();
    const dir = tmp();
    await toNpy(from(blocks), { dir, split: 'test' });
    const script = `
import numpy as np, json, sys
s = np.load(sys.argv[1] + '/test-soft-labels.npy')
print(json.dumps({'shape': list(s.shape), 'dtype': str(s.dtype), 'sum_error': float(np.abs(s.sum(1) - 1).max()), 'first': s[:3].tolist()}))`;
    const read = python(script, dir) as { shape: number[]; dtype: string; sum_error: number; first: number[][] };
    expect([read.shape, read.dtype]).toEqual([[10000, 10], 'float32']);
    expect(read.sum_error).toBeLessThan(1e-6);
    expect(read.first.flat()).toEqual(Array.from(blocks[0].softLabels!.subarray(0, 30)));
  });
});
