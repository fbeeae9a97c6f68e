import { from, lastValueFrom, map, of, toArray, type Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { batch, epochs, gather, gatherRows, mnist, permutation, RandomStage, samples, shard, shuffle, shuffleRows, shuffleWindow, type Block } from '@idxflow/core/internal';
import { joinBlocks, syntheticBlock, syntheticBlocks } from '../fixtures/blocks.js';
import { slowSink } from '../fixtures/flow.js';

const run = <T>(source: Observable<T>): Promise<T[]> => lastValueFrom(source.pipe(toArray()));
const sizes = (blocks: Block[]): number[] => blocks.map((b) => b.shape[0]);

const ids = (b: Block): string => Array.from(b.indices).join(',');
const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe('batch()', () => {
  it('regroups in time: a batch leaves with the block that fills it, the rest on completion', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-c|', { a: syntheticBlock(0, 2), b: syntheticBlock(2, 2), c: syntheticBlock(4, 1) });
      expectObservable(source.pipe(batch(3), map(ids))).toBe('---x--(y|)', { x: '0,1,2', y: '3,4' });
    });
  });

  it('propagates an error at once, dropping the partial batch', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a-b-#', { a: syntheticBlock(0, 2), b: syntheticBlock(2, 2) }, new Error('boom'));
      expectObservable(source.pipe(batch(3), map(ids))).toBe('---x-#', { x: '0,1,2' }, new Error('boom'));
    });
  });

  it('shard() and epochs() keep time: epochs resubscribe after completion', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('-a|', { a: syntheticBlock(0, 4) });
      expectObservable(source.pipe(epochs(2), shard({ rank: 1, worldSize: 2 }), map((b) => `${b.epoch}:${ids(b)}`))).toBe(
        '-x-y|',
        { x: '0:1,3', y: '1:1,3' },
      );
    });
  });

  it('fills batches of exactly the size, last one smaller, never mixing epochs', async () => {
    const blocks = [...syntheticBlocks(10, [3, 4]), ...syntheticBlocks(5, [5], 1)];
    const out = await run(from(blocks).pipe(batch(4)));
    expect(sizes(out)).toEqual([4, 4, 2, 4, 1]);
    expect(out.map((b) => b.epoch)).toEqual([0, 0, 0, 1, 1]);
    const joined = joinBlocks(out);
    expect(joined.indices).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4]);
    expect(Buffer.from(joined.images).equals(Buffer.from(joinBlocks(blocks).images))).toBe(true);
    expect(sizes(await run(from(blocks).pipe(batch(4, { dropLast: true }))))).toEqual([4, 4, 4]);
  });
});

describe('shuffle()', () => {
  it('emits a permutation of each epoch that depends on seed and epoch, not on block sizes', async () => {
    const orders = async (blockSizes: number[], seed: number, outSize: number): Promise<number[][]> => {
      const source = from(syntheticBlocks(1000, blockSizes)).pipe(epochs(1));
      const e0 = joinBlocks(await run(source.pipe(shuffle({ seed, blockSize: outSize }))));
      const e1 = joinBlocks(await run(from(syntheticBlocks(1000, blockSizes, 1)).pipe(shuffle({ seed, blockSize: outSize }))));
      return [e0.indices, e1.indices];
    };
    const [a0, a1] = await orders([1], 5, 7);
    const [b0, b1] = await orders([7, 128], 5, 1000);
    const [c0] = await orders([1000], 6, 64);
    expect(b0).toEqual(a0);
    expect(b1).toEqual(a1);
    expect([...a0].sort((x, y) => x - y)).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    expect(a1).not.toEqual(a0);
    expect(c0).not.toEqual(a0);
    // Not the identity, and images and labels travel with their index.
    expect(a0.filter((v, i) => v === i).length).toBeLessThan(20);
  });

  it('keeps each sample whole: pixels and label follow the index', async () => {
    const out = joinBlocks(await run(from(syntheticBlocks(50, [9])).pipe(shuffle({ seed: 1 }))));
    out.indices.forEach((index, k) => {
      const expected = syntheticBlock(index, 1);
      expect(Array.from(out.images.subarray(k * 12, k * 12 + 12))).toEqual(Array.from(expected.images));
      expect(out.labels[k]).toBe(index % 10);
    });
  });
});

