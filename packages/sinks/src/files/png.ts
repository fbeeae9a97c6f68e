// An encoder of 8-bit greyscale PNGs (W3C PNG Specification, 2nd edition, = ISO/IEC 15948):
// signature, IHDR, one IDAT compressed with fflate's zlib, IEND. Pure functions over typed
// arrays, no Node API, so that a worker thread (or a browser) can run them.
import { crc32, validate } from '@idxflow/core/internal';
import { zlibSync, type DeflateOptions } from 'fflate';
import { FormatLimitError, OptionError } from '@idxflow/core';

/** A scanline filter (PNG section 9.2), or `adaptive` to choose one per row. */
export type PngFilter = 'none' | 'sub' | 'up' | 'average' | 'paeth' | 'adaptive';

/** Options of `encodeGreyPng()` and `encodeGreyPngs()`. */
export interface GreyPngOptions {
  /**
   * The filter of every row, or `adaptive`: per row, the filter whose output bytes, read as
   * signed, have the smallest sum of absolute values (the heuristic of PNG section 12.8).
   * Default `none`: digits in the MNIST style, sharp strokes on a flat black ground, compress
   * best unfiltered (`bench/png.ts` compares them); filters pay off on smooth gradients.
   */
  filter?: PngFilter;
  /** zlib compression level, 0 (stored) to 9. Default 6, zlib's and libpng's default. */
  level?: number;
  /**
   * The zlib (RFC 1950) compressor, given the filtered scanlines and the level. Default:
   * fflate's `zlibSync`, which runs anywhere. In Node, `zlib.deflateSync` with a small window is
   * about twice as fast on 28 x 28 images (the export's PNG workers use it).
   */
  deflate?: (data: Uint8Array, level: number) => Uint8Array;
}

type Deflate = NonNullable<GreyPngOptions['deflate']>;
const fflateDeflate: Deflate = (data, level) => zlibSync(data, { level: level as Level });

const FILTERS: readonly PngFilter[] = ['none', 'sub', 'up', 'average', 'paeth', 'adaptive'];
const ADAPTIVE = 5;
/** PNG's limit on width, height and chunk lengths. */
const MAX = 0x7fffffff;
const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Signature and IHDR chunk: 8 + 4 + 4 + 13 + 4 bytes. */
const HEAD = 33;
/** IDAT's length, type and CRC, and the whole IEND chunk. */
const TAIL = 24;
const IDAT = new Uint8Array([73, 68, 65, 84]);
const IDAT_CRC = crc32(IDAT);
const IEND = new Uint8Array([0, 0, 0, 0, 73, 69, 78, 68, 0xae, 0x42, 0x60, 0x82]);

/**
 * Filtered scanlines of the image being encoded, reused and grown when an image needs more.
 * One per thread (a worker loads its own copy of this module) and the encoders are synchronous,
 * so two images never share it.
 */
let scanlines = new Uint8Array(0);

function received(value: unknown): string {
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (Array.isArray(value)) return JSON.stringify(value);
  return `${typeof value === 'string' ? JSON.stringify(value) : String(value)} of type ${typeof value}`;
}

type Level = NonNullable<DeflateOptions['level']>;

function checkOptions(options: GreyPngOptions | undefined): { filter: number; level: Level; deflate: Deflate } {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new OptionError(`Expected an object for options but received ${received(options)}`);
  }
  const filter = FILTERS.indexOf(validate.oneOf('filter', options?.filter ?? 'none', FILTERS));
  const level = validate.integer('level', options?.level ?? 6, 0, 9) as Level;
  const deflate = options?.deflate ?? fflateDeflate;
  if (typeof deflate !== 'function') throw new OptionError(`Expected a function for deflate but received ${received(deflate)}`);
  return { filter, level, deflate };
}

function checkPixels(pixels: unknown, count: number, height: number, width: number, name: string): asserts pixels is Uint8Array {
  if (!(pixels instanceof Uint8Array)) throw new OptionError(`Expected a Uint8Array for ${name} but received ${received(pixels)}`);
  const expected = count * height * width;
  if (pixels.length !== expected) {
    const shape = count === 1 && name === 'pixels' ? `${width} x ${height}` : `${count} x ${height} x ${width}`;
    throw new OptionError(`Expected ${expected} bytes (${shape}) for ${name} but received ${pixels.length}`);
  }
}

