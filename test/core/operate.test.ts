// Every stage of core routes what goes wrong inside it to its subscriber's error: blocks that
// cannot be joined (a typed BlockMismatchError naming both shapes), a block whose arrays
// disagree with its shape, and a handler that throws (a hostile block whose fields throw when
// read). Nothing may escape as an uncaught exception beside a stream that goes on.
import { from, map, Observable, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  batch,
  BlockMismatchError,
  epochs,
  gather,
  mapAsync,
  operate,
  samples,
  shard,
  shuffle,
  shuffleRows,
  shuffleWindow,
  workerMap,
  type Block,
} from '@idxflow/core/internal';
import { syntheticBlock } from '../fixtures/blocks.js';
import { outcome } from '../fixtures/outcome.js';

const square = (side: number, n = 2, first = 0): Block => syntheticBlock(first, n, 0, side, side);
/** A block whose shape cannot be read: any stage that touches it throws inside its handler. */
const hostile = (): Block =>
  ({
    images: new Uint8Array(4),
    labels: new Uint8Array(1),
    indices: new Uint32Array(1),
    epoch: 0,
    get shape(): never {
      throw new Error('hostile block: shape is not readable');
    },
  }) as unknown as Block;
/** Shape [2, 28, 28] but 100 pixels. */
const inconsistent = (): Block => ({ ...square(28), images: new Uint8Array(100) });

const STAGES: [string, OperatorFunction<Block, unknown>, string][] = [
  ['batch(3)', batch(3), 'batch(3)'],
  ['shard(0/2)', shard({ rank: 0, worldSize: 2 }), 'shard(0/2)'],
  ['shard(1/3), dropLast', shard({ rank: 1, worldSize: 3, dropLast: true }), 'shard(1/3)'],
  ['shuffle()', shuffle({ seed: 1 }), 'shuffle(seed 1)'],
  ['shuffleRows()', shuffleRows({ seed: 1 }), 'shuffle(seed 1)'],
  ['shuffleWindow()', shuffleWindow({ size: 8 }), 'shuffleWindow(8)'],
];

describe('stages that join blocks refuse blocks they cannot join, at once, as a typed error', () => {
  for (const [name, stage, label] of STAGES) {
    it(`${name}: a 2 x 28 x 28 block then a 2 x 32 x 32 block`, async () => {
      const result = await outcome(from([square(28), square(32)]).pipe(stage));
      expect(result.unhandled).toEqual([]);
      expect(result.completed).toBe(false);
      expect(result.error).toBeInstanceOf(BlockMismatchError);
      expect((result.error as Error).message).toBe(
        `${label}: expected samples of 28 x 28 uint8 like the blocks before (epoch 0), found 32 x 32 uint8 in a block of 2 samples of epoch 0`,
      );
    });

    it(`${name}: a block whose arrays disagree with its shape, and a block whose fields throw`, async () => {
      const bad = await outcome(from([square(28), inconsistent()]).pipe(stage));
      expect(bad.unhandled).toEqual([]);
      expect(bad.error).toBeInstanceOf(BlockMismatchError);
      expect((bad.error as Error).message).toBe(`${label}: expected 1568 pixels, 2 labels and 2 indices for a block of shape [2, 28, 28], found 100, 2 and 2`);
      const thrown = await outcome(from([square(28), hostile()]).pipe(stage));
      expect(thrown.unhandled).toEqual([]);
      expect((thrown.error as Error).message).toBe('hostile block: shape is not readable');
    });
  }

  it('dtypes count too: a uint8 block then a float32 block of the same shape', async () => {
    const float: Block = { ...square(28), images: new Float32Array(2 * 784) };
    const result = await outcome(from([square(28), float]).pipe(batch(4)));
    expect((result.error as Error).message).toBe(
      'batch(4): expected samples of 28 x 28 uint8 like the blocks before (epoch 0), found 28 x 28 float32 in a block of 2 samples of epoch 0',
    );
  });

  it('so do random-stage counts: an augmented block cannot share a batch with a raw one', async () => {
    const result = await outcome(from([square(28), { ...square(28), randomStages: 1 }]).pipe(batch(4)));
    expect((result.error as Error).message).toBe(
      'batch(4): expected samples of 28 x 28 uint8 like the blocks before (epoch 0), found 28 x 28 uint8 after 1 random stage in a block of 2 samples of epoch 0',
    );
  });

  it('batch() and shard() refuse Rows mixed with Blocks', async () => {
    const rows = from([square(28, 4)]).pipe(shuffleRows({ seed: 1 }));
    const mixed = new Observable<unknown>((subscriber) => {
      subscriber.next(square(28));
      rows.subscribe(subscriber);
    }) as Observable<Block>;
    const result = await outcome(mixed.pipe(batch(3)));
    expect((result.error as Error).message).toBe('batch(3): expected Blocks like the values before, found Rows (from shuffleRows())');
  });
});

