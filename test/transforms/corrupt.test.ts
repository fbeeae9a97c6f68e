// corrupt(): the same bytes whatever the worker count or block size, hand-worked cases of the
// deterministic corruptions, and its refusals (options when built, blocks when they arrive).
import { readFileSync } from 'node:fs';
import { from, lastValueFrom, of, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { BlockMismatchError, batch, OptionError, type Block } from '@idxflow/core';
import { CORRUPTION_NAMES, corrupt, RECIPES, type CorruptOptions } from '@idxflow/transforms';
import { raw } from '../fixtures/mnist.js';

const DIGITS = 1001; // two blocks of 1000 (one of them short), a thousand of 1

function digits(n = DIGITS): Block<Uint8Array> {
  const file = readFileSync(raw('t10k-images-idx3-ubyte'));
  const images = Uint8Array.from(file.subarray(16, 16 + n * 784));
  return { images, labels: new Uint8Array(n), indices: Uint32Array.from({ length: n }, (_, i) => i), epoch: 0, shape: [n, 28, 28] };
}

/** Every output pixel, in order, of `block` cut into blocks of `size` and corrupted on `workers` threads. */
async function bytesOf(block: Block<Uint8Array>, size: number, options: CorruptOptions, workers: number, seed = 11): Promise<Uint8Array> {
  const blocks = await lastValueFrom(of(block).pipe(batch(size), corrupt(options, { seed, workers }), toArray()));
  const out = new Uint8Array(block.images.length);
  let at = 0;
  for (const b of blocks) {
    out.set(b.images as Uint8Array, at);
    at += b.images.length;
  }
  expect(at).toBe(block.images.length);
  return out;
}

const image = (width: number, height: number, pixels: number[]): Block<Uint8Array> => ({
  images: Uint8Array.from(pixels),
  labels: new Uint8Array(1),
  indices: new Uint32Array(1),
  epoch: 0,
  shape: [1, height, width],
});

const run = async (block: Block, options: CorruptOptions, seed = 0): Promise<Block> => lastValueFrom(of(block).pipe(corrupt(options, { seed })));

describe('corrupt()', () => {
  it(`gives the same bytes on 0 and 2 workers, in blocks of 1 and 1000, for each of the ${CORRUPTION_NAMES.length} corruptions (${DIGITS} test digits)`, async () => {
    const block = digits();
    for (const name of CORRUPTION_NAMES) {
      const reference = await bytesOf(block, 1000, { name }, 0);
      expect(Buffer.from(await bytesOf(block, 1, { name }, 0)).equals(Buffer.from(reference)), `${name}: blocks of 1`).toBe(true);
      expect(Buffer.from(await bytesOf(block, 1, { name }, 2)).equals(Buffer.from(reference)), `${name}: 2 workers, blocks of 1`).toBe(true);
      expect(Buffer.from(await bytesOf(block, 1000, { name }, 2)).equals(Buffer.from(reference)), `${name}: 2 workers, blocks of 1000`).toBe(true);
      // A random corruption depends on the seed; a deterministic one does not.
      const reseeded = await bytesOf(digits(50), 50, { name }, 0, 12);
      const same = Buffer.from(reseeded).equals(Buffer.from(reference.subarray(0, 50 * 784)));
      const draws = RECIPES[name].random && !(name === 'translate' || name === 'shear' || name === 'rotate');
      if (draws) expect(same, `${name}: seed 12 against seed 11`).toBe(false);
      if (!RECIPES[name].random) expect(same, `${name}: deterministic`).toBe(true);
    }
  }, 600_000);

  it('counts as a random stage, keeps labels and indices, and keys draws by source index, not position', async () => {
    const block = digits(40);
    const [out] = await lastValueFrom(of(block).pipe(corrupt({ name: 'shot_noise' }, { seed: 1 }), toArray()));
    expect(out.randomStages).toBe(1);
    expect(out.labels).toEqual(block.labels);
    expect(out.indices).toEqual(block.indices);
    // Sample 7 alone, carrying its index, gives the same bytes as inside the block.
    const alone: Block<Uint8Array> = { ...block, images: block.images.slice(7 * 784, 8 * 784), labels: block.labels.slice(7, 8), indices: Uint32Array.of(7), shape: [1, 28, 28] };
    const single = await run(alone, { name: 'shot_noise' }, 1);
    expect(Buffer.from(single.images as Uint8Array).equals(Buffer.from((out.images as Uint8Array).subarray(7 * 784, 8 * 784)))).toBe(true);
    // Two corrupt() stages in one pipeline draw independently.
    const twice = await lastValueFrom(of(block).pipe(corrupt({ name: 'identity' }, { seed: 1 }), corrupt({ name: 'shot_noise' }, { seed: 1 })));
    expect(twice.randomStages).toBe(2);
    expect(Buffer.from(twice.images as Uint8Array).equals(Buffer.from(out.images as Uint8Array))).toBe(false);
  });

  it('gives hand-worked bytes for inverse, stripe, quantize, brightness and translate', async () => {
    // A 8 x 1 row: stripe inverts columns 0-1 and 6-7 (a quarter of 8 on each side).
    const row = [0, 10, 20, 127, 128, 200, 250, 255];
    expect(Array.from((await run(image(8, 1, row), { name: 'inverse' })).images)).toEqual([255, 245, 235, 128, 127, 55, 5, 0]);
    expect(Array.from((await run(image(8, 1, row), { name: 'stripe' })).images)).toEqual([255, 245, 20, 127, 128, 200, 5, 0]);
    // 1 bit: x / 255 rounded half to even: 127 -> 0.498 -> 0, 128 -> 0.502 -> 1 (255).
    expect(Array.from((await run(image(8, 1, row), { name: 'quantize', severity: 5 })).images)).toEqual([0, 0, 0, 0, 255, 255, 255, 255]);
    // Brightness 1 adds 0.1 to x / 255, clipped at 1: 0 -> 25.5 -> 25; 250 -> 255.
    expect(Array.from((await run(image(8, 1, row), { name: 'brightness', severity: 1 })).images)).toEqual([25, 35, 45, 152, 153, 225, 255, 255]);
    // Translate 1, both directions +1: output (x, y) reads input (x + 1, y + 1): the pixel at (2, 2) moves to (1, 1).
    const dot = Array.from({ length: 25 }, () => 0);
    dot[2 * 5 + 2] = 200;
    const moved = Array.from((await run(image(5, 5, dot), { name: 'translate', severity: 1, direction: 1 })).images);
    expect(moved.indexOf(200)).toBe(1 * 5 + 1);
    expect(moved.reduce((s, v) => s + v, 0)).toBe(200);
  });

  it('gives hand-worked bytes for jpeg_compression on flat images (one DC coefficient per block)', async () => {
    // A flat block of v: level-shifted v - 128, its DC coefficient 8 (v - 128) (orthonormal),
    // libjpeg's 8 times that over 8 q, rounded half away from 0; back: level q / 8 + 128,
    // rounded half up. Black at quality 18 (severity 2, q 44): 1024 / 44 = 23.27 -> 23,
    // 23 x 44 / 8 = 126.5, 128 - 126.5 = 1.5 -> 2. At quality 7 (severity 5, q 114): 8.98 -> 9,
    // 9 x 114 / 8 = 128.25 -> 0 (clamped). Grey 100 at quality 25 (q 32): 224 / 32 = 7 exactly,
    // back to 100. 13 x 11 pads its edge blocks with the last row and column: still flat.
    const flat = (v: number): Block<Uint8Array> => image(13, 11, Array.from({ length: 143 }, () => v));
    const values = async (v: number, severity: number): Promise<number[]> => [...new Set((await run(flat(v), { name: 'jpeg_compression', severity })).images)];
    expect(await values(0, 2)).toEqual([2]);
    expect(await values(0, 5)).toEqual([0]);
    expect(await values(100, 1)).toEqual([100]);
    // 255 at quality 15 (q 53): 1016 / 53 = 19.17 -> 19, 19 x 53 / 8 = 125.875, 253.875 -> 254.
    expect(await values(255, 3)).toEqual([254]);
  });

  it('refuses bad options when built', () => {
    expect(() => corrupt({ name: 'frost' as never })).toThrow(/^Expected one of identity, shot_noise, .* for name but received "frost" of type string$/);
    expect(() => corrupt({ name: 'fog', severity: 6 })).toThrow('Expected integer between 1 and 5 for severity but received 6 of type number');
    expect(() => corrupt({ name: 'fog', severity: 2.5 })).toThrow(OptionError);
    expect(() => corrupt({ name: 'inverse', severity: 1 })).toThrow('Expected no severity for inverse (its recipe has none) but received 1 of type number');
    expect(() => corrupt({ name: 'fog', direction: 1 })).toThrow('Expected no direction for fog (only shear, rotate and translate draw one) but received 1');
    expect(() => corrupt({ name: 'rotate', direction: 2 as never })).toThrow('Expected 1 or -1 for direction but received 2 of type number');
    expect(() => corrupt({ name: 'fog' }, { workers: -1 })).toThrow(OptionError);
  });

  it('refuses float images and sizes its recipe does not allow, as an error event naming the stage', async () => {
    const floats: Block = { images: new Float32Array(784), labels: new Uint8Array(1), indices: new Uint32Array(1), epoch: 0, shape: [1, 28, 28] };
    const refused = await run(floats, { name: 'fog' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BlockMismatchError);
    expect((refused as BlockMismatchError).code).toBe('IDXFLOW_BLOCK_MISMATCH');
    expect((refused as Error).message).toBe('corrupt(): expected uint8 images (the recipes work on bytes: put corrupt() before normalising), found float32 images (784 values)');
    const large = image(32, 32, Array.from({ length: 1024 }, () => 0));
    expect(((await run(large, { name: 'dotted_line' }).catch((e: unknown) => e)) as Error).message).toBe(
      "corrupt(): expected images of 28 x 28 pixels for dotted_line (its recipe draws on MNIST's grid), found 32 x 32",
    );
    expect(((await run(image(33, 20, Array.from({ length: 660 }, () => 0)), { name: 'elastic_transform' }).catch((e: unknown) => e)) as Error).message).toBe(
      'corrupt(): expected square images for elastic_transform (its recipe scales its parameters with the side), found 20 x 33',
    );
    // Other sizes work where the recipe allows them: stripe on 32 x 32 inverts columns 0-7 and 24-31.
    const striped = (await run(large, { name: 'stripe' })).images;
    expect([striped[0], striped[7], striped[8], striped[23], striped[24], striped[31]]).toEqual([255, 255, 0, 0, 255, 255]);
    // The error reaches `error` on the workers too.
    const viaWorkers = await lastValueFrom(from([floats]).pipe(corrupt({ name: 'fog' }, { workers: 1 }))).catch((e: unknown) => e);
    expect(viaWorkers).toBeInstanceOf(BlockMismatchError);
  });
});
