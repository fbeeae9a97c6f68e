// deflateRle against readers that share no code with it: Node's zlib inflates every stream to
// the input, and PNGs made with it decode to their pixels in sharp (libvips and libpng's zlib).
import { inflateSync, deflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { deflateRle, encodeGreyPngs } from '../../../packages/sinks/src/files/index.js';
import { lcgBytes } from '../../fixtures/blocks.js';
import { mnistTest } from './fixtures.js';

/** Inputs that exercise every path: empty, single bytes, runs at every length around the 3..258 match bounds, noise, ramps. */
function inputs(): [string, Uint8Array][] {
  const cases: [string, Uint8Array][] = [['empty', new Uint8Array(0)], ['one byte', Uint8Array.of(7)], ['two equal', Uint8Array.of(9, 9)]];
  for (const run of [1, 2, 3, 4, 10, 11, 257, 258, 259, 260, 516, 517, 5000]) cases.push([`a run of ${run} after a literal`, Uint8Array.from({ length: run + 1 }, (_, i) => (i === 0 ? 1 : 200))]);
  for (const n of [1, 100, 5551, 5552, 5553, 70_000]) cases.push([`${n} noise bytes`, lcgBytes(n, n)]);
  cases.push(['every byte value twice', Uint8Array.from({ length: 512 }, (_, i) => i >> 1)]);
  cases.push(['ramp of 2^17', Uint8Array.from({ length: 1 << 17 }, (_, i) => (i >> 9) & 255)]);
  return cases;
}

describe('deflateRle', () => {
  it('is a zlib stream that Node inflates back to the input, for every edge case', () => {
    for (const [name, data] of inputs()) {
      const z = deflateRle(data);
      expect([z[0], z[1]], name).toEqual([0x78, 0x01]);
      expect(((z[0] << 8) | z[1]) % 31, name).toBe(0); // the header check of RFC 1950
      expect(Buffer.from(inflateSync(z)).equals(Buffer.from(data)), name).toBe(true);
    }
  });

  it('codes a long run as matches: 100,000 zeros take a few hundred bytes, noise about 9 bits a byte', () => {
    // 100,000 zeros: one literal, then ceil(99,999 / 258) = 388 matches of at most 258, each
    // 7 to 8 bits of length code, up to 5 extra bits and 5 bits of distance: under 18 bits each.
    expect(deflateRle(new Uint8Array(100_000)).length).toBeLessThan(2 + 1 + Math.ceil((388 * 18) / 8) + 4 + 1);
    // Noise has no runs: 8 or 9 bits per literal (fixed codes), so between n and 9n/8 bytes plus framing.
    const noise = deflateRle(lcgBytes(10_000, 5)).length;
    expect(noise).toBeGreaterThan(10_000);
    expect(noise).toBeLessThanOrEqual(Math.ceil((10_000 * 9 + 10) / 8) + 6);
  });

  it('compresses the MNIST test digits within a quarter of zlib level 6, and sharp reads the PNGs it makes', async () => {
    const { images } = mnistTest();
    const digits = new Uint8Array(images.subarray(0, 2000 * 784));
    let ours = 0;
    let zlib = 0;
    for (let i = 0; i < 2000; i++) {
      const rows = new Uint8Array(28 * 29);
      for (let y = 0; y < 28; y++) rows.set(digits.subarray(i * 784 + y * 28, i * 784 + (y + 1) * 28), y * 29 + 1);
      ours += deflateRle(rows).length;
      zlib += deflateSync(rows, { level: 6 }).length;
    }
    expect(ours).toBeLessThan(1.25 * zlib);
    const { bytes, offsets } = encodeGreyPngs(digits, [2000, 28, 28], { deflate: deflateRle });
    for (let i = 0; i < 2000; i += 97) {
      const png = bytes.subarray(offsets[i], offsets[i + 1]);
      const meta = await sharp(png).metadata();
      expect([meta.format, meta.width, meta.height, meta.channels, meta.space]).toEqual(['png', 28, 28, 1, 'b-w']);
      const data = await sharp(png).toColourspace('b-w').raw().toBuffer();
      expect(data.equals(Buffer.from(digits.subarray(i * 784, (i + 1) * 784)))).toBe(true);
    }
  });
});
