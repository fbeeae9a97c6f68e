// encodeGreyPng() and encodeGreyPngs() checked by readers that share no code with them: sharp
// (libvips' PNG loader), PIL, and a chunk parser here that recomputes every CRC with Node's
// zlib.crc32 and inflates with Node's zlib, rows unfiltered by fixtures.ts's decodeGreyPng.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, inflateSync } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { OptionError } from '@idxflow/core';
import { encodeGreyPng, encodeGreyPngs, type PngFilter } from '../../../packages/sinks/src/files/png.js';
import { lcgBytes } from '../../fixtures/blocks.js';
import { describeWithPython, python } from '../../fixtures/python.js';
import { ascii, decodeGreyPng, mnistTest, tmp } from './fixtures.js';

const FILTERS: PngFilter[] = ['none', 'sub', 'up', 'average', 'paeth', 'adaptive'];
const mnist = new Uint8Array(mnistTest().images);
const digit = (i: number): Uint8Array => mnist.subarray(i * 784, (i + 1) * 784);

/** Hand-made images: the smallest, single rows and columns, flat extremes, noise, steep ramps. */
const EDGES: { name: string; width: number; height: number; pixels: Uint8Array }[] = [
  { name: '1x1', width: 1, height: 1, pixels: new Uint8Array([200]) },
  { name: '1x37 noise (one column)', width: 1, height: 37, pixels: lcgBytes(37, 1) },
  { name: '41x1 noise (one row)', width: 41, height: 1, pixels: lcgBytes(41, 2) },
  { name: '28x28 all 0', width: 28, height: 28, pixels: new Uint8Array(784) },
  { name: '28x28 all 255', width: 28, height: 28, pixels: new Uint8Array(784).fill(255) },
  { name: '64x64 noise', width: 64, height: 64, pixels: lcgBytes(4096, 3) },
  { name: '300x7 noise', width: 300, height: 7, pixels: lcgBytes(2100, 4) },
  // Differences of every size and sign, so that each filter's sums wrap modulo 256.
  { name: '256x5 ramps', width: 256, height: 5, pixels: Uint8Array.from({ length: 1280 }, (_, i) => ((i % 256) * (1 + 37 * Math.floor(i / 256))) & 255) },
];

/**
 * Parses a PNG strictly: the signature, then exactly IHDR, IDAT, IEND, each chunk's CRC equal
 * to Node's zlib.crc32 of its type and data, nothing after IEND; a zlib stream as PNG allows
 * it (deflate, window up to 32 KiB, no preset dictionary), inflated by Node (which checks its
 * Adler-32). Returns the IHDR fields and the filter type byte of each row.
 */
