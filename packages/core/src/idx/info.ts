// What an IDX file holds, from its header alone: `idxflow info` and any program that wants to
// know a file's shape before it reads it. A .gz is inflated a chunk or so, and its declared size
// is checked against the inflate ceiling, so a decompression bomb is refused without inflating it.
// A raw file's header is read without gunzip, which is loaded for a .gz only (gunzip passes raw
// bytes through unchanged, so what is read, and what is refused, is the same).
import { open, stat } from 'node:fs/promises';
import { lastValueFrom, Observable, reduce } from '../rx.js';
import { DEFAULT_MAX_INFLATE_RATIO, inflateCeiling, inflateLimitError, type InflateLimitOptions } from '../inflateLimit.js';
import { fromFile } from '../sources/file.js';
import { decodeIdx } from './decode.js';
import type { IdxHeader, IdxType } from './types.js';

/** What `idxFileInfo()` reports of an IDX file. */
export interface IdxFileInfo {
  /** Element type, from the third byte of the magic number. */
  type: IdxType;
  /** Dimensions; the first is the number of records. */
  dims: number[];
  /** Records in the file: `dims[0]`. */
  count: number;
}

/**
 * Whether `file` is a regular file whose first two bytes are not gzip's magic (1f 8b). False when
 * that cannot be told (not a regular file, unreadable): the file is then read through gunzip, as
 * a .gz is, and that read fails with its usual error.
 */
async function plainly(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    const handle = await open(file, 'r');
    try {
      const magic = new Uint8Array(2);
      const { bytesRead } = await handle.read(magic, 0, 2, 0);
      return !(bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b);
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

/** The file's bytes as IDX: inflated by gunzip (loaded here, for a .gz only), or as stored when `raw`. */
async function idxBytes(file: string, maxInflateRatio: number, raw: boolean): Promise<Observable<Uint8Array>> {
  return raw ? fromFile(file) : fromFile(file).pipe((await import('../gunzip.js')).gunzip({ file, maxInflateRatio }));
}

/** The header, read by inflating no more than it needs (a chunk or so), then closing the file. */
async function headerOf(file: string, maxInflateRatio: number): Promise<IdxHeader> {
  const bytes = await idxBytes(file, maxInflateRatio, await plainly(file));
  const header = new Observable<IdxHeader>((subscriber) =>
    bytes.pipe(decodeIdx({ file, onHeader: (h) => (subscriber.next(h), subscriber.complete()) })).subscribe({ error: (error: unknown) => subscriber.error(error) }),
  );
  return lastValueFrom(header);
}

/** Whether the file's size agrees with the header: a raw file's length, a gzip trailer's ISIZE (the size mod 2^32). */
async function sizeAgrees(file: string, declared: number): Promise<{ agrees: boolean; gzipped: boolean; size: number }> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    const ends = new Uint8Array(Math.min(size, 8));
    await handle.read(ends, 0, 2, 0);
    if (ends[0] !== 0x1f || ends[1] !== 0x8b) return { agrees: size === declared, gzipped: false, size };
    await handle.read(ends, 0, ends.length, size - ends.length);
    const isize = new DataView(ends.buffer).getUint32(ends.length - 4, true);
    return { agrees: ends.length === 8 && isize === declared % 2 ** 32, gzipped: true, size };
  } finally {
    await handle.close();
  }
}

/**
 * Reports an IDX file's (raw or gzipped) element type, dimensions and record count from its
 * header, reading only what the header needs: a .gz is inflated a chunk or so, then closed.
 *
 * The file's size is checked against the header (a raw file's length; a .gz's trailer size
 * field, and the size it declares against `maxInflateRatio` times its compressed size, so a
 * decompression bomb is refused without inflating it). Where the size disagrees, the file is
 * decoded whole for the exact error (an `IdxFormatError` for a truncated file, a `GzipError`
 * for a corrupt one), with gunzip's ceiling in force. This is what `idxflow info` prints.
 *
 * @param file Path of the IDX file, raw or gzipped.
 * @param options `maxInflateRatio` (default 100): see `InflateLimitOptions`.
 * @returns The header's type, dimensions and record count.
 *
 * ## Example
 * ```ts
 * import { idxFileInfo } from '@idxflow/core';
 * const { type, dims, count } = await idxFileInfo('data/train-images-idx3-ubyte.gz');
 * console.log(type, dims, count); // u8 [ 60000, 28, 28 ] 60000
 * ```
 */
export async function idxFileInfo(file: string, options: InflateLimitOptions = {}): Promise<IdxFileInfo> {
  const ratio = options.maxInflateRatio ?? DEFAULT_MAX_INFLATE_RATIO;
  const header = await headerOf(file, ratio);
  const declared = header.headerBytes + header.dims[0] * header.recordBytes;
  const { agrees, gzipped, size } = await sizeAgrees(file, declared);
  if (gzipped && declared > inflateCeiling(size, ratio)) throw inflateLimitError({ file }, size, declared, ratio);
  if (!agrees) {
    // Decoded whole for the exact error; a file that decodes after all (a gzip of several members) is reported.
    await lastValueFrom((await idxBytes(file, ratio, false)).pipe(decodeIdx({ file }), reduce((n) => n + 1, 0)));
  }
  return { type: header.type, dims: [...header.dims], count: header.dims[0] };
}
