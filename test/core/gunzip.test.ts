import { lastValueFrom, toArray } from 'rxjs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fromBytes, gunzip, GzipError } from '@idxflow/core';
import { lcgBytes } from '../fixtures/blocks.js';

async function inflate(bytes: Uint8Array, chunkSize = 1000): Promise<Uint8Array> {
  const chunks = await lastValueFrom(fromBytes(bytes, { chunkSize }).pipe(gunzip({ file: 'f.gz' }), toArray()));
  return new Uint8Array(Buffer.concat(chunks));
}

// Compressible but not trivial: bytes in a narrow range.
const plain = lcgBytes(300_000, 9).map((b) => b & 0x0f);
const zipped = gzipSync(plain); // Node's zlib, independent of fflate

describe('gunzip()', () => {
  it('inflates a gzip stream whatever the chunking', async () => {
    for (const size of [1, 13, 4096, 1 << 20]) {
      expect(Buffer.from(await inflate(zipped, size)).equals(Buffer.from(plain))).toBe(true);
    }
  });

  it('passes raw input through untouched, chunk for chunk', async () => {
    const chunks = await lastValueFrom(fromBytes(plain, { chunkSize: 1000 }).pipe(gunzip(), toArray()));
    expect(chunks.length).toBe(300);
    expect(Buffer.concat(chunks).equals(Buffer.from(plain))).toBe(true);
    expect(chunks[5].buffer).toBe(plain.buffer); // views, not copies
  });

  it('passes a 1-byte raw input through', async () => {
    expect(Array.from(await inflate(new Uint8Array([7])))).toEqual([7]);
  });

  it('inflates every member of a multi-member stream', async () => {
    const a = lcgBytes(50_000, 1);
    const b = lcgBytes(70_000, 2);
    const two = Buffer.concat([gzipSync(a), gzipSync(b)]);
    for (const size of [1, 999, 1 << 20]) {
      expect(Buffer.from(await inflate(two, size)).equals(Buffer.concat([a, b]))).toBe(true);
    }
  });

  it('rejects a wrong CRC-32 in the trailer', async () => {
    const bad = Buffer.from(zipped);
    bad[bad.length - 8] ^= 0xff;
    const error = await inflate(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GzipError);
    expect((error as GzipError).offset).toBe(bad.length - 8);
    expect((error as Error).message).toMatch(/^f\.gz at byte \d+: expected gzip trailer CRC-32 0x[0-9a-f]{8} and size 300000 of the inflated data, found CRC-32 0x[0-9a-f]{8} and size 300000 \(the file is truncated or corrupt\)$/);
  });

  it('rejects a stream cut inside a compressed block', async () => {
    const error = await inflate(zipped.subarray(0, zipped.length >> 1)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GzipError);
    expect((error as Error).message).toContain('expected a complete, valid deflate stream, found the data ends inside a compressed block (truncated or corrupt)');
  });

  it('rejects a stream that lost its trailer', async () => {
    const error = await inflate(zipped.subarray(0, zipped.length - 8)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GzipError);
    expect((error as Error).message).toContain('expected gzip trailer CRC-32');
  });

  it('rejects corrupted compressed bytes', async () => {
    const bad = Buffer.from(zipped);
    for (let i = 100; i < 140; i++) bad[i] ^= 0x5a;
    const error = await inflate(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GzipError);
    expect((error as Error).message).toMatch(/^f\.gz at byte \d+: expected /);
  });
});
