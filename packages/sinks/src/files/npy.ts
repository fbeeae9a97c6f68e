import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Block } from '@idxflow/core';
import { Zip, ZipPassThrough } from 'fflate';
import type { Observable } from 'rxjs';
import { AtomicFile } from './atomic.js';
import { consume } from './consume.js';
import { ExportShape, type ExportSummary, type FileSinkOptions } from './types.js';

// NPY format version 1.0 (numpy's format.py): magic "\x93NUMPY", version 1.0, a little-endian
// uint16 header length, then a Python dict literal padded with spaces to a multiple of 64
// bytes and ended by "\n". The header is written at a fixed size so the final count can be
// patched in place.
const HEADER_BYTES = 128;

/** The 128-byte NPY v1.0 header of a C-ordered array. */
export function npyHeader(descr: '|u1' | '<f4', shape: readonly number[]): Uint8Array {
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(', ');
  const dict = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${dims}), }`;
  const textBytes = HEADER_BYTES - 10;
  if (dict.length + 1 > textBytes) throw new RangeError(`Expected a shape that fits an NPY header but received (${dims})`);
  const out = new Uint8Array(HEADER_BYTES);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, textBytes, true);
  out.set(new TextEncoder().encode(dict.padEnd(textBytes - 1, ' ') + '\n'), 10);
  return out;
}

function littleEndianBytes(images: Uint8Array | Float32Array): Uint8Array {
  // Typed arrays are in host order; every platform Node runs on is little-endian.
  return new Uint8Array(images.buffer, images.byteOffset, images.byteLength);
}

/** Writes `<split>-images.npy` and `<split>-labels.npy` temporaries; returns them unrenamed. */
async function writeNpyPair(source: Observable<Block>, options: FileSinkOptions, prefix: string) {
  await mkdir(options.dir, { recursive: true });
  const images = await AtomicFile.create(join(options.dir, `${prefix}-images.npy`));
  const labels = await AtomicFile.create(join(options.dir, `${prefix}-labels.npy`));
  const kind = new ExportShape();
  let count = 0;
  const write = async (block: Block): Promise<void> => {
    const n = block.shape[0];
    if (kind.first(block)) {
      await images.write(new Uint8Array(HEADER_BYTES));
      await labels.write(new Uint8Array(HEADER_BYTES));
    }
    await images.write(littleEndianBytes(block.images));
    await labels.write(block.labels);
    count += n;
    options.onProgress?.(count);
  };
  const end = async () => {
    const shape = kind.shape ?? [0, 0];
    const dtype = kind.dtype;
    if (count === 0) {
      await images.write(new Uint8Array(HEADER_BYTES));
      await labels.write(new Uint8Array(HEADER_BYTES));
    }
    await images.patch(0, npyHeader(dtype === 'uint8' ? '|u1' : '<f4', [count, ...shape]));
    await labels.patch(0, npyHeader('|u1', [count]));
    return { images, labels, count, shape, dtype };
  };
  const fail = async () => void (await Promise.all([images.abort(), labels.abort()]));
  return consume(source, write, end, fail);
}

/**
 * Writes `<split>-images.npy` (uint8 or float32, shape (n, h, w)) and `<split>-labels.npy`
 * (uint8, shape (n,)), which `numpy.load` reads.
 *
 * ## Example
 * ```ts
 * await toNpy(mnist().pipe(batch(1000), normalize()), { dir: 'out' });
 * ```
 */
export async function toNpy(source: Observable<Block>, options: FileSinkOptions): Promise<ExportSummary> {
  const prefix = options.split ?? 'train';
  const { images, labels, count, shape, dtype } = await writeNpyPair(source, options, prefix);
  const files = [
    { name: `${prefix}-images.npy`, ...(await images.commit()) },
    { name: `${prefix}-labels.npy`, ...(await labels.commit()) },
  ];
  return { dir: options.dir, files, count, shape, dtype };
}

/** Streams files into a stored (uncompressed, like `numpy.savez`) zip. */
async function zipStored(out: AtomicFile, members: { name: string; path: string }[]): Promise<void> {
  const chunks: Uint8Array[] = [];
  const zip = new Zip((error, data) => {
    if (error) throw error;
    chunks.push(data);
  });
  for (const member of members) {
    const entry = new ZipPassThrough(member.name);
    entry.mtime = new Date(1980, 0, 1); // a fixed date: the same export gives the same bytes
    zip.add(entry);
    for await (const chunk of createReadStream(member.path, { highWaterMark: 1 << 20 })) {
      entry.push(chunk as Uint8Array);
      for (const c of chunks.splice(0)) await out.write(c);
    }
    entry.push(new Uint8Array(0), true);
    for (const c of chunks.splice(0)) await out.write(c);
  }
  zip.end();
  for (const c of chunks.splice(0)) await out.write(c);
}

/**
 * Writes `<split>.npz` holding `x` (images) and `y` (labels): `numpy.load(path)['x']`.
 * The two arrays are written as NPY temporaries, then zipped (stored, as `numpy.savez`).
 *
 * ## Example
 * ```ts
 * await toNpz(mnist().pipe(augment({ rotate: 15 })), { dir: 'out' });
 * ```
 */
export async function toNpz(source: Observable<Block>, options: FileSinkOptions): Promise<ExportSummary> {
  const prefix = options.split ?? 'train';
  const { images, labels, count, shape, dtype } = await writeNpyPair(source, options, `.${prefix}`);
  await Promise.all([images.close(), labels.close()]);
  const out = await AtomicFile.create(join(options.dir, `${prefix}.npz`));
  try {
    await zipStored(out, [
      { name: 'x.npy', path: images.temp },
      { name: 'y.npy', path: labels.temp },
    ]);
    const done = await out.commit();
    return { dir: options.dir, files: [{ name: `${prefix}.npz`, ...done }], count, shape, dtype };
  } catch (error) {
    await out.abort();
    throw error;
  } finally {
    await Promise.all([rm(images.temp, { force: true }), rm(labels.temp, { force: true })]);
  }
}
