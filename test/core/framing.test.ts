import { decodeFrames, FrameError, RemotePipelineError, type Block } from '@idxflow/core';
import { encodeErrorFrame, encodeFrame } from '@idxflow/core/internal';
import { from, lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { lcgBytes, syntheticBlocks } from '../fixtures/blocks.js';

/** Splits `bytes` into chunks of `size` bytes (the last may be shorter). */
const chunked = (bytes: Uint8Array, size: number): Uint8Array[] =>
  Array.from({ length: Math.ceil(bytes.length / size) }, (_, i) => bytes.subarray(i * size, (i + 1) * size));

/** Splits `bytes` into chunks of pseudo-random sizes 1..max. */
function randomlyChunked(bytes: Uint8Array, max: number, seed: number): Uint8Array[] {
  const sizes = lcgBytes(bytes.length, seed);
  const chunks: Uint8Array[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const size = 1 + (sizes[k] % max);
    chunks.push(bytes.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

const decodeAll = (chunks: Uint8Array[]): Promise<Block[]> => lastValueFrom(from(chunks).pipe(decodeFrames(), toArray()));

/** Blocks of both pixel types, an empty one, and one made of views at odd offsets. */
function sampleBlocks(): Block[] {
  const blocks: Block[] = syntheticBlocks(40, [3, 17, 20]);
  const floats = Float32Array.from(blocks[1].images, (v) => v / 3 - 1.25);
  blocks.push({ ...blocks[1], images: floats, epoch: 4 });
  blocks.push({ images: new Uint8Array(0), labels: new Uint8Array(0), indices: new Uint32Array(0), epoch: 1, shape: [0, 4, 3] });
  const big = syntheticBlocks(9, [9])[0];
  const at = 5; // a view starting 5 samples into its buffers
  blocks.push({ images: big.images.subarray(at * 12), labels: big.labels.subarray(at), indices: big.indices.subarray(at), epoch: 2, shape: [4, 4, 3] });
  // Soft labels (after mixup()): 3 classes, on bytes and on floats, and on an empty block.
  const soft = (n: number, k: number): Float32Array => Float32Array.from({ length: n * k }, (_, i) => (i % 7) / 8 - 0.125);
  blocks.push({ ...blocks[0], softLabels: soft(3, 3) });
  blocks.push({ ...blocks[3], softLabels: soft(17, 5), epoch: 6 });
  blocks.push({ ...blocks[4], softLabels: new Float32Array(0) });
  return blocks;
}

describe('encodeFrame / decodeFrames', () => {
  it('round-trips uint8 and float32 blocks, with and without soft labels, through chunks of 1, 7, 1000 and random sizes', async () => {
    const blocks = sampleBlocks();
    const bytes = Buffer.concat(blocks.flatMap(encodeFrame));
    const chunkings = [chunked(bytes, 1), chunked(bytes, 7), chunked(bytes, 1000), randomlyChunked(bytes, 50, 3), [bytes]];
    for (const chunks of chunkings) {
      const out = await decodeAll(chunks);
      expect(out.length).toBe(blocks.length);
      out.forEach((b, k) => {
        expect([b.shape, b.epoch, b.images.constructor]).toEqual([blocks[k].shape, blocks[k].epoch, blocks[k].images.constructor]);
        expect(Array.from(b.images)).toEqual(Array.from(blocks[k].images));
        expect(Array.from(b.labels)).toEqual(Array.from(blocks[k].labels));
        expect(Array.from(b.indices)).toEqual(Array.from(blocks[k].indices));
        expect(b.softLabels === undefined ? undefined : Array.from(b.softLabels)).toEqual(blocks[k].softLabels && Array.from(blocks[k].softLabels));
      });
    }
  });

  it('lays out a frame as length, JSON header, pixels, labels, little-endian indices (hand-worked)', () => {
    const block: Block = {
      images: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
      labels: Uint8Array.from([9, 3]),
      indices: Uint32Array.from([258, 7]), // 258 = 0x0102: bytes 02 01 00 00
      epoch: 1,
      shape: [2, 2, 2],
    };
    const frame = Buffer.concat(encodeFrame(block));
    const length = frame.readUInt32BE(0);
    const header = frame.subarray(4, 4 + length);
    expect(JSON.parse(header.toString('utf8'))).toEqual({ shape: [2, 2, 2], dtype: 'uint8', epoch: 1 });
    expect(header.at(-1)).toBe('}'.charCodeAt(0)); // the header ends exactly where the length says
    expect(Array.from(frame.subarray(4 + length))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 3, 2, 1, 0, 0, 7, 0, 0, 0]);
  });

  it('adds "classes" to the header and the soft labels after the indices, float32 little-endian (hand-worked)', () => {
    const block: Block = {
      images: Uint8Array.from([1, 2]),
      labels: Uint8Array.from([1, 0]),
      indices: Uint32Array.from([3, 4]),
      epoch: 0,
      shape: [2, 1, 1],
      softLabels: Float32Array.from([0.25, 0.75, 1, 0]), // 0.25 = 00 00 80 3e, 0.75 = 00 00 40 3f
    };
    const frame = Buffer.concat(encodeFrame(block));
    const length = frame.readUInt32BE(0);
    expect(frame.subarray(4, 4 + length).toString()).toBe('{"shape":[2,1,1],"dtype":"uint8","epoch":0,"classes":2}');
    expect(Array.from(frame.subarray(4 + length))).toEqual([
      1, 2, 1, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0x80, 0x3e, 0, 0, 0x40, 0x3f, 0, 0, 0x80, 0x3f, 0, 0, 0, 0,
    ]);
  });

  it('refuses a header whose classes is not a positive integer', async () => {
    const headerFrame = (json: string): Buffer => Buffer.concat([Buffer.from([0, 0, 0, json.length]), Buffer.from(json)]);
    await expect(decodeAll([headerFrame('{"shape":[1,1,1],"dtype":"uint8","epoch":0,"classes":0}')])).rejects.toThrow(
      'at byte 4: expected a positive integer for classes, when present, found 0',
    );
    await expect(decodeAll([headerFrame('{"shape":[1,1,1],"dtype":"uint8","epoch":0,"classes":2.5}')])).rejects.toThrow('found 2.5');
  });

  it('sends float32 pixels little-endian (1.0 is 00 00 80 3f)', () => {
    const block: Block = { images: Float32Array.from([1, -2]), labels: Uint8Array.from([5]), indices: Uint32Array.from([1]), epoch: 0, shape: [1, 1, 2] };
    const frame = Buffer.concat(encodeFrame(block));
    const length = frame.readUInt32BE(0);
    expect(JSON.parse(frame.subarray(4, 4 + length).toString())).toEqual({ shape: [1, 1, 2], dtype: 'float32', epoch: 0 });
    // -2.0 = sign 1, exponent 128, mantissa 0: 0xc0000000.
    expect(Array.from(frame.subarray(4 + length))).toEqual([0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0, 5, 1, 0, 0, 0]);
  });

  it('refuses a block whose arrays do not match its shape', () => {
    const block: Block = { images: new Uint8Array(5), labels: new Uint8Array(1), indices: new Uint32Array(1), epoch: 0, shape: [1, 2, 2] };
    expect(() => encodeFrame(block)).toThrow('Expected 4 pixels, 1 labels and 1 indices for block of shape [1, 2, 2] but received 5, 1 and 1');
  });

  it('errors with the byte offset when the stream ends inside a frame', async () => {
    const frame = Buffer.concat(encodeFrame(syntheticBlocks(3, [3])[0]));
    const cut = frame.subarray(0, frame.length - 2);
    const error = await decodeAll(chunked(cut, 5)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FrameError);
    expect((error as FrameError).offset).toBe(cut.length);
    expect((error as Error).message).toContain(`at byte ${cut.length}: expected the rest of a frame (body), found the end of the stream`);
  });

  it('errors on bytes that are not frames, naming what it expected', async () => {
    const html = Buffer.from('<!doctype html><p>hello</p>');
    const htmlLength = html.readUInt32BE(0); // "<!do" read as a big-endian length
    await expect(decodeAll([html])).rejects.toThrow(`at byte 0: expected a header length between 1 and 65536, found ${htmlLength}`);
    const headerFrame = (json: string): Buffer => Buffer.concat([Buffer.from([0, 0, 0, json.length]), Buffer.from(json)]);
    await expect(decodeAll([headerFrame('{"shape":[1,2],"dtype"')])).rejects.toThrow('at byte 4: expected a UTF-8 JSON frame header');
    await expect(decodeAll([headerFrame('{"shape":[1,2],"dtype":"uint8","epoch":0}')])).rejects.toThrow(
      'at byte 4: expected three non-negative integers for shape, found [1,2]',
    );
    await expect(decodeAll([headerFrame('{"shape":[1,2,2],"dtype":"int16","epoch":0}')])).rejects.toThrow(
      'expected "uint8" or "float32" for dtype, found "int16"',
    );
  });

  it('turns an error frame into a RemotePipelineError with the server message', async () => {
    const bytes = Buffer.concat([...encodeFrame(syntheticBlocks(3, [3])[0]), encodeErrorFrame('disk on fire')]);
    const seen: Block[] = [];
    const error = await lastValueFrom(from(chunked(bytes, 3)).pipe(decodeFrames('test stream'))).catch((e: unknown) => e);
    from(chunked(bytes, 3)).pipe(decodeFrames()).subscribe({ next: (b) => seen.push(b), error: () => undefined });
    expect(error).toBeInstanceOf(RemotePipelineError);
    expect((error as Error).message).toBe("test stream: the server's pipeline failed: disk on fire");
    expect(seen.length).toBe(1); // the frame before the error arrived
  });
});
