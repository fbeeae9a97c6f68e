import fc from 'fast-check';
import { lastValueFrom, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { decodeIdx, encodeIdx, fromBytes, IdxFormatError, type IdxArray, type IdxRecords } from '@idxflow/core';

async function decodeAll(bytes: Uint8Array, chunkSize: number): Promise<IdxRecords[]> {
  return lastValueFrom(fromBytes(bytes, { chunkSize }).pipe(decodeIdx({ file: 'x.idx' }), toArray()));
}

function bytesOf(data: IdxArray): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function joined(groups: IdxRecords[], like: IdxArray): Uint8Array {
  const parts = groups.map((g) => bytesOf(g.data));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  expect(groups.every((g) => g.data.constructor === like.constructor)).toBe(true);
  return out;
}

describe('encodeIdx', () => {
  it('writes the header and big-endian elements (hand-worked)', () => {
    const bytes = encodeIdx(new Int16Array([1, -2]), [2]);
    expect(Array.from(bytes)).toEqual([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x00, 0x01, 0xff, 0xfe]);
    const f = encodeIdx(new Float32Array([1]), [1, 1]);
    expect(Array.from(f)).toEqual([0, 0, 0x0d, 2, 0, 0, 0, 1, 0, 0, 0, 1, 0x3f, 0x80, 0, 0]);
    const d = encodeIdx(new Float64Array([-2]), [1]);
    expect(Array.from(d.subarray(8))).toEqual([0xc0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('rejects a shape that does not match the data', () => {
    expect(() => encodeIdx(new Uint8Array(5), [2, 2])).toThrow('Expected 4 elements for dims [2, 2] but received 5');
  });
});

const arrays: Record<string, fc.Arbitrary<IdxArray>> = {
  u8: fc.array(fc.integer({ min: 0, max: 255 })).map((a) => Uint8Array.from(a)),
  i8: fc.array(fc.integer({ min: -128, max: 127 })).map((a) => Int8Array.from(a)),
  i16: fc.array(fc.integer({ min: -32768, max: 32767 })).map((a) => Int16Array.from(a)),
  i32: fc.array(fc.integer()).map((a) => Int32Array.from(a)),
  f32: fc.array(fc.float({ noDefaultInfinity: false, noNaN: false })).map((a) => Float32Array.from(a)),
  f64: fc.array(fc.double({ noDefaultInfinity: false, noNaN: false })).map((a) => Float64Array.from(a)),
};

describe('decodeIdx(encodeIdx(x)) is the identity', () => {
  for (const [type, arbitrary] of Object.entries(arrays)) {
    it(`for ${type}, any shape and any chunking`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 3 }),
          fc.integer({ min: 0, max: 6 }),
          arbitrary,
          fc.integer({ min: 1, max: 40 }),
          async (inner, records, pool, chunkSize) => {
            const perRecord = inner.reduce((a, b) => a * b, 1);
            const length = perRecord * records;
            const Ctor = pool.constructor as { new (n: number): IdxArray };
            const data = new Ctor(length);
            for (let i = 0; i < length; i++) data[i] = pool.length ? pool[i % pool.length] : i;
            const groups = await decodeAll(encodeIdx(data, [records, ...inner]), chunkSize);
            if (records === 0) {
              expect(groups).toEqual([]);
              return;
            }
            expect(groups[0].header.dims).toEqual([records, ...inner]);
            expect(groups[0].header.type).toBe(type);
            expect(groups.reduce((n, g) => n + g.count, 0)).toBe(records);
            // Bytes compared, so NaN payloads, -0 and infinities must all survive.
            expect(Buffer.from(joined(groups, data)).equals(Buffer.from(bytesOf(data)))).toBe(true);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it('keeps negative zero, infinities and NaN in f32 and f64', async () => {
    const values = [-0, Infinity, -Infinity, NaN, -1.5, 3.4e38];
    for (const Ctor of [Float32Array, Float64Array]) {
      const data = Ctor.from(values);
      const groups = await decodeAll(encodeIdx(data, [values.length]), 3);
      expect(groups.flatMap((g) => Array.from(g.data)).map((v) => (Object.is(v, -0) ? '-0' : String(v)))).toEqual(
        Array.from(data).map((v) => (Object.is(v, -0) ? '-0' : String(v))),
      );
    }
  });
});

/** An IDX header alone: magic for `code`, then the dimensions, big-endian. */
function header(code: number, dims: number[]): Uint8Array {
  const bytes = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, (code << 8) | dims.length, false);
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  return bytes;
}

describe('decodeIdx sizes a header announces', () => {
  it.each([
    ['f64 [1, 70000, 70000]', 0x0e, [1, 70_000, 70_000], 12, 'dimensions 70000 x 70000 of f64, 39200000000 bytes a record'],
    ['u8 [1, 65536, 65537]', 0x08, [1, 65_536, 65_537], 12, 'dimensions 65536 x 65537 of u8, 4295032832 bytes a record'],
    ['i16 [1, 2, 2^31, 3]', 0x0b, [1, 2, 2 ** 31, 3], 12, 'dimensions 2 x 2147483648 of i16, 8589934592 bytes a record'],
    ['u8 [1, 2^32 - 1, 2]', 0x08, [1, 2 ** 32 - 1, 2], 12, 'dimensions 4294967295 x 2 of u8, 8589934590 bytes a record'],
  ])('rejects records over 2^32 bytes (%s) at the dimension that passes it', async (_, code, dims, offset, found) => {
    const error = await decodeAll(header(code, dims), 3).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as IdxFormatError).offset).toBe(offset);
    expect((error as Error).message).toBe(`x.idx at byte ${offset}: expected records of at most 2^32 bytes, found ${found}`);
  });

  it('rejects a total size past 2^53 - 1 bytes at the record count', async () => {
    const error = await decodeAll(header(0x08, [2 ** 32 - 1, 2 ** 22]), 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as Error).message).toBe('x.idx at byte 4: expected at most 2^53 - 1 bytes in all, found 4294967295 records of 4194304 bytes');
  });

  it('accepts records of exactly 2^32 bytes, and allocates only for the bytes that come', async () => {
    const bytes = new Uint8Array(16 + 1000);
    bytes.set(header(0x08, [1, 65_536, 65_536]));
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const error = await lastValueFrom(
      fromBytes(bytes, { chunkSize: 100 }).pipe(
        decodeIdx({ file: 'x.idx', onHeader: () => (peak = process.memoryUsage().arrayBuffers) }),
        toArray(),
      ),
    ).catch((e: unknown) => e);
    peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as Error).message).toBe(
      'x.idx at byte 1016: expected 4294967312 bytes (1 records of 65536 x 65536 u8), found end of data after 1016 bytes (0 whole records): the file is truncated',
    );
    expect(peak - before).toBeLessThan(64 << 20);
  });

  it('takes a zero dimension to mean empty records, however large the others', async () => {
    const groups = await decodeAll(header(0x0e, [3, 70_000, 0, 70_000]), 4);
    expect(groups.map((g) => [g.first, g.count, g.data.length])).toEqual([[0, 3, 0]]);
    expect(groups[0].data).toBeInstanceOf(Float64Array);
  });
});