function parsePng(png: Uint8Array): { width: number; height: number; fields: number[]; filters: number[] } {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  expect([...png.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  const chunks: { type: string; data: Uint8Array }[] = [];
  let at = 8;
  while (at < png.length) {
    const length = view.getUint32(at);
    const type = ascii(png.subarray(at + 4, at + 8));
    expect(view.getUint32(at + 8 + length), `CRC of ${type}`).toBe(crc32(png.subarray(at + 4, at + 8 + length)));
    chunks.push({ type, data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  expect(at).toBe(png.length);
  expect(chunks.map((c) => [c.type, c.type === 'IDAT' ? 'some' : c.data.length])).toEqual([['IHDR', 13], ['IDAT', 'some'], ['IEND', 0]]);
  const ihdr = new DataView(chunks[0].data.buffer, chunks[0].data.byteOffset, 13);
  const [width, height] = [ihdr.getUint32(0), ihdr.getUint32(4)];
  const z = chunks[1].data;
  expect([z[0] & 15, z[0] >> 4 <= 7, ((z[0] << 8) | z[1]) % 31, z[1] & 32]).toEqual([8, true, 0, 0]);
  const raw = inflateSync(z);
  expect(raw.length).toBe(height * (width + 1));
  const filters = Array.from({ length: height }, (_, y) => raw[y * (width + 1)]);
  return { width, height, fields: [...chunks[0].data.subarray(8)], filters };
}

/** PNG section 12.8's choice per row, written out plainly: least sum of |signed output|, ties to the lower type. */
function heuristicFilters(px: Uint8Array, width: number, height: number): number[] {
  const at = (x: number, y: number): number => (x >= 0 && y >= 0 ? px[y * width + x] : 0);
  const predict = [
    () => 0,
    (a: number) => a,
    (_a: number, b: number) => b,
    (a: number, b: number) => Math.floor((a + b) / 2),
    (a: number, b: number, c: number) => {
      const p = a + b - c;
      const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
      return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    },
  ];
  return Array.from({ length: height }, (_, y) => {
    const sums = predict.map((f) => {
      let sum = 0;
      for (let x = 0; x < width; x++) {
        const d = (((at(x, y) - f(at(x - 1, y), at(x, y - 1), at(x - 1, y - 1))) % 256) + 256) % 256;
        sum += d < 128 ? d : 256 - d;
      }
      return sum;
    });
    return sums.indexOf(Math.min(...sums));
  });
}

/** What sharp makes of a PNG: the header it reports and the pixels of its one channel. */
async function sharpReads(png: Uint8Array): Promise<{ header: unknown[]; pixels: Buffer }> {
  const m = await sharp(png).metadata();
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  expect(info.channels).toBe(1);
  return { header: [m.format, m.space, m.channels, m.depth, m.width, m.height, m.isPalette, m.hasAlpha, m.isProgressive], pixels: data };
}
const sharpHeader = (width: number, height: number): unknown[] => ['png', 'b-w', 1, 'uchar', width, height, false, false, false];

/** Runs `f` over `items`, `lanes` at a time (sharp decodes on libuv's threads). */
async function eachConcurrently<T>(items: T[], lanes: number, f: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (next < items.length) await f(items[next++]);
  }));
}

describe('encodeGreyPng', () => {
  it('writes signature, IHDR (8-bit grey, no interlace), IDAT, IEND with CRCs equal to zlib.crc32; the rows inflate and unfilter to the edge images, every filter and level', () => {
    for (const { name, width, height, pixels } of EDGES) {
      for (const filter of FILTERS) {
        for (const level of [0, 1, 6, 9]) {
          const png = encodeGreyPng(pixels, width, height, { filter, level });
          const parsed = parsePng(png);
          const what = `${name}, ${filter}, level ${level}`;
          expect([parsed.width, parsed.height, parsed.fields], what).toEqual([width, height, [8, 0, 0, 0, 0]]);
          const expected = filter === 'adaptive' ? heuristicFilters(pixels, width, height) : Array(height).fill(FILTERS.indexOf(filter));
          expect(parsed.filters, what).toEqual(expected);
          expect(decodeGreyPng(png).pixels, what).toEqual(pixels);
        }
      }
    }
  });

  it('the adaptive filter uses more than one filter type on MNIST digits and on the ramps, as the independent heuristic chooses', () => {
    const ramps = EDGES.find((e) => e.name === '256x5 ramps')!;
    const used = new Set(parsePng(encodeGreyPng(ramps.pixels, 256, 5, { filter: 'adaptive' })).filters);
    for (let i = 0; i < 100; i++) {
      const { filters } = parsePng(encodeGreyPng(digit(i), 28, 28, { filter: 'adaptive' }));
      expect(filters).toEqual(heuristicFilters(digit(i), 28, 28));
      filters.forEach((f) => used.add(f));
    }
    expect(used.size).toBeGreaterThan(2);
  });

  it('the reference decoder reads the 10,000 MNIST test digits back (none and adaptive; the first 2,000 at the other filters)', () => {
    for (const filter of FILTERS) {
      const count = filter === 'none' || filter === 'adaptive' ? 10000 : 2000;
      for (let i = 0; i < count; i++) {
        const { pixels } = decodeGreyPng(encodeGreyPng(digit(i), 28, 28, { filter }));
        if (!pixels.every((v, k) => v === mnist[i * 784 + k])) expect.fail(`digit ${i}, filter ${filter}: pixels differ`);
      }
    }
  });

  it('sharp reads every fifth MNIST test digit (2,000) at the default options as one 8-bit grey channel with its pixels', async () => {
    const failures: number[] = [];
    await eachConcurrently(Array.from({ length: 2000 }, (_, k) => 5 * k), 8, async (i) => {
      const { header, pixels } = await sharpReads(encodeGreyPng(digit(i), 28, 28));
      if (JSON.stringify(header) !== JSON.stringify(sharpHeader(28, 28)) || !pixels.equals(digit(i))) failures.push(i);
    });
    expect(failures).toEqual([]);
  });

  it('sharp reads the edge images and 50 MNIST digits at every filter and level 0, 1 and 9', async () => {
    const images = [...EDGES, ...Array.from({ length: 50 }, (_, i) => ({ name: `digit ${i}`, width: 28, height: 28, pixels: digit(i * 199) }))];
    const cases = images.flatMap((image) => FILTERS.flatMap((filter) => [0, 1, 9].map((level) => ({ ...image, filter, level }))));
    await eachConcurrently(cases, 8, async ({ name, width, height, pixels, filter, level }) => {
      const { header, pixels: read } = await sharpReads(encodeGreyPng(pixels, width, height, { filter, level }));
      expect(header, `${name}, ${filter}, level ${level}`).toEqual(sharpHeader(width, height));
      expect(read.equals(pixels), `${name}, ${filter}, level ${level}`).toBe(true);
    });
  });

  it('defaults to filter none at zlib level 6; level 0 stores the rows (one stored block: 2 + 5 + 812 + 4 bytes of IDAT)', () => {
    const png = encodeGreyPng(digit(0), 28, 28);
    expect(png).toEqual(encodeGreyPng(digit(0), 28, 28, { filter: 'none', level: 6 }));
    expect(png).not.toEqual(encodeGreyPng(digit(0), 28, 28, { filter: 'none', level: 1 }));
    expect(parsePng(png).filters).toEqual(Array(28).fill(0));
    const stored = encodeGreyPng(digit(0), 28, 28, { level: 0 });
    expect(new DataView(stored.buffer).getUint32(33)).toBe(2 + 5 + 28 * 29 + 4);
    expect(png.length).toBeLessThan(stored.length);
  });

  it('gives the same bytes for the same image before and after larger and smaller ones (scratch reuse)', () => {
    const first = encodeGreyPng(digit(7), 28, 28, { filter: 'paeth' });
    const noise = EDGES.find((e) => e.name === '64x64 noise')!;
    const bigFirst = encodeGreyPng(noise.pixels, 64, 64, { filter: 'paeth' });
    encodeGreyPng(new Uint8Array([9]), 1, 1, { filter: 'paeth' });
    expect(encodeGreyPng(digit(7), 28, 28, { filter: 'paeth' })).toEqual(first);
    expect(encodeGreyPng(noise.pixels, 64, 64, { filter: 'paeth' })).toEqual(bigFirst);
    expect(decodeGreyPng(first).pixels).toEqual(digit(7));
  });

  it('rejects bad dimensions, pixel counts, pixel types and options, naming them', () => {
    const px = new Uint8Array(784);
    expect(() => encodeGreyPng(px, 0, 28)).toThrow(new OptionError('Expected integer between 1 and 2147483647 for width but received 0 of type number'));
    expect(() => encodeGreyPng(px, 28, 0)).toThrow(new OptionError('Expected integer between 1 and 2147483647 for height but received 0 of type number'));
    expect(() => encodeGreyPng(px, 2 ** 31, 1)).toThrow(new OptionError('Expected integer between 1 and 2147483647 for width but received 2147483648 of type number'));
    expect(() => encodeGreyPng(px, 1, 2 ** 31)).toThrow(new OptionError('Expected integer between 1 and 2147483647 for height but received 2147483648 of type number'));
    expect(() => encodeGreyPng(px, 28.5, 28)).toThrow(/for width but received 28.5 of type number/);
    expect(() => encodeGreyPng(px, '28' as unknown as number, 28)).toThrow(/for width but received "28" of type string/);
    expect(() => encodeGreyPng(px.subarray(1), 28, 28)).toThrow(new OptionError('Expected 784 bytes (28 x 28) for pixels but received 783'));
    expect(() => encodeGreyPng(px, 28, 27)).toThrow(new OptionError('Expected 756 bytes (28 x 27) for pixels but received 784'));
    expect(() => encodeGreyPng(new Float32Array(784) as unknown as Uint8Array, 28, 28)).toThrow(new OptionError('Expected a Uint8Array for pixels but received a Float32Array'));
    expect(() => encodeGreyPng(null as unknown as Uint8Array, 28, 28)).toThrow(new OptionError('Expected a Uint8Array for pixels but received null of type object'));
    expect(() => encodeGreyPng(px, 28, 28, { filter: 'best' as PngFilter })).toThrow(
      new OptionError('Expected one of none, sub, up, average, paeth, adaptive for filter but received "best" of type string'),
    );
    expect(() => encodeGreyPng(px, 28, 28, { level: 10 })).toThrow(new OptionError('Expected integer between 0 and 9 for level but received 10 of type number'));
    expect(() => encodeGreyPng(px, 28, 28, 6 as unknown as object)).toThrow(new OptionError('Expected an object for options but received 6 of type number'));
  });
});

describe('encodeGreyPngs', () => {
  it('writes one buffer whose slices are, byte for byte, encodeGreyPng of each image: 1,000 MNIST digits at every filter', () => {
    const images = mnist.subarray(0, 1000 * 784);
    for (const filter of FILTERS) {
      const { bytes, offsets } = encodeGreyPngs(images, [1000, 28, 28], { filter, level: filter === 'none' ? 9 : undefined });
      expect([offsets.length, offsets[0], offsets[1000]]).toEqual([1001, 0, bytes.length]);
      for (let i = 0; i < 1000; i++) {
        const single = encodeGreyPng(digit(i), 28, 28, { filter, level: filter === 'none' ? 9 : undefined });
        const slice = bytes.subarray(offsets[i], offsets[i + 1]);
        if (!Buffer.from(slice).equals(single)) expect.fail(`digit ${i}, filter ${filter}: the batch's PNG differs from the single encode`);
      }
    }
  });

  it('encodes a block of 5 noise images of 7 x 300 that sharp reads back, and a block of none', async () => {
    const images = lcgBytes(5 * 2100, 9);
    const { bytes, offsets } = encodeGreyPngs(images, [5, 7, 300], { filter: 'adaptive' });
    for (let i = 0; i < 5; i++) {
      const png = bytes.slice(offsets[i], offsets[i + 1]);
      const pixels = images.subarray(i * 2100, (i + 1) * 2100);
      expect(png).toEqual(encodeGreyPng(pixels, 300, 7, { filter: 'adaptive' }));
      const read = await sharpReads(png);
      expect(read.header).toEqual(sharpHeader(300, 7));
      expect(read.pixels.equals(pixels)).toBe(true);
    }
    expect(encodeGreyPngs(new Uint8Array(0), [0, 28, 28])).toEqual({ bytes: new Uint8Array(0), offsets: new Uint32Array([0]) });
  });

  it('rejects a bad shape, image count or options, naming them', () => {
    const images = new Uint8Array(2 * 784);
    expect(() => encodeGreyPngs(images, [2, 28] as unknown as [number, number, number])).toThrow(
      new OptionError('Expected [count, height, width] for shape but received [2,28]'),
    );
    expect(() => encodeGreyPngs(images, [-1, 28, 28])).toThrow(new OptionError('Expected integer between 0 and 2147483647 for count but received -1 of type number'));
    expect(() => encodeGreyPngs(images, [2, 0, 28])).toThrow(new OptionError('Expected integer between 1 and 2147483647 for height but received 0 of type number'));
    expect(() => encodeGreyPngs(images, [2, 28, 2 ** 31])).toThrow(new OptionError('Expected integer between 1 and 2147483647 for width but received 2147483648 of type number'));
    expect(() => encodeGreyPngs(images, [3, 28, 28])).toThrow(new OptionError('Expected 2352 bytes (3 x 28 x 28) for images but received 1568'));
    expect(() => encodeGreyPngs(images, [2, 28, 28], { level: -1 })).toThrow(new OptionError('Expected integer between 0 and 9 for level but received -1 of type number'));
  });
});

describeWithPython(['PIL'], 'PIL (/usr/bin/python3) reads the PNGs', () => {
  it('as mode L with the same size and pixels, after verify() has checked the chunks: edge images and 20 MNIST digits at every filter', () => {
    const dir = tmp();
    const cases = [...EDGES, ...Array.from({ length: 20 }, (_, i) => ({ name: `digit ${i}`, width: 28, height: 28, pixels: digit(i * 497) }))];
    const expected: Record<string, unknown> = {};
    cases.forEach(({ width, height, pixels }, k) => {
      for (const filter of FILTERS) {
        const name = `${k}-${filter}.png`;
        writeFileSync(join(dir, name), encodeGreyPng(pixels, width, height, { filter }));
        expected[name] = ['PNG', 'L', [width, height], Buffer.from(pixels).toString('hex')];
      }
    });
    const script = `
import json, os, sys
from PIL import Image
d = sys.argv[1]
out = {}
for name in sorted(os.listdir(d)):
    with Image.open(os.path.join(d, name)) as im:
        im.verify()
    with Image.open(os.path.join(d, name)) as im:
        out[name] = [im.format, im.mode, list(im.size), im.tobytes().hex()]
print(json.dumps(out))`;
    expect(python(script, dir)).toEqual(expected);
  });
});
