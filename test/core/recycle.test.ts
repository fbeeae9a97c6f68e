import { describe, expect, it } from 'vitest';
import { RECYCLE_LIMIT_BYTES, recycle, recycledBytes, reusablePixels, sliceBlock, type Block } from '@idxflow/core';

const blockOf = (images: Uint8Array | Float32Array, n: number): Block => ({
  images,
  labels: new Uint8Array(n),
  indices: new Uint32Array(n),
  epoch: 0,
  shape: [n, 1, images.length / n],
});

describe('recycle() and reusablePixels()', () => {
  it('hands a recycled buffer to the next request of the same byte size, old values and all', () => {
    const images = Float32Array.from({ length: 12 }, (_, i) => i + 0.5);
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

  it('leaves views, shared memory and second recycles alone', () => {
    const before = recycledBytes();
    const whole = blockOf(new Uint8Array(40), 4);
    recycle(sliceBlock(whole, 1, 3)); // a view: other blocks may still read the rest
    recycle(sliceBlock(whole, 0, 2));
    recycle(blockOf(new Uint8Array(new SharedArrayBuffer(40)), 4));
    expect(recycledBytes()).toBe(before);
    recycle(whole);
    recycle(whole);
    expect(recycledBytes()).toBe(before + 40);
    expect(reusablePixels(Uint8Array, 40).buffer).toBe(whole.images.buffer);
    expect(reusablePixels(Uint8Array, 40).buffer).not.toBe(whole.images.buffer);
  });

  it('keeps at most RECYCLE_LIMIT_BYTES', () => {
    const before = recycledBytes();
    const big = new Uint8Array(RECYCLE_LIMIT_BYTES - before + 1);
    recycle(blockOf(big, 1));
    expect(recycledBytes()).toBe(before);
  });
});
