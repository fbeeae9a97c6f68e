// epochs() terminates and fails as a loop should: a million synchronous passes complete, and a
// failure inside shuffle() or its source ends an endless pipeline at once.
import { count, lastValueFrom, Observable, of, take, toArray, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, BlockMismatchError, epochs, shuffle, shuffleRows, type Block } from '@idxflow/core';
import { syntheticBlock } from '../fixtures/blocks.js';
import { slowSink } from '../fixtures/flow.js';
import { outcome } from '../fixtures/outcome.js';

/** Blocks emitted one per turn of the event loop, for ever: `shapes` cycles the side of each. */
function asyncBlocks(shapes: number[], failAfter?: number): Observable<Block> {
  return new Observable<Block>((subscriber) => {
    let k = 0;
    const timer = setInterval(() => {
      if (failAfter !== undefined && k === failAfter) return subscriber.error(new Error(`source failed after ${failAfter} blocks`));
      const side = shapes[k % shapes.length];
      subscriber.next(syntheticBlock(4 * k, 4, 0, side, side));
      k++;
    }, 1);
    return () => clearInterval(timer);
  });
}

describe('epochs()', () => {
  it('runs 1,000,000 passes over of(block) to completion: a loop, not recursion', async () => {
    const passes = await lastValueFrom(of(syntheticBlock(0, 1)).pipe(epochs(1_000_000), count()));
    expect(passes).toBe(1_000_000);
  });

  it('tags each pass with its epoch and keeps the rest of the block', async () => {
    const out = await lastValueFrom(of({ ...syntheticBlock(0, 2), randomStages: 1 }).pipe(epochs(3), toArray()));
    expect(out.map((b) => b.epoch)).toEqual([0, 1, 2]);
    expect(out.map((b) => b.randomStages)).toEqual([1, 1, 1]);
  });

  it('runs endlessly over a synchronous source at the pace of a slow sink: one pass ahead at most', async () => {
    const sink = slowSink(1);
    const out = await lastValueFrom(of(syntheticBlock(0, 1)).pipe(epochs(Infinity), sink.produced, sink.consume, take(300), toArray()));
    await sink.idle();
    expect(out.at(-1)!.epoch).toBe(299);
    // A pass starts only once the sink has let go of the previous pass's block.
    expect(sink.state.maxOutstanding).toBe(1);
  });

  it('under epochs(Infinity), shuffle() over an asynchronous source of two shapes errors within one second', async () => {
    for (const stage of [shuffle({ seed: 1 }), shuffleRows({ seed: 1 })] as OperatorFunction<Block, unknown>[]) {
      const result = await outcome(asyncBlocks([28, 32]).pipe(epochs(Infinity), stage), 1000);
      expect(result.error).toBeInstanceOf(BlockMismatchError);
      expect(result.unhandled).toEqual([]);
    }
  });

  it('under epochs(Infinity), shuffle() over a source that fails after 3 blocks errors within one second', async () => {
    const result = await outcome(asyncBlocks([28], 3).pipe(epochs(Infinity), shuffle({ seed: 1 }), batch(2)), 1000);
    expect((result.error as Error).message).toBe('source failed after 3 blocks');
    expect(result.values).toEqual([]); // the epoch never ended: nothing was shuffled yet
  });
});
