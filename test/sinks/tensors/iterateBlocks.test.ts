import { concat, finalize, from, map, tap, throwError } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, mnist, type Block } from '@idxflow/core';
import { iterateBlocks, toTensors } from '../../../packages/sinks/src/tensors/index.js';
import { syntheticBlocks } from '../../fixtures/blocks.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The MNIST test set in batches of 8, counting samples produced at the file source; the test
 * adds to `consumed`. 784 * 8 bytes per chunk: about 8 images per source block.
 */
function countedSource() {
  const count = { produced: 0, consumed: 0, maxAhead: 0 };
  const source = mnist({ split: 'test', chunkSize: 784 * 8 }).pipe(
    tap((block: Block) => {
      count.produced += block.shape[0];
      count.maxAhead = Math.max(count.maxAhead, count.produced - count.consumed);
    }),
    batch(8),
  );
  return { source, count };
}

describe('iterateBlocks / toTensors flow control', () => {
  it('a consumer taking 5 ms per batch keeps the file source at most 39 samples ahead over 300 batches', async () => {
    const { source, count } = countedSource();
    for await (const { shape } of toTensors(source)) {
      count.consumed += shape[0];
      await sleep(5);
      if (count.consumed === 300 * 8) break;
    }
    const { consumed, produced, maxAhead } = count;
    expect(consumed).toBe(2400);
    // Ahead of the consumer: 2 batches queued, plus one more from the file source's second
    // pending emission (its window is 2), plus up to 7 samples waiting in batch(): 3 * 8 + 7
    // = 31; the 16-byte IDX header shifts chunks so one emission may complete a second
    // batch: 39. Without the hold, all 10,000 test images would be produced at once.
    expect(maxAhead).toBeLessThanOrEqual(39);
    expect(produced).toBeLessThan(2400 + 40);
  });

  it('a queue of one block (ahead = 1) holds the source closer', async () => {
    const { source, count } = countedSource();
    for await (const block of iterateBlocks(source, 1)) {
      count.consumed += block.shape[0];
      await sleep(2);
      if (count.consumed === 100 * 8) break;
    }
    const { maxAhead } = count;
    // One queued, one more from the source's second pending emission, 7 in batch(), and a
    // second batch that one shifted chunk may complete: 3 * 8 + 7 = 31.
    expect(maxAhead).toBeLessThanOrEqual(31);
  });

  it('breaking out of the loop unsubscribes the pipeline', async () => {
    let finalized = 0;
    let seen = 0;
    const source = mnist({ split: 'test' }).pipe(
      batch(100),
      finalize(() => finalized++),
    );
    for await (const { x } of toTensors(source)) {
      expect(x.length).toBe(100 * 784);
      if (++seen === 3) break;
    }
    expect(seen).toBe(3);
    expect(finalized).toBe(1);
  });

  it('runs the pipeline afresh for each loop and only when the loop starts', async () => {
    let subscribed = 0;
    const source = from(syntheticBlocks(20, [5])).pipe(tap({ subscribe: () => subscribed++ }));
    const batches = toTensors(source);
    expect(subscribed).toBe(0);
    for (let pass = 1; pass <= 2; pass++) {
      let n = 0;
      for await (const { shape } of batches) n += shape[0];
      expect(n).toBe(20);
      expect(subscribed).toBe(pass);
    }
  });

  it('throws a synchronous pipeline error after the blocks emitted before it', async () => {
    const blocks = syntheticBlocks(12, [4]);
    const source = concat(from(blocks), throwError(() => new Error('boom')));
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const { indices } of toTensors(source)) seen.push(...indices);
      })(),
    ).rejects.toThrow('boom');
    expect(seen).toEqual([...Array(12).keys()]);
  });

  it('throws an error raised mid-stream by an asynchronous pipeline, and unsubscribes it', async () => {
    let finalized = 0;
    const source = mnist({ split: 'test' }).pipe(
      batch(100),
      map((block, i) => {
        if (i === 5) throw new Error('bad batch 5');
        return block;
      }),
      finalize(() => finalized++),
    );
    let seen = 0;
    await expect(
      (async () => {
        for await (const block of iterateBlocks(source)) seen += block.shape[0];
      })(),
    ).rejects.toThrow('bad batch 5');
    expect(seen).toBe(500);
    expect(finalized).toBe(1);
  });

  it('an error thrown by the consumer unsubscribes the pipeline', async () => {
    let finalized = 0;
    const source = mnist({ split: 'test' }).pipe(
      batch(100),
      finalize(() => finalized++),
    );
    await expect(
      (async () => {
        for await (const _ of toTensors(source)) throw new Error('training step failed');
      })(),
    ).rejects.toThrow('training step failed');
    expect(finalized).toBe(1);
  });

  it('validates ahead when called', () => {
    expect(() => iterateBlocks(from([]), 0)).toThrow('Expected integer >= 1 for ahead but received 0 of type number');
  });
});
