// The file sinks hold their source (core's flow.ts) so that memory stays bounded whatever the
// speed of the disk: measured as samples emitted by the source but not yet reported written.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { map, tap } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { decodeIdx, fromBytes, type Block } from '@idxflow/core';
import { toWebDataset as toWebDatasetBuilt } from '@idxflow/sinks';
import { toNpy, toPngFolder } from '../../../packages/sinks/src/files/index.js';
import { countedSource, mnistTest, parseNpy, randomDataset, tmp } from './fixtures.js';

describe('flow control of the file sinks', () => {
  it('toNpy keeps at most the producer window (2 blocks of 10) ahead over 1000 samples', async () => {
    const { blocks, images } = randomDataset(1000, [10], { height: 8, width: 8 });
    const { source, state, onProgress } = countedSource(blocks, 2);
    const dir = tmp();
    await toNpy(source, { dir, onProgress });
    // Without holds every block would be emitted before the first write finished (1000 ahead).
    expect(state.maxAhead).toBeLessThanOrEqual(20);
    expect(state.written).toBe(1000);
    expect(Buffer.from(parseNpy(readFileSync(join(dir, 'train-images.npy'))).body).equals(images as Uint8Array)).toBe(true);
  });

  it('toNpy holds a byte source of the real MNIST test set to two chunks of 8 images', async () => {
    const mnist = mnistTest();
    const state = { produced: 0, written: 0, maxAhead: 0 };
    // fromBytes reads nothing from disk: without holds it would emit all 10,000 images at once.
    const source = fromBytes(readFileSync(mnist.imagesFile), { chunkSize: 784 * 8, window: 2 }).pipe(
      decodeIdx({ type: 'u8', ndims: 3 }),
      map(({ header, first, count, data }): Block => ({
        images: data as Uint8Array,
        labels: mnist.labels.subarray(first, first + count),
        indices: Uint32Array.from({ length: count }, (_, i) => first + i),
        epoch: 0,
        shape: [count, header.dims[1], header.dims[2]],
      })),
      tap((block) => {
        state.produced += block.shape[0];
        state.maxAhead = Math.max(state.maxAhead, state.produced - state.written);
      }),
    );
    const dir = tmp();
    await toNpy(source, { dir, onProgress: (n) => void (state.written = n) });
    expect(state.written).toBe(10000);
    // The source lets 2 chunks wait on holds; a chunk holds at most 8 whole images.
    expect(state.maxAhead).toBeLessThanOrEqual(16);
    expect(Buffer.from(parseNpy(readFileSync(join(dir, 'train-images.npy'))).body).equals(mnist.images)).toBe(true);
  });

  it('toPngFolder (PNGs encoded on the main thread) keeps at most the producer window of blocks ahead', async () => {
    const { blocks } = randomDataset(60, [5], { height: 6, width: 5 });
    const { source, state, onProgress } = countedSource(blocks, 2);
    await toPngFolder(source, { dir: tmp(), concurrency: 3, onProgress });
    expect(state.written).toBe(60);
    // A block is written whole before its emission is released: 2 blocks of 5 wait at most.
    expect(state.maxAhead).toBeLessThanOrEqual(2 * 5);
  });

  it('toWebDataset with 2 PNG workers keeps the producer window plus the pool window ahead', async () => {
    const { blocks } = randomDataset(200, [4], { height: 6, width: 5 });
    const { source, state, onProgress } = countedSource(blocks, 2);
    await toWebDatasetBuilt(source, { dir: tmp(), workers: 2, shardSize: 32, onProgress });
    expect(state.written).toBe(200);
    // The pool holds at most 4 tasks per worker (one block each), the producer 2 more emissions.
    expect(state.maxAhead).toBeLessThanOrEqual((2 * 4 + 2) * 4);
  });
});
