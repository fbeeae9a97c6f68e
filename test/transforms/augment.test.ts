import { createHash } from 'node:crypto';
import { from, lastValueFrom, map, of, take, tap, toArray, type Observable, type OperatorFunction } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { batch, BlockMismatchError, epochs, mnist, recycle, shuffle, shuffleRows, type Block, type Run } from '@idxflow/core';
import { affineMatrix, augment, normalize, rotate, shift, toFloat, warpResample } from '@idxflow/transforms/internal';
import { joinBlocks } from '../fixtures/blocks.js';
import { slowSink } from '../fixtures/flow.js';
import { outcome } from '../fixtures/outcome.js';
import { bytes, hashOf, run } from '../fixtures/hash.js';

const full = { rotate: 15, shift: 2, scale: [0.9, 1.1] as [number, number], shear: 5, elastic: { alpha: 34, sigma: 4 } };

describe('augment() determinism', () => {
  it('gives byte-identical output for 0, 1, 2 and 4 workers and block sizes 1, 7, 128 and 1000', async () => {
    const hashes = new Set<string>();
    for (const workers of [0, 1, 2, 4]) {
      for (const size of [1, 7, 128, 1000]) {
        if (workers === 0 && size === 1) continue; // covered by the others; keeps the run short
        const out = await run(mnist({ split: 'test' }).pipe(batch(size), augment({ ...full, normalize: {} }, { seed: 11, workers })));
        expect(out.reduce((n, b) => n + b.shape[0], 0)).toBe(10000);
        hashes.add(hashOf(out));
      }
    }
    expect(hashes.size).toBe(1);
  });

  it('differs between seeds and between epochs', async () => {
    const a = await run(mnist({ split: 'test' }).pipe(batch(500), augment(full, { seed: 1 })));
    const b = await run(mnist({ split: 'test' }).pipe(batch(500), augment(full, { seed: 2 })));
    const e1 = await run(mnist({ split: 'test' }).pipe(batch(500), map((blk) => ({ ...blk, epoch: 1 })), augment(full, { seed: 1 })));
    expect(hashOf(a)).not.toBe(hashOf(b));
    expect(hashOf(a)).not.toBe(hashOf(e1));
    // ...and each sample actually changed: most images differ from the source.
    const source = joinBlocks(await run(mnist({ split: 'test' })));
    const augmented = joinBlocks(a);
    let changed = 0;
    for (let i = 0; i < 10000; i++) {
      const s = source.images.subarray(i * 784, i * 784 + 784);
      const t = augmented.images.subarray(i * 784, i * 784 + 784);
      if (!s.every((v, k) => v === t[k])) changed++;
    }
    expect(changed).toBeGreaterThan(9900);
  });
});

describe('each stage is its own pass', () => {
  it('shift(0.5), shift(-0.5) is two bilinear resamplings, as the kernel applied twice by hand gives', async () => {
    const source = await run(mnist({ split: 'test' }).pipe(batch(1000), take(1)));
    const twice = await run(of(source[0]).pipe(shift([0.5, 0.5]), shift([-0.5, -0.5])));
    const expected = new Uint8Array(784 * 1000);
    const middle = new Uint8Array(784);
    const resampling = { interpolation: 'bilinear' as const, fill: 0 };
    for (let i = 0; i < 1000; i++) {
      const image = source[0].images.subarray(i * 784, (i + 1) * 784) as Uint8Array;
      warpResample(image, middle, 28, 28, affineMatrix({ angle: 0, shiftX: 0.5, shiftY: 0.5, scale: 1, shear: 0 }, 28, 28), undefined, undefined, resampling);
      warpResample(middle, expected.subarray(i * 784, (i + 1) * 784), 28, 28, affineMatrix({ angle: 0, shiftX: -0.5, shiftY: -0.5, scale: 1, shear: 0 }, 28, 28), undefined, undefined, resampling);
    }
    expect(Buffer.from(twice[0].images).equals(Buffer.from(expected))).toBe(true);
    expect(Buffer.from(twice[0].images).equals(Buffer.from(source[0].images))).toBe(false); // two passes blur
    expect(twice[0].randomStages).toBe(2);
  });

  it('rotate(90) then rotate(-90) with nearest is the identity, on workers too', async () => {
    const source = await run(mnist({ split: 'test' }).pipe(batch(1000)));
    const nearest = { interpolation: 'nearest' as const };
    const out = await run(mnist({ split: 'test' }).pipe(batch(1000), rotate([90, 90], nearest, { workers: 2 }), rotate([-90, -90], nearest)));
    expect(hashOf(out)).toBe(hashOf(source));
  });

  it("augment()'s normalize option gives the bits of normalize() after it", async () => {
    const fused = await run(mnist({ split: 'test' }).pipe(batch(1000), augment({ ...full, normalize: {} }, { seed: 3, workers: 1 })));
    const apart = await run(mnist({ split: 'test' }).pipe(batch(1000), augment(full, { seed: 3 }), normalize()));
    expect(fused[0].images).toBeInstanceOf(Float32Array);
    expect(hashOf(fused)).toBe(hashOf(apart));
  });
});