describe('decodeIdx errors', () => {
  const good = encodeIdx(new Uint8Array(12), [3, 2, 2]);

  it('names a wrong magic number, and says when the data is gzip', async () => {
    const bad = good.slice();
    bad.set([0x1f, 0x8b, 0x08, 0x08]);
    const error = await decodeAll(bad, 5).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as Error).message).toBe(
      'x.idx at byte 0: expected magic 0x0000TTNN (two zero bytes, a type code, a dimension count), found 0x1f8b0808 (gzip data: decompress it first)',
    );
  });

  it('names an unknown type code', async () => {
    const bad = good.slice();
    bad[2] = 0x07;
    await expect(decodeAll(bad, 5)).rejects.toThrow(
      new IdxFormatError({ file: 'x.idx', offset: 2, expected: 'type code 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e', found: '0x07' }),
    );
    await expect(decodeAll(bad, 5)).rejects.toThrow('x.idx at byte 2: expected type code 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e, found 0x07');
  });

  it('names truncated data with the offset where it ends', async () => {
    const error = await decodeAll(good.subarray(0, good.length - 3), 4).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as IdxFormatError).offset).toBe(good.length - 3);
    expect((error as Error).message).toBe(
      'x.idx at byte 25: expected 28 bytes (3 records of 2 x 2 u8), found end of data after 25 bytes (2 whole records): the file is truncated',
    );
  });

  it('names trailing bytes after the last record', async () => {
    const longer = new Uint8Array(good.length + 2);
    longer.set(good);
    const error = await decodeAll(longer, 100).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as Error).message).toBe('x.idx at byte 28: expected end of data after 3 records of 4 bytes, found 2 more bytes');
  });

  it('names a truncated header', async () => {
    await expect(decodeAll(good.subarray(0, 9), 2)).rejects.toThrow(
      'x.idx at byte 9: expected an IDX header of 16 bytes, found end of data after 9 bytes',
    );
  });

  it('checks the type and dimension count a caller requires', async () => {
    const labels = encodeIdx(new Int32Array(3), [3]);
    const error = await lastValueFrom(fromBytes(labels).pipe(decodeIdx({ file: 'l', type: 'u8', ndims: 1 }), toArray())).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IdxFormatError);
    expect((error as Error).message).toBe('l at byte 2: expected type u8, found type i32');
  });
});