describe('stages that do not join blocks still check them and catch what their handlers throw', () => {
  for (const [name, stage, label] of [
    ['samples()', samples(), 'samples()'],
    ['gather()', gather(), 'gather()'],
  ] as const) {
    it(name, async () => {
      const bad = await outcome(from([inconsistent()]).pipe(stage as OperatorFunction<Block, unknown>));
      expect(bad.unhandled).toEqual([]);
      expect(bad.error).toBeInstanceOf(BlockMismatchError);
      expect((bad.error as Error).message).toContain(`${label}: expected 1568 pixels`);
      const thrown = await outcome(from([hostile()]).pipe(stage as OperatorFunction<Block, unknown>));
      expect(thrown.unhandled).toEqual([]);
      expect((thrown.error as Error).message).toBe('hostile block: shape is not readable');
    });
  }

  it('epochs(): an error of the source in any pass ends the stream', async () => {
    let pass = 0;
    const source = new Observable<Block>((subscriber) => {
      if (pass++ === 2) return subscriber.error(new Error('source failed in pass 2'));
      subscriber.next(square(28));
      subscriber.complete();
    });
    const result = await outcome(source.pipe(epochs(Infinity)));
    expect(result.values).toHaveLength(2);
    expect((result.error as Error).message).toBe('source failed in pass 2');
    expect(result.unhandled).toEqual([]);
  });

  it('mapAsync(): a function that throws, and one that rejects, error the stream in order', async () => {
    const throws = await outcome(from([1, 2, 3]).pipe(mapAsync((n: number) => {
      if (n === 2) throw new Error('fn threw on 2');
      return n * 10;
    }, { concurrency: 2 })));
    expect(throws.values).toEqual([10]);
    expect((throws.error as Error).message).toBe('fn threw on 2');
    const rejects = await outcome(from([1, 2, 3]).pipe(mapAsync(async (n: number) => {
      if (n === 3) throw new Error('fn rejected on 3');
      return n;
    })));
    expect(rejects.values).toEqual([1, 2]);
    expect((rejects.error as Error).message).toBe('fn rejected on 3');
    expect([...throws.unhandled, ...rejects.unhandled]).toEqual([]);
  });

  it("workerMap(): a task builder that throws, and a result builder that throws, end the stream with the error", async () => {
    const worker = new URL('../../packages/transforms/dist/worker.js', import.meta.url);
    const toTask = (): never => {
      throw new Error('task builder threw');
    };
    const built = await outcome(from([square(28)]).pipe(workerMap({ filename: worker, workers: 1 }, toTask, (r: unknown) => r)));
    expect((built.error as Error).message).toBe('task builder threw');
    const fromResult = (): never => {
      throw new Error('result builder threw');
    };
    const job = (b: Block) => [{ images: b.images, indices: b.indices, epoch: 0, seed: 0, stage: 0, height: 28, width: 28, spec: { steps: [], interpolation: 'bilinear', fill: 0 } }];
    const result = await outcome(from([square(28)]).pipe(workerMap({ filename: worker, workers: 1 }, job, fromResult)));
    expect((result.error as Error).message).toBe('result builder threw');
    expect([...built.unhandled, ...result.unhandled]).toEqual([]);
  });

  it('operate(): a handler that throws reaches error and unsubscribes upstream', async () => {
    let unsubscribed = false;
    const upstream = new Observable<number>((subscriber) => {
      subscriber.next(1);
      subscriber.next(2);
      return () => (unsubscribed = true);
    });
    const stage = (source: Observable<number>): Observable<number> =>
      new Observable<number>((subscriber) => {
        operate(source, subscriber, {
          next(n) {
            if (n === 2) throw new Error('stage threw on 2');
            subscriber.next(n);
          },
        });
      });
    const result = await outcome(upstream.pipe(stage, map((n) => n)));
    expect(result.values).toEqual([1]);
    expect((result.error as Error).message).toBe('stage threw on 2');
    expect(unsubscribed).toBe(true);
    expect(result.unhandled).toEqual([]);
  });
});