describe('the gather of shuffleRows() done in the augment() or normalize() pass', () => {
  it('gives the bytes of gathering first (shuffle()), inline and on workers', async () => {
    const rows = (): Observable<Run> => mnist({ split: 'test' }).pipe(epochs(2), shuffleRows({ seed: 9 }), batch(100));
    const gatheredFirst = (): Observable<Block> => mnist({ split: 'test' }).pipe(epochs(2), shuffle({ seed: 9 }), batch(100));
    const stages: [string, OperatorFunction<Run, Block>][] = [
      ['normalize()', normalize()],
      ['augment(), workers 0', augment({ ...full, normalize: {} }, { seed: 3 })],
      ['augment(), workers 2', augment({ ...full, normalize: {} }, { seed: 3, workers: 2, taskImages: 300 })],
      ['no geometry, workers 2', augment({ normalize: {} }, { workers: 2 })],
      ['no geometry, bytes, workers 2', augment({}, { workers: 2 })],
    ];
    for (const [name, stage] of stages) {
      const fused = await run(rows().pipe(stage));
      const apart = await run(gatheredFirst().pipe(stage));
      expect(fused.map((b) => b.shape[0]), name).toEqual(apart.map((b) => b.shape[0]));
      expect(hashOf(fused), name).toBe(hashOf(apart));
    }
  });
});

describe('normalize() and toFloat()', () => {
  it('computes (v / 255 - mean) / std for every byte value', async () => {
    const images = Uint8Array.from({ length: 256 }, (_, v) => v);
    const block: Block = { images, labels: new Uint8Array(1), indices: new Uint32Array(1), epoch: 0, shape: [1, 16, 16] };
    const [n] = await run(new (await import('rxjs')).Observable<Block>((s) => (s.next(block), s.complete())).pipe(normalize()));
    const [f] = await run(new (await import('rxjs')).Observable<Block>((s) => (s.next(block), s.complete())).pipe(toFloat()));
    for (let v = 0; v < 256; v++) {
      expect(n.images[v]).toBeCloseTo((v / 255 - 0.1307) / 0.3081, 5);
      expect(f.images[v]).toBeCloseTo(v / 255, 6);
    }
  });

  it('rejects a zero std and bad augment options when built', () => {
    expect(() => normalize({ std: 0 })).toThrow('Expected finite non-zero number for std but received 0 of type number');
    expect(() => augment({ normalize: { mean: Number.NaN } })).toThrow('Expected finite number for normalize.mean but received null of type number');
    expect(() => augment({ rotate: -3 })).toThrow('Expected non-negative number or [min, max] for rotate but received -3 of type number');
    expect(() => augment({ scale: [1.2, 0.8] })).toThrow('Expected [min, max] with min <= max for scale');
    expect(() => augment({ elastic: { alpha: 34, sigma: 0 } })).toThrow('Expected positive number for elastic.sigma but received 0 of type number');
    expect(() => augment({}, { workers: -1 })).toThrow('Expected integer between 0 and 256 for workers but received -1 of type number');
  });
});

describe('flow control through the worker pool', () => {
  it('a 5 ms/block sink keeps the samples between source and sink bounded', async () => {
    const sink = slowSink(5);
    await lastValueFrom(
      mnist({ split: 'train' }).pipe(batch(64), sink.produced, augment({ rotate: 10 }, { workers: 2, window: 4, taskImages: 128 }), sink.consume, toArray()),
    );
    await sink.idle();
    expect(sink.state.consumed).toBe(60000);
    // A window of 4 tasks in the pool plus one task's group being gathered (a group sent from
    // the event-loop timer holds the source one block late), each of at most 128 images (two
    // batches), waiting on the sink; plus what the file source and batch() may have in hand
    // (2 chunks of ~83 images and a partial batch of up to 63).
    expect(sink.state.maxOutstanding).toBeLessThanOrEqual((4 + 1) * 128 + 2 * 84 + 64);
  });
});

