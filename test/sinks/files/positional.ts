// A dataset whose every sample is a function of its position, shared by interrupted.test.ts and
// the export it kills (exportChild.ts): a file found after the kill can be checked on its own.
import type { Block } from '@idxflow/core';

export const SIDE = 8;
const SIZE = SIDE * SIDE;

export const labelAt = (position: number): number => (position * 7 + 3) % 10;

/** The pixels of sample `position`. */
export function pixelsAt(position: number): Uint8Array {
  const out = new Uint8Array(SIZE);
  for (let p = 0; p < SIZE; p++) out[p] = (position * 31 + p * 17 + (position >>> 5)) & 255;
  return out;
}

/** Samples `first .. first + n - 1` as one block. */
export function positionalBlock(first: number, n: number): Block<Uint8Array> {
  const images = new Uint8Array(n * SIZE);
  for (let i = 0; i < n; i++) images.set(pixelsAt(first + i), i * SIZE);
  const indices = Uint32Array.from({ length: n }, (_, i) => first + i);
  return { images, labels: Uint8Array.from(indices, labelAt), indices, epoch: 0, shape: [n, SIDE, SIDE] };
}

/** Samples `0 .. count - 1` joined: what a complete export holds. */
export function positionalData(count: number): { images: Uint8Array; labels: Uint8Array } {
  const block = positionalBlock(0, count);
  return { images: block.images, labels: block.labels };
}
