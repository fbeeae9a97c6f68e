// What an IDX file holds, from its header alone: `idxflow info` and any program that wants to
// know a file's shape before it reads it. A raw file's header is read from its first bytes; a .gz
// is inflated a chunk or so (streamedInfo.ts, imported for it), and its declared size is checked
// against the inflate ceiling, so a decompression bomb is refused without inflating it.
import type { Stats } from 'node:fs';
import { open, stat, type FileHandle } from 'node:fs/promises';
import { DEFAULT_MAX_INFLATE_RATIO, inflateCeiling, inflateLimitError, type InflateLimitOptions } from '../inflateLimit.js';
import { headerCutShort, idxHeaderLength, idxHeaderOf } from './header.js';
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

/** The longest IDX header: the magic number and 255 dimensions. */
const LONGEST_HEADER = 4 + 4 * 255;

/** What idxFileInfo() reads of a file before its header: its size, first bytes and, for a .gz, its trailer. */
interface FileStart {
  size: number;
  /** The first bytes, up to the longest header. */
  start: Uint8Array;
  /** Whether the first two bytes are gzip's magic (1f 8b). */
  gzipped: boolean;
  /** A .gz's trailer ISIZE, the inflated size mod 2^32; undefined for a file too short to hold one. */
  isize?: number;
}

/** Up to `length` bytes of the file from `position`: fewer where it ends. */
async function bytesAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  const { bytesRead } = await handle.read(bytes, 0, length, position);
  return bytes.subarray(0, bytesRead);
}

/**
 * The start of a regular file, in one opening. Undefined where that cannot be told here (not a
 * regular file, unreadable): the file is then read as a stream, once and whole, which fails
 * with its usual error if it must.
 */
async function fileStart(file: string): Promise<FileStart | undefined> {
  let handle: FileHandle;
  let stats: Stats;
  try {
    // Told apart before it is opened: opening a FIFO would wait for a writer.
    stats = await stat(file);
    if (!stats.isFile()) return undefined;
    handle = await open(file, 'r');
  } catch {
    return undefined;
  }
  try {
    const start = await bytesAt(handle, 0, Math.min(stats.size, LONGEST_HEADER));
    const gzipped = start.length >= 2 && start[0] === 0x1f && start[1] === 0x8b;
    const trailer = gzipped && stats.size >= 8 ? await bytesAt(handle, stats.size - 8, 8) : undefined;
    return { size: stats.size, start, gzipped, isize: trailer && new DataView(trailer.buffer).getUint32(4, true) };
  } catch {
    return undefined;
  } finally {
    await handle.close();
  }
}

/** A raw file's header from its first bytes, with the errors decodeIdx() gives for them. */
function rawHeader(file: string, start: Uint8Array): IdxHeader {
  if (start.length < 4) throw headerCutShort(file, 4, start.length);
  const length = idxHeaderLength(start, { file });
  if (start.length < length) throw headerCutShort(file, length, start.length);
  return idxHeaderOf(start.subarray(0, length), { file });
}

/** Whether the file's size agrees with the header: a raw file's length, a gzip trailer's ISIZE (the size mod 2^32). */
const sizeAgrees = (found: FileStart, declared: number): boolean => (found.gzipped ? found.isize === declared % 2 ** 32 : found.size === declared);

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
  const found = await fileStart(file);
  // Not a regular file (a pipe: `idxflow info <(zcat f.gz)`): its size is unknown and it can be read once, whole.
  const header = found ? await headerOf(file, found, ratio) : await (await import('./streamedInfo.js')).decodeWhole(file, ratio);
  return { type: header.type, dims: [...header.dims], count: header.dims[0] };
}

/** A regular file's header, its size checked against it. */
async function headerOf(file: string, found: FileStart, ratio: number): Promise<IdxHeader> {
  // A raw file's header is in its first bytes; a .gz's is inflated (streamedInfo.ts, imported for it).
  const header = found.gzipped ? await (await import('./streamedInfo.js')).streamedHeader(file, ratio) : rawHeader(file, found.start);
  const declared = header.headerBytes + header.dims[0] * header.recordBytes;
  if (found.gzipped && declared > inflateCeiling(found.size, ratio)) throw inflateLimitError({ file }, found.size, declared, ratio);
  // Decoded whole for the exact error; a file that decodes after all (a gzip of several members) is reported.
  if (!sizeAgrees(found, declared)) await (await import('./streamedInfo.js')).decodeWhole(file, ratio);
  return header;
}
