import { lastValueFrom, toArray } from 'rxjs';
import { deflateRawSync, gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { fromBytes, gunzip, GzipError, InflateLimitError } from '@idxflow/core';
import { gzipBomb, MIB } from '../fixtures/hostile.js';
import { lcgBytes } from '../fixtures/blocks.js';
import { filled, gzipHeader, gzipMember } from '../fixtures/gzip.js';

const failure = (promise: Promise<unknown>): Promise<unknown> => promise.then(() => new Error('no error'), (e: unknown) => e);

async function inflate(bytes: Uint8Array, chunkSize = 1000): Promise<Uint8Array> {
  const chunks = await lastValueFrom(fromBytes(bytes, { chunkSize }).pipe(gunzip({ file: 'f.gz' }), toArray()));
  return new Uint8Array(Buffer.concat(chunks));
}

// Compressible but not trivial: bytes in a narrow range.
const plain = lcgBytes(300_000, 9).map((b) => b & 0x0f);
const zipped = gzipSync(plain); // Node's zlib, independent of the inflater under test

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

describe('gunzip() member boundaries and headers', () => {
  const a = lcgBytes(50_000, 3).map((b) => b & 0x3f);
  const b = lcgBytes(40_000, 4).map((b) => b & 0x07);
  const c = lcgBytes(9_000, 5);

  it('inflates a later member whose header is longer than any chunk, at every chunk size', async () => {
    const long = { name: filled(20_000, 0x6e), comment: filled(9_000, 0x63), extra: lcgBytes(65_535, 6), headerCrc: true };
    const file = Buffer.concat([gzipSync(a), gzipMember(b, long), gzipMember(c, { ...long, level: 0 })]);
    const expected = Buffer.concat([a, b, c]);
    expect(gunzipSync(file).equals(expected)).toBe(true); // zlib agrees the file is valid
    for (const size of [1, 5, 4093, 4096, 16_384, 65_536, file.length]) {
      expect(Buffer.from(await inflate(file, size)).equals(expected)).toBe(true);
    }
  });

  it('inflates members with every combination of optional header fields', async () => {
    for (let flags = 0; flags < 16; flags++) {
      const header = {
        headerCrc: (flags & 1) !== 0,
        extra: flags & 2 ? Uint8Array.of(1, 0, 2, 0) : undefined,
        name: flags & 4 ? filled(3, 0x61) : undefined,
        comment: flags & 8 ? filled(2, 0x62) : undefined,
      };
      const file = Buffer.concat([gzipMember(c, header), gzipMember(a, header)]);
      expect(gunzipSync(file).equals(Buffer.concat([c, a]))).toBe(true);
      expect(Buffer.from(await inflate(file, 7)).equals(Buffer.concat([c, a]))).toBe(true);
    }
  });

  it('rejects a reserved flag bit in any member, naming the flags byte', async () => {
    const members = [gzipMember(a), gzipMember(b, { name: filled(5000, 0x6e) }), gzipMember(c)];
    for (let m = 0; m < members.length; m++) {
      for (const bit of [0x20, 0x40, 0x80]) {
        const bad = members.map((member, k) => (k === m ? Buffer.from(member) : member));
        bad[m][3] |= bit;
        const file = Buffer.concat(bad);
        expect(() => gunzipSync(file)).toThrow('unknown header flags set');
        const at = members.slice(0, m).reduce((n, member) => n + member.length, 0) + 3;
        const error = await failure(inflate(file, 1000));
        expect(error).toBeInstanceOf(GzipError);
        expect((error as GzipError).offset).toBe(at);
        expect((error as Error).message).toBe(`f.gz at byte ${at}: expected gzip flags with the reserved bits 5-7 clear, found flags 0x${bad[m][3].toString(16).padStart(2, '0')}`);
      }
    }
  });

  it('rejects a wrong header CRC-16 at the CRC field', async () => {
    const second = Buffer.from(gzipMember(b, { name: filled(10, 0x6e), headerCrc: true }));
    const crcAt = 10 + 11; // fixed fields, then the name and its zero byte
    second[crcAt] ^= 1;
    const file = Buffer.concat([gzipSync(a), second]);
    expect(() => gunzipSync(file)).toThrow('header crc mismatch');
    const error = await failure(inflate(file, 333));
    expect(error).toBeInstanceOf(GzipError);
    expect((error as GzipError).offset).toBe(gzipSync(a).length + crcAt);
  });

  it('rejects any byte after the last member, zero padding included', async () => {
    const good = gzipSync(a);
    for (const tail of [[0], [0, 0, 0, 0], [0x1f], [0x1f, 0x8b], [7, 7, 7, 7, 7]]) {
      const error = await failure(inflate(Buffer.concat([good, Uint8Array.from(tail)]), 4096));
      expect(error).toBeInstanceOf(GzipError);
      expect((error as GzipError).offset).toBe(tail[0] === 0x1f ? good.length + tail.length : good.length);
    }
    const cut = Buffer.concat([good, Uint8Array.of(0x1f, 0x8b, 8)]);
    await expect(inflate(cut, 4096)).rejects.toThrow(
      `f.gz at byte ${cut.length}: expected the 10-byte gzip header of the member at byte ${good.length}, found end of data after ${cut.length} bytes (the file is truncated)`,
    );
  });

  it('rejects a stored block whose NLEN is not the complement of LEN, as zlib does', async () => {
    const header = gzipHeader();
    const body = Buffer.from(deflateRawSync(c, { level: 0 })); // stored blocks: 1 byte of header bits, LEN, NLEN
    body[3] ^= 0x10;
    const file = Buffer.concat([header, body, gzipMember(c).subarray(-8)]);
    expect(() => gunzipSync(file)).toThrow('invalid stored block lengths');
    const error = await failure(inflate(file, 100));
    expect(error).toBeInstanceOf(GzipError);
    expect((error as GzipError).offset).toBe(header.length + 3);
  });

  it('hands a highly compressed member on in pieces of at most 256 KiB', async () => {
    const zeros = new Uint8Array(5_000_000);
    const chunks = await lastValueFrom(fromBytes(gzipSync(zeros), { chunkSize: 1 << 20 }).pipe(gunzip(), toArray()));
    expect(chunks.reduce((n, chunk) => n + chunk.length, 0)).toBe(zeros.length);
    expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThanOrEqual(1 << 18);
    expect(chunks.every((chunk) => chunk.every((v) => v === 0))).toBe(true);
  });

  it('stops a bomb within 256 KiB past max(64 MiB, maxInflateRatio x the input read), and inflates it whole under a higher ratio', async () => {
    const bomb = gzipBomb(new Uint8Array(0), 80); // 80 MiB of zeros in about 80 KiB
    let inflated = 0;
    const error = await lastValueFrom(fromBytes(bomb, { chunkSize: 1 << 16 }).pipe(gunzip({ file: 'bomb.gz' }), toArray()))
      .then(() => undefined)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InflateLimitError);
    const message = (error as Error).message;
    const ceiling = Math.max(64 * MIB, 100 * bomb.length);
    expect(message).toMatch(new RegExp(`^bomb\\.gz at byte \\d+: expected at most ${ceiling} inflated bytes from \\d+ compressed ones \\(100 times as many, or 64 MiB; \`maxInflateRatio\` raises it\\), found (\\d+) bytes or more$`));
    const found = Number(/found (\d+) bytes/.exec(message)![1]);
    expect(found).toBeGreaterThan(ceiling);
    expect(found).toBeLessThanOrEqual(ceiling + (1 << 18));
    await new Promise<void>((resolve, reject) =>
      fromBytes(bomb).pipe(gunzip({ file: 'bomb.gz', maxInflateRatio: 1032 })).subscribe({ next: (c) => (inflated += c.length), error: (e: unknown) => (e instanceof GzipError ? resolve() : reject(e)), complete: resolve }),
    );
    expect(inflated).toBe(80 * MIB); // then its zero CRC-32 fails: the test's bomb does not carry the real one
  });
});
