import { describe, expect, it } from 'vitest';
import { lookupBytes } from '../../../packages/transforms/src/kernels/index.js';
import { lcgBytes } from '../../fixtures/blocks.js';

describe('lookupBytes', () => {
  it('equals the plain dst[i] = table[src[i]] loop for every alignment and length', () => {
    const table = Float32Array.from({ length: 256 }, (_, v) => (v * 7919) % 1009 - 0.5);
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

  it('rejects a short dst', () => {
    expect(() => lookupBytes(new Uint8Array(20), new Float32Array(19), new Float32Array(256))).toThrow(
      'Expected at least 20 values for dst but received 19',
    );
  });
});