const abs = (v: number): number => (v < 128 ? v : 256 - v);
const paeth = (a: number, b: number, c: number): number => {
  const pa = Math.abs(b - c);
  const pb = Math.abs(a - c);
  const pc = Math.abs(a + b - 2 * c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
};

/**
 * The filter of PNG section 12.8's heuristic for one row: the smallest sum of the outputs'
 * absolute values, bytes read as signed; ties go to the lower type, so None wins over the rest.
 */
function adaptiveFilter(px: Uint8Array, row: number, prior: number, width: number): number {
  let sub = 0;
  let up = 0;
  let average = 0;
  let paethSum = 0;
  let none = 0;
  for (let x = 0; x < width; x++) {
    const v = px[row + x];
    const a = x > 0 ? px[row + x - 1] : 0;
    const b = prior >= 0 ? px[prior + x] : 0;
    const c = x > 0 && prior >= 0 ? px[prior + x - 1] : 0;
    none += abs(v);
    sub += abs((v - a) & 255);
    up += abs((v - b) & 255);
    average += abs((v - ((a + b) >> 1)) & 255);
    paethSum += abs((v - paeth(a, b, c)) & 255);
  }
  let type = 0;
  let min = none;
  if (sub < min) {
    type = 1;
    min = sub;
  }
  if (up < min) {
    type = 2;
    min = up;
  }
  if (average < min) {
    type = 3;
    min = average;
  }
  return paethSum < min ? 4 : type;
}

/**
 * Writes row `row / width` of `px` as a filtered scanline at `out[at]`: the type byte, then
 * `width` bytes. `prior` is the start of the row above, or -1 for the first row (whose prior
 * row counts as zeros, PNG section 9.2).
 */
function filterRow(px: Uint8Array, row: number, prior: number, width: number, type: number, out: Uint8Array, at: number): void {
  out[at++] = type;
  if (type === 0 || (prior < 0 && type === 2)) {
    for (let x = 0; x < width; x++) out[at + x] = px[row + x];
  } else if (type === 1 || (prior < 0 && type === 4)) {
    out[at] = px[row];
    for (let x = 1; x < width; x++) out[at + x] = px[row + x] - px[row + x - 1];
  } else if (type === 2) {
    for (let x = 0; x < width; x++) out[at + x] = px[row + x] - px[prior + x];
  } else if (type === 3) {
    if (prior < 0) {
      out[at] = px[row];
      for (let x = 1; x < width; x++) out[at + x] = px[row + x] - (px[row + x - 1] >> 1);
    } else {
      out[at] = px[row] - (px[prior] >> 1);
      for (let x = 1; x < width; x++) out[at + x] = px[row + x] - ((px[row + x - 1] + px[prior + x]) >> 1);
    }
  } else {
    out[at] = px[row] - px[prior];
    for (let x = 1; x < width; x++) out[at + x] = px[row + x] - paeth(px[row + x - 1], px[prior + x], px[prior + x - 1]);
  }
}

/** The zlib stream of the image at `px[start]`, its rows filtered by `filter`. */
function compressImage(px: Uint8Array, start: number, height: number, width: number, { filter, level, deflate }: ReturnType<typeof checkOptions>): Uint8Array {
  const length = height * (width + 1);
  if (scanlines.length < length) scanlines = new Uint8Array(length);
  for (let y = 0; y < height; y++) {
    const row = start + y * width;
    const prior = y > 0 ? row - width : -1;
    const type = filter === ADAPTIVE ? adaptiveFilter(px, row, prior, width) : filter;
    filterRow(px, row, prior, width, type, scanlines, y * (width + 1));
  }
  const z = deflate(scanlines.subarray(0, length), level);
  if (z.length > MAX) throw new FormatLimitError(`Expected a compressed image of at most ${MAX} bytes (one IDAT chunk) but received ${z.length}`);
  return z;
}

/** The signature and IHDR chunk of a `width` x `height` 8-bit greyscale image. */
function pngHead(width: number, height: number): Uint8Array {
  const head = new Uint8Array(HEAD);
  const view = new DataView(head.buffer);
  head.set(SIGNATURE);
  view.setUint32(8, 13);
  head.set([73, 72, 68, 82], 12); // IHDR
  view.setUint32(16, width);
  view.setUint32(20, height);
  head.set([8, 0, 0, 0, 0], 24); // bit depth 8, greyscale, deflate, adaptive filtering, no interlace
  view.setUint32(29, crc32(head.subarray(12, 29)));
  return head;
}

/** Writes a whole PNG at `out[at]` (`view` being `out`'s): `head`, the IDAT chunk holding `z`, IEND. */
function writePng(out: Uint8Array, view: DataView, at: number, head: Uint8Array, z: Uint8Array): void {
  out.set(head, at);
  at += HEAD;
  view.setUint32(at, z.length);
  out.set(IDAT, at + 4);
  out.set(z, at + 8);
  view.setUint32(at + 8 + z.length, crc32(z, IDAT_CRC));
  out.set(IEND, at + 12 + z.length);
}

/**
 * Encodes one 8-bit greyscale image as a PNG file: colour type 0, bit depth 8, no interlace,
 * one IDAT chunk.
 *
 * sharp's fixed cost per call (a libvips pipeline, a round trip through libuv's thread pool)
 * dwarfs the work of a 28 x 28 encode. This is plain JavaScript over typed arrays, run in the
 * calling thread, so a worker can encode a block of samples where it augments them.
 *
 * @param pixels `width * height` bytes, row-major.
 * @param width Image width, 1 to 2^31 - 1.
 * @param height Image height, 1 to 2^31 - 1.
 * @param options Row filter and zlib level; see `GreyPngOptions`.
 * @returns The bytes of the PNG file.
 *
 * ## Example
 * ```ts
 * const png = encodeGreyPng(new Uint8Array(28 * 28).fill(255), 28, 28); // a white 28 x 28 PNG
 * ```
 */
export function encodeGreyPng(pixels: Uint8Array, width: number, height: number, options?: GreyPngOptions): Uint8Array {
  validate.integer('width', width, 1, MAX);
  validate.integer('height', height, 1, MAX);
  checkPixels(pixels, 1, height, width, 'pixels');
  const z = compressImage(pixels, 0, height, width, checkOptions(options));
  const out = new Uint8Array(HEAD + z.length + TAIL);
  writePng(out, new DataView(out.buffer), 0, pngHead(width, height), z);
  return out;
}

/** PNG files of a block of images, end to end in one buffer. */
export interface GreyPngs {
  /** The PNG files, one after the other; the whole of its buffer, so a worker can move it. */
  bytes: Uint8Array;
  /** `count + 1` offsets: image `i` is `bytes.subarray(offsets[i], offsets[i + 1])`. */
  offsets: Uint32Array;
}

/**
 * Encodes a block of 8-bit greyscale images as PNG files into one buffer, each file exactly
 * what `encodeGreyPng()` makes of that image.
 *
 * One buffer and one offset table per block, rather than an array per image: a worker returns
 * the whole block's files by moving two buffers, not by copying thousands of small ones.
 *
 * @param images `count * height * width` bytes, image after image, row-major (a Block's `images`).
 * @param shape `[count, height, width]` (a Block's `shape`); `count` may be 0.
 * @param options Row filter and zlib level; see `GreyPngOptions`.
 * @returns The files and their offsets.
 *
 * ## Example
 * ```ts
 * const images = new Uint8Array(3 * 28 * 28); // three black 28 x 28 images, as in a Block
 * const { bytes, offsets } = encodeGreyPngs(images, [3, 28, 28]);
 * const third = bytes.subarray(offsets[2], offsets[3]); // the PNG file of the third image
 * ```
 */
export function encodeGreyPngs(images: Uint8Array, shape: readonly [number, number, number], options?: GreyPngOptions): GreyPngs {
  if (!Array.isArray(shape) || shape.length !== 3) throw new OptionError(`Expected [count, height, width] for shape but received ${received(shape)}`);
  const [count, height, width] = shape;
  validate.integer('count', count, 0, MAX);
  validate.integer('height', height, 1, MAX);
  validate.integer('width', width, 1, MAX);
  checkPixels(images, count, height, width, 'images');
  const checked = checkOptions(options);
  const streams: Uint8Array[] = [];
  const offsets = new Uint32Array(count + 1);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const z = compressImage(images, i * height * width, height, width, checked);
    streams.push(z);
    total += HEAD + z.length + TAIL;
    if (total > 0xffffffff) throw new FormatLimitError(`Expected the PNG files of a block to fit in 4 GiB but image ${i} ends at ${total} bytes`);
    offsets[i + 1] = total;
  }
  const bytes = new Uint8Array(total);
  const view = new DataView(bytes.buffer);
  const head = pngHead(width, height);
  for (let i = 0; i < count; i++) writePng(bytes, view, offsets[i], head, streams[i]);
  return { bytes, offsets };
}