describe('flow control through the gather of a shuffled epoch', () => {
  it('a 2 ms/batch sink keeps the source within one epoch and a few tasks of the sink', async () => {
    const sink = slowSink(2);
    const augmented = augment({ rotate: 10 }, { workers: 2, window: 4, taskImages: 128 });
    await lastValueFrom(mnist({ split: 'test' }).pipe(epochs(3), sink.produced, shuffleRows({ seed: 1 }), batch(64), augmented, sink.consume, toArray()));
    await sink.idle();
    expect(sink.state.consumed).toBe(30000);
    // shuffleRows() holds one whole epoch (10,000) and pauses the source on the next epoch's first
    // chunk (~84). What it has handed on but the sink has not taken: 2 blocks of 256 rows in
    // its demand window, and the pool's window of 4 tasks plus a group being gathered, each of
    // at most 128 images. Without flow control the source would run 2 epochs ahead.
    expect(sink.state.maxOutstanding).toBeLessThanOrEqual(10000 + 84 + 2 * 256 + (4 + 1) * 128);
  });
});

describe('augment() with recycled batches and task groups', () => {
  it('a consumer that recycles every batch sees the bytes of one that keeps them', async () => {
    // Reference: inline (no workers), each batch copied before anything could reuse it.
    const reference = hashOf(
      await run(mnist({ split: 'test' }).pipe(batch(100), augment({ rotate: 15, shift: 2, normalize: {} }, { seed: 5 }), map((b) => ({ ...b, images: b.images.slice() })))),
    );
    for (const [workers, taskImages] of [[0, 1024], [2, 1], [2, 300], [2, 1024]] as const) {
      const h = createHash('sha256');
      const indices: Uint32Array[] = [];
      const labels: Uint8Array[] = [];
      let recycledBuffers = 0;
      const seen = new Set<ArrayBufferLike>();
      const emitted: Block[] = [];
      await lastValueFrom(
        mnist({ split: 'test' }).pipe(
          batch(100),
          augment({ rotate: 15, shift: 2, normalize: {} }, { seed: 5, workers, taskImages }),
          tap((b) => {
            h.update(bytes(b.images));
            indices.push(b.indices.slice());
            labels.push(b.labels.slice());
            if (seen.has(b.images.buffer)) recycledBuffers++;
            seen.add(b.images.buffer);
            emitted.push(b);
            recycle(b);
          }),
          toArray(),
        ),
      );
      for (const a of indices) h.update(bytes(a));
      for (const a of labels) h.update(bytes(a));
      expect(h.digest('hex'), `workers ${workers}, taskImages ${taskImages}`).toBe(reference);
      // Reuse is visible: inline, a later batch is the same buffer; through workers, a recycled
      // buffer was moved to a worker for a later task, which detaches it here.
      const detached = emitted.filter((b) => b.images.buffer.byteLength === 0).length;
      if (workers === 0) expect(recycledBuffers).toBe(99);
      else expect(detached, `workers ${workers}, taskImages ${taskImages}`).toBeGreaterThan(50);
    }
  });
});

describe('augment() and normalize() route bad input to error, inline and through the pool', () => {
  const good = (): Block => ({ images: new Uint8Array(2 * 784), labels: new Uint8Array(2), indices: new Uint32Array(2), epoch: 0, shape: [2, 28, 28] });
  const inconsistent = (): Block => ({ ...good(), images: new Uint8Array(100) });
  const hostile = (): Block =>
    ({
      ...good(),
      get shape(): never {
        throw new Error('hostile block: shape is not readable');
      },
    }) as unknown as Block;
  const stages: [string, () => OperatorFunction<Run, Block>, string][] = [
    ['augment(), workers 0', () => augment({ rotate: 5 }), 'augment()'],
    ['augment(), workers 2 (task groups, worker pool)', () => augment({ rotate: 5 }, { workers: 2, taskImages: 1 }), 'augment()'],
    ['normalize()', () => normalize(), 'normalize()'],
  ];
  for (const [name, stage, label] of stages) {
    it(name, async () => {
      const bad = await outcome(from([good(), inconsistent()]).pipe(stage()));
      expect(bad.error).toBeInstanceOf(BlockMismatchError);
      expect((bad.error as Error).message).toBe(`${label}: expected 1568 pixels, 2 labels and 2 indices for a block of shape [2, 28, 28], found 100, 2 and 2`);
      const thrown = await outcome(from([good(), hostile()]).pipe(stage()));
      expect((thrown.error as Error).message).toBe('hostile block: shape is not readable');
      expect([...bad.unhandled, ...thrown.unhandled]).toEqual([]);
      expect(bad.completed || thrown.completed).toBe(false);
    });
  }
});