describe('shuffle() flow control', () => {
  it('pauses the source for as long as a finished epoch is emitted to a slow sink', async () => {
    const sink = slowSink(1);
    await lastValueFrom(mnist({ split: 'test' }).pipe(epochs(3), sink.produced, shuffle({ seed: 1 }), batch(64), sink.consume, toArray()));
    await sink.idle();
    expect(sink.state.consumed).toBe(30000);
    // One epoch held (10,000), the next epoch's first file chunk (~84 images) and shuffle's
    // demand window of 2 blocks of 256. Holding only the first block of the next epoch let the
    // file source read on: 28,347 of the 30,000 samples were read ahead of the sink.
    expect(sink.state.maxOutstanding).toBeGreaterThan(10000);
    expect(sink.state.maxOutstanding).toBeLessThanOrEqual(10000 + 84 + 2 * 256);
  });
});

describe('shuffleRows(): the shuffled epoch as Rows that batch() regroups and a later stage gathers', () => {
  it('gathers to the batches of a hand-applied permutation, for any chunking, batch size and dropLast', async () => {
    const cases: [number[], number, number, boolean][] = [
      [[1000], 256, 128, false],
      [[7, 128], 100, 7, true],
      [[333], 1000, 1, false],
      [[50], 64, 1000, false],
    ];
    for (const [blockSizes, blockSize, size, dropLast] of cases) {
      const source = from([...syntheticBlocks(1000, blockSizes), ...syntheticBlocks(1000, blockSizes, 1)]);
      // Expected: each epoch's permutation applied by hand, cut into batches.
      const expected: number[][] = [];
      for (const epoch of [0, 1]) {
        const order = Array.from(permutation(1000, 3, RandomStage.shuffle, epoch));
        for (let at = 0; at < 1000; at += size) if (!dropLast || at + size <= 1000) expected.push(order.slice(at, at + size));
      }
      const rows = await run(source.pipe(shuffleRows({ seed: 3, blockSize }), batch(size, { dropLast })));
      const blocks = rows.map((r) => gatherRows(r));
      expect(blocks.map((b) => Array.from(b.indices))).toEqual(expected);
      expect(blocks.map((b) => b.epoch)).toEqual(expected.map((_, k) => (k < expected.length / 2 ? 0 : 1)));
      for (const b of blocks.slice(0, 3)) {
        b.indices.forEach((index, k) => {
          expect(Array.from(b.images.subarray(k * 12, k * 12 + 12))).toEqual(Array.from(syntheticBlock(index, 1).images));
          expect(b.labels[k]).toBe(index % 10);
        });
      }
      // The epoch block is in shared memory, for workers to read in place.
      expect(rows.every((r) => r.from.images.buffer instanceof SharedArrayBuffer && r.from.indices.buffer instanceof SharedArrayBuffer)).toBe(true);
      // shuffle() and gather() after the Rows give the same batches as Blocks.
      expect((await run(source.pipe(shuffle({ seed: 3, blockSize }), batch(size, { dropLast })))).map((b) => Array.from(b.indices))).toEqual(expected);
      expect((await run(source.pipe(shuffleRows({ seed: 3, blockSize }), batch(size, { dropLast }), gather()))).map((b) => Array.from(b.indices))).toEqual(expected);
    }
  });

  it('copies an epoch replayed from memory to shared memory once, not once per epoch', async () => {
    const block = syntheticBlock(0, 100);
    const rows = await run(of(block).pipe(epochs(3), shuffleRows({ seed: 1 }), batch(10)));
    expect(new Set(rows.map((r) => r.from.epoch))).toEqual(new Set([0, 1, 2]));
    const buffers = new Set(rows.map((r) => r.from.images.buffer));
    expect(buffers.size).toBe(1);
    expect(Array.from(rows[0].from.images)).toEqual(Array.from(block.images));
  });
});

describe('shuffleWindow()', () => {
  it('emits every sample once per epoch, independent of block sizes', async () => {
    const a = joinBlocks(await run(from(syntheticBlocks(500, [1])).pipe(shuffleWindow({ size: 64, seed: 2 }))));
    const b = joinBlocks(await run(from(syntheticBlocks(500, [33, 100])).pipe(shuffleWindow({ size: 64, seed: 2 }))));
    expect(b.indices).toEqual(a.indices);
    expect([...a.indices].sort((x, y) => x - y)).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(a.indices.filter((v, i) => v === i).length).toBeLessThan(25);
    // A window of 64 cannot move a sample earlier than 64 places before its arrival.
    a.indices.forEach((index, position) => expect(position).toBeGreaterThanOrEqual(index - 64));
  });
});

