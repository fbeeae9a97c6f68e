import { lastValueFrom, take } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, mnist, shuffle } from '@idxflow/core';
import { slowSink } from '../fixtures/flow.js';

describe('flow control', () => {
  it('a 5 ms/block sink holds the file source to at most 3 batches ahead over 600 batches', async () => {
    const sink = slowSink(5);
    // 784 * 8 bytes per chunk: about 8 images per source block.
    await lastValueFrom(mnist({ split: 'train', chunkSize: 784 * 8 }).pipe(sink.produced, batch(8), take(600), sink.consume));
    await sink.idle();
    expect(sink.state.consumed).toBe(600 * 8);
    // The file source lets 2 chunks (8 images each) wait on holds, and batch() may hold
    // up to 7 more: at most 2 * 8 + 7 = 23 samples, under 3 batches of 8, ahead of the sink.
    expect(sink.state.maxOutstanding).toBeLessThanOrEqual(23);
  });

  it('shuffle emits an epoch no faster than the sink takes it', async () => {
    const sink = slowSink(5);
    await lastValueFrom(mnist({ split: 'test' }).pipe(shuffle({ seed: 3, blockSize: 16 }), sink.produced, take(520), sink.consume));
    await sink.idle();
    expect(sink.state.consumed).toBe(520 * 16);
    // shuffle's pump lets 2 blocks of 16 wait on holds.
    expect(sink.state.maxOutstanding).toBeLessThanOrEqual(2 * 16);
  });
});
