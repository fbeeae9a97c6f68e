import { lastValueFrom, of, tap, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { adoptPixels, epochs, RECYCLE_LIMIT_BYTES, recycle, recycledBytes, reusablePixels, sliceBlock, type Block } from '@idxflow/core/internal';
import { normalize } from '@idxflow/transforms';
import { syntheticBlock } from '../fixtures/blocks.js';

const blockOf = (images: Uint8Array | Float32Array, n: number): Block => ({
  images,
  labels: new Uint8Array(n),
  indices: new Uint32Array(n),
  epoch: 0,
  shape: [n, 1, images.length / n],
});

describe('recycle() and reusablePixels(): reuse by ownership', () => {
  it('hands memory the pipeline gave out, once given back, to the next request of the same byte size', () => {
    const images = reusablePixels(Float32Array, 12);
    images.set(Array.from({ length: 12 }, (_, i) => i + 0.5));
    const before = recycledBytes();
    recycle(blockOf(images, 3));
    expect(recycledBytes()).toBe(before + 48);
    const again = reusablePixels(Float32Array, 12);
    expect(again.buffer).toBe(images.buffer);
    expect(Array.from(again)).toEqual([0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5, 11.5]);
    expect(recycledBytes()).toBe(before);
    // Same byte length, other type: a 48-byte Uint8Array view of the same memory.
    recycle(blockOf(again, 3));
    const bytes = reusablePixels(Uint8Array, 48);
    expect(bytes.buffer).toBe(images.buffer);
    expect(bytes).toBeInstanceOf(Uint8Array);
  });

  it('gives new zeroed memory when nothing of that size was recycled', () => {
    const fresh = reusablePixels(Uint8Array, 7_777);
    expect(fresh.length).toBe(7_777);
    expect(fresh.every((v) => v === 0)).toBe(true);
  });

  it('never takes memory it did not hand out: a source block, a view, shared memory, a second recycle', () => {
    const before = recycledBytes();
    recycle(blockOf(new Uint8Array(40), 4)); // the user's own block
    const whole = blockOf(reusablePixels(Uint8Array, 40), 4);
    recycle(sliceBlock(whole, 1, 3)); // a view: other blocks may still read the rest
    recycle(sliceBlock(whole, 0, 2));
    recycle(blockOf(new Uint8Array(new SharedArrayBuffer(40)), 4));
    expect(recycledBytes()).toBe(before);
    recycle(whole);
    recycle(whole);
    expect(recycledBytes()).toBe(before + 40);
    expect(reusablePixels(Uint8Array, 40).buffer).toBe(whole.images.buffer);
    expect(reusablePixels(Uint8Array, 40).buffer).not.toBe(whole.images.buffer);
    // A buffer that arrives from elsewhere (a worker) is taken once adopted.
    const adopted = adoptPixels(new Uint8Array(40));
    recycle(blockOf(adopted, 4));
    expect(recycledBytes()).toBe(before + 40);
    expect(reusablePixels(Uint8Array, 40).buffer).toBe(adopted.buffer);
  });

  it('an in-memory source replayed every epoch is never overwritten, whatever the consumer recycles', async () => {
    const block = syntheticBlock(0, 50);
    const original = block.images.slice();
    // The consumer recycles everything it sees: the source's block itself, and normalize()'s outputs.
    const seen = await lastValueFrom(
      of(block).pipe(
        epochs(4),
        tap((b) => recycle(b)),
        normalize({ mean: 0, std: 1 }),
        tap((b) => recycle(b)),
        toArray(),
      ),
    );
    expect(seen).toHaveLength(4);
    expect(Array.from(block.images)).toEqual(Array.from(original));
    // normalize's outputs were reused (epoch 1 wrote into epoch 0's memory), and each epoch's
    // output, read before it was recycled, was v / 255 of the untouched source: the last one still is.
    expect(seen[1].images.buffer).toBe(seen[0].images.buffer);
    expect(Array.from(seen[3].images).map((v) => Math.round(v * 255))).toEqual(Array.from(original));
  });

  it('keeps at most RECYCLE_LIMIT_BYTES', () => {
    const before = recycledBytes();
    const big = reusablePixels(Uint8Array, RECYCLE_LIMIT_BYTES - before + 1);
    recycle(blockOf(big, 1));
    expect(recycledBytes()).toBe(before);
  });
});