describe('shard()', () => {
  const indicesOf = async (total: number, rank: number, worldSize: number, dropLast = false): Promise<number[]> =>
    joinBlocks(await run(from(syntheticBlocks(total, [3, 5])).pipe(shard({ rank, worldSize, dropLast })))).indices;

  it('pads like DistributedSampler: 10 samples over 3 ranks (hand-worked)', async () => {
    // PyTorch: indices [0..9] + [0, 1] (padding), rank r takes indices[r::3].
    expect(await indicesOf(10, 0, 3)).toEqual([0, 3, 6, 9]);
    expect(await indicesOf(10, 1, 3)).toEqual([1, 4, 7, 0]);
    expect(await indicesOf(10, 2, 3)).toEqual([2, 5, 8, 1]);
  });

  it('drops the tail with dropLast (hand-worked)', async () => {
    expect(await indicesOf(10, 0, 3, true)).toEqual([0, 3, 6]);
    expect(await indicesOf(10, 1, 3, true)).toEqual([1, 4, 7]);
    expect(await indicesOf(10, 2, 3, true)).toEqual([2, 5, 8]);
  });

  it('shards Rows as Blocks: shuffleRows, shard, batch gather to DistributedSampler over the permutation', async () => {
    for (const [worldSize, rank, dropLast, blockSize] of [[3, 1, false, 256], [3, 2, true, 7], [4, 0, false, 1000], [1, 0, false, 64]] as const) {
      const source = from([...syntheticBlocks(1000, [333]), ...syntheticBlocks(1000, [333], 1)]);
      const stream = source.pipe(shuffle({ seed: 3, blockSize }), shard({ rank, worldSize, dropLast }), batch(50));
      const rowStream = source.pipe(shuffleRows({ seed: 3, blockSize }), shard({ rank, worldSize, dropLast }), batch(50));
      // PyTorch: pad the epoch's order with its first samples (or drop its tail), take [rank::worldSize].
      const expected: number[][] = [];
      for (const epoch of [0, 1]) {
        const order = Array.from(permutation(1000, 3, RandomStage.shuffle, epoch));
        const total = dropLast ? Math.floor(1000 / worldSize) * worldSize : Math.ceil(1000 / worldSize) * worldSize;
        const padded = dropLast ? order.slice(0, total) : [...order, ...order.slice(0, total - 1000)];
        const mine = padded.filter((_, p) => p % worldSize === rank);
        for (let at = 0; at < mine.length; at += 50) expected.push(mine.slice(at, at + 50));
      }
      const gathered = (await run(rowStream)).map((r) => gatherRows(r));
      expect(gathered.map((b) => Array.from(b.indices))).toEqual(expected);
      // Pixels and labels travel with the rows, padding included (the last batch of epoch 0).
      for (const b of [gathered[0], gathered[expected.length / 2 - 1]]) {
        b.indices.forEach((index, k) => {
          expect(Array.from(b.images.subarray(k * 12, k * 12 + 12))).toEqual(Array.from(syntheticBlock(index, 1).images));
          expect(b.labels[k]).toBe(index % 10);
        });
      }
      expect((await run(stream)).map((b) => Array.from(b.indices))).toEqual(expected);
    }
  });

  it('splits a shuffled epoch into disjoint, covering, balanced shares', async () => {
    for (const worldSize of [2, 3, 4]) {
      const shares = await Promise.all(
        Array.from({ length: worldSize }, async (_, rank) =>
          joinBlocks(await run(from(syntheticBlocks(600, [7, 64])).pipe(shuffle({ seed: 9 }), shard({ rank, worldSize })))).indices,
        ),
      );
      expect(shares.map((s) => s.length)).toEqual(Array.from({ length: worldSize }, () => 600 / worldSize));
      expect(shares.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    }
  });
});

describe('epochs() and samples()', () => {
  it('repeats the source, tagging epochs', async () => {
    const out = await run(from(syntheticBlocks(5, [2])).pipe(epochs(3)));
    expect(out.map((b) => b.epoch)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
  });

  it('splits blocks into samples with views of their pixels', async () => {
    const block = syntheticBlock(10, 3);
    const out = await run(from([block]).pipe(samples()));
    expect(out.map((s) => [s.index, s.label, s.height, s.width])).toEqual([
      [10, 0, 4, 3],
      [11, 1, 4, 3],
      [12, 2, 4, 3],
    ]);
    expect(out[1].image.buffer).toBe(block.images.buffer);
    expect(Array.from(out[2].image)).toEqual(Array.from(syntheticBlock(12, 1).images));
  });
});
