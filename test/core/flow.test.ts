import { asapScheduler, concatMap, filter, lastValueFrom, map, mergeMap, observeOn, of, take, tap, toArray, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, mapAsync, mnist, shuffle, UNBOUNDED_WARNING, type Block } from '@idxflow/core';
import { slowSink } from '../fixtures/flow.js';

/** Runs `op` between batch(100) and a 2 ms/batch sink; returns the read-ahead and whether idxflow warned. */
async function readAhead(op: OperatorFunction<Block, Block>): Promise<{ ahead: number; warned: boolean }> {
  // The warning is given once per process: forget that it was, so each case can be seen.
  (globalThis as unknown as Record<symbol, { warned: boolean }>)[Symbol.for('idxflow.flow')].warned = false;
  let warned = false;
  const onWarning = (warning: Error & { code?: string }): void => {
    if (warning.code === UNBOUNDED_WARNING) warned = true;
  };
  process.on('warning', onWarning);
  const sink = slowSink(2);
  await lastValueFrom(mnist({ split: 'test' }).pipe(sink.produced, batch(100), op, sink.consume, toArray()));
  await sink.idle();
  await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
  process.off('warning', onWarning);
  expect(sink.state.consumed).toBe(10000);
  return { ahead: sink.state.maxOutstanding, warned };
}

describe('read-ahead with RxJS operators in the pipe: 2 ms/batch sink behind mnist test, batch(100)', () => {
  // The file source lets 2 emissions (chunks of ~84 images, one batch at most each) wait on the
  // sink's holds, and batch() may hold a partial batch of up to 99: 2 * 100 + 99 samples ahead.
  const BOUND = 2 * 100 + 99;
  const bounded: [string, OperatorFunction<Block, Block>, number][] = [
    ['nothing', map((b) => b), BOUND],
    ['map, filter, tap', (s) => s.pipe(map((b) => b), filter(() => true), tap(() => undefined)), BOUND],
    ['mergeMap over a synchronous inner', mergeMap((b: Block) => of(b)), BOUND],
    ['concatMap over a synchronous inner, then take', (s) => s.pipe(concatMap((b: Block) => of(b)), take(1000)), BOUND],
    // mapAsync adds its own window: `concurrency` batches in flight or waiting.
    ['mapAsync(async b => b)', mapAsync(async (b: Block) => b), BOUND + 100],
    ['mapAsync(async b => b, { concurrency: 4 })', mapAsync(async (b: Block) => b, { concurrency: 4 }), BOUND + 4 * 100],
  ];
  for (const [name, op, bound] of bounded) {
    it(`${name}: at most ${bound} samples ahead, no warning`, async () => {
      const { ahead, warned } = await readAhead(op);
      expect(ahead).toBeLessThanOrEqual(bound);
      expect(warned).toBe(false);
    });
  }

  it('a partial batch flushed on completion and held by the sink is no unbounded read-ahead: no warning', async () => {
    // 10,000 samples in batches of 300: the last 100 leave when the source completes, with no
    // producer left to slow, and the sink holds them like any other.
    const { ahead, warned } = await readAhead(batch(300) as OperatorFunction<Block, Block>);
    expect(warned).toBe(false);
    expect(ahead).toBeLessThanOrEqual(2 * 300 + 299);
  });

  for (const [name, op] of [
    ['concatMap(async b => b)', concatMap(async (b: Block) => b)],
    ['observeOn(asapScheduler)', observeOn(asapScheduler)],
  ] as const) {
    it(`${name}: the hold cannot reach the source, and idxflow says so`, async () => {
      const { ahead, warned } = await readAhead(op as OperatorFunction<Block, Block>);
      expect(warned).toBe(true);
      expect(ahead).toBeGreaterThan(BOUND); // what the warning is about: the source ran ahead
    });
  }
});

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

describe('two installed copies of @idxflow/core', () => {
  it('share one hold list: a hold made through one copy reaches a producer of the other', async () => {
    // Two module instances of flow.js, as two copies of the package in node_modules would be.
    const url = new URL('../../packages/core/dist/flow.js', import.meta.url).href;
    const a = (await import(`${url}?copy=a`)) as typeof import('@idxflow/core/internal');
    const b = (await import(`${url}?copy=b`)) as typeof import('@idxflow/core/internal');
    expect(a.emit).not.toBe(b.emit);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let settled = false;
    const held = a.emit({ next: () => b.holdUntil(gate) } as never, 1);
    expect(held).toBeInstanceOf(Promise);
    void held!.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    release();
    await held;
    expect(settled).toBe(true);
  });
});
