import { describe, expect, it } from 'vitest';
import { gatherLookup, lookupBytes } from '../../../packages/transforms/src/kernels/index.js';
import { lcgBytes } from '../../fixtures/blocks.js';

const table = Float32Array.from({ length: 256 }, (_, v) => (v * 7919) % 1009 - 0.5);

/** A table whose entries are bit patterns a float conversion could change: -0, a quiet NaN with a payload, a signalling NaN, the smallest subnormal. */
function awkwardTable(): { values: Float32Array; bits: Uint32Array } {
  const awkward = [0x80000000, 0x7fc01234, 0x7f800001, 0x00000001];
  const bits = Uint32Array.from({ length: 256 }, (_, v) => (v < awkward.length ? awkward[v] : 0x3f800000 + v)); // then ordinary floats near 1
  return { values: new Float32Array(bits.buffer), bits };
}

/** Asserts `actual` equals `expected` value for value, naming the first difference (faster than toEqual on big arrays). */
function expectSameValues(actual: Float32Array, expected: Float32Array): void {
  expect(actual.length).toBe(expected.length);
  const at = actual.findIndex((v, i) => !Object.is(v, expected[i]));
  expect(at === -1 ? 'all equal' : `differs at ${at}: ${actual[at]} for ${expected[at]}`).toBe('all equal');
}

describe('lookupBytes', () => {
  it('equals the plain dst[i] = table[src[i]] loop for every alignment and length', () => {
    const bytes = lcgBytes(200, 3);
    for (let offset = 0; offset < 4; offset++) {
      for (const length of [0, 1, 3, 15, 16, 17, 31, 64, 101, 196]) {
        const src = bytes.subarray(offset, offset + length);
        const dst = new Float32Array(length + 2).fill(-7);
        lookupBytes(src, dst, table);
        const expected = [...Array.from(src, (v) => table[v]), -7, -7]; // and nothing past the end
        expect(Array.from(dst), `offset ${offset}, length ${length}`).toEqual(expected);
      }
    }
  });

  it('looks up inputs longer than the kernel stages at once (32 KiB), across every chunk boundary', () => {
    const src = lcgBytes(100_003, 5).subarray(1); // odd offset and length
    const dst = new Float32Array(src.length + 1).fill(-7);
    lookupBytes(src, dst, table);
    const expected = Float32Array.from(src, (v) => table[v]);
    expectSameValues(dst.subarray(0, src.length), expected);
    expect(dst[src.length]).toBe(-7);
  });

  it('copies the table entries bit for bit (-0, NaN payloads, subnormals)', () => {
    const { values, bits } = awkwardTable();
    const src = Uint8Array.from(lcgBytes(1000, 9), (v, i) => (i % 3 === 0 ? i % 4 : v)); // every awkward entry, often
    const dst = new Float32Array(1000);
    lookupBytes(src, dst, values);
    expect(Array.from(new Uint32Array(dst.buffer))).toEqual(Array.from(src, (v) => bits[v]));
  });

  it('rejects a short dst or table', () => {
    expect(() => lookupBytes(new Uint8Array(20), new Float32Array(19), new Float32Array(256))).toThrow(
      'Expected at least 20 values for dst but received 19',
    );
    expect(() => lookupBytes(new Uint8Array(20), new Float32Array(20), new Float32Array(255))).toThrow(
      'Expected at least 256 values for table but received 255',
    );
  });
});

describe('gatherLookup', () => {
  /** Sample `rows[i]` of `src` through `table`, written out with nothing shared with the kernel. */
  function plainGather(src: Uint8Array, rows: Uint32Array, size: number, lookup: Float32Array): Float32Array {
    const out = new Float32Array(rows.length * size);
    for (let i = 0; i < rows.length; i++) for (let k = 0; k < size; k++) out[i * size + k] = lookup[src[rows[i] * size + k]];
    return out;
  }

  it.each([
    ['28 x 28 samples', 784, 300, 0],
    ['odd-sized samples at an odd offset', 5, 1000, 3],
    ['samples bigger than a staged chunk', 40_000, 6, 1],
  ])('equals a plain gather for %s, rows in any order and repeated', (_, size, samples, offset) => {
    const src = lcgBytes(samples * size + offset, size).subarray(offset);
    const rng = lcgBytes(4 * 2 * samples, 17);
    const rows = Uint32Array.from({ length: 2 * samples }, (_, i) => ((rng[4 * i] << 8) | rng[4 * i + 1]) % samples);
    const dst = new Float32Array(rows.length * size + 1).fill(-7);
    gatherLookup(src, rows, size, dst, table);
    expectSameValues(dst.subarray(0, rows.length * size), plainGather(src, rows, size, table));
    expect(dst[rows.length * size]).toBe(-7);
  });

  it('reads a source in shared memory, as the workers do', () => {
    const bytes = lcgBytes(784 * 50, 4);
    const src = new Uint8Array(new SharedArrayBuffer(bytes.length));
    src.set(bytes);
    const rows = Uint32Array.of(49, 0, 7, 7, 31);
    const dst = new Float32Array(rows.length * 784);
    gatherLookup(src, rows, 784, dst, table);
    expectSameValues(dst, plainGather(bytes, rows, 784, table));
  });

  it('copies the table entries bit for bit', () => {
    const { values, bits } = awkwardTable();
    const src = Uint8Array.from(lcgBytes(16 * 10, 2), (v, i) => (i % 3 === 0 ? i % 4 : v));
    const rows = Uint32Array.of(3, 9, 0);
    const dst = new Float32Array(3 * 16);
    gatherLookup(src, rows, 16, dst, values);
    const expected = Array.from(rows).flatMap((r) => Array.from(src.subarray(r * 16, r * 16 + 16), (v) => bits[v]));
    expect(Array.from(new Uint32Array(dst.buffer))).toEqual(expected);
  });

  it('rejects rows past the source and a short dst', () => {
    expect(() => gatherLookup(new Uint8Array(40), Uint32Array.of(0, 4), 10, new Float32Array(20), table)).toThrow(
      'Expected rows below 4 but received 4 at 1',
    );
    expect(() => gatherLookup(new Uint8Array(40), Uint32Array.of(0, 1), 10, new Float32Array(19), table)).toThrow(
      'Expected at least 20 values for dst but received 19',
    );
  });
});
