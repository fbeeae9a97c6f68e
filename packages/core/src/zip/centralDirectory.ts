// The central directory of a zip archive (PKWARE APPNOTE.TXT 6.3: end record 4.3.16, ZIP64 end
// record and locator 4.3.14-15, file headers 4.3.12, ZIP64 extra field 4.5.3), read from the end
// of the file with a few positioned reads: what a member is called, where its local header
// starts, its method, sizes and CRC-32. Only the directory is read, never the members.
import { open, type FileHandle } from 'node:fs/promises';
import { ZipError } from '../errors.js';
import { named } from '../sources/file.js';

/** One member of a zip archive, as its central directory describes it. */
export interface ZipEntry {
  /** Name inside the archive, with `/` separators. */
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  crc32: number;
  compressedSize: number;
  size: number;
  /** Byte offset of its local header. */
  offset: number;
  /** Byte offset where the next record (a local header or the central directory) starts. */
  end: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const MAX_COMMENT = 0xffff;

async function readAt(handle: FileHandle, position: number, length: number): Promise<Uint8Array> {
  const buffer = new Uint8Array(length);
  const { bytesRead } = await handle.read(buffer, 0, length, position);
  return buffer.subarray(0, bytesRead);
}

const u16 = (b: Uint8Array, at: number): number => b[at] | (b[at + 1] << 8);
const u32 = (b: Uint8Array, at: number): number => (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16) | (b[at + 3] << 24)) >>> 0;
// A ZIP64 field, exact: past 2^53 - 1 a double would round it (and name a byte that is not the one read).
const u64 = (b: Uint8Array, at: number): bigint => BigInt(u32(b, at)) + (BigInt(u32(b, at + 4)) << 32n);

/** A ZIP64 `field` read at byte `at` as a number: values past 2^53 - 1 (no file is that large) are a ZipError giving the exact value. */
function safe(file: string, at: number, field: string, value: bigint): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ZipError({ file, offset: at, expected: `a ZIP64 ${field} of at most 2^53 - 1`, found: String(value) });
  return Number(value);
}

/** Where the central directory is: from the end record, or the ZIP64 one it points to. */
async function directoryBounds(handle: FileHandle, file: string, size: number): Promise<{ offset: number; length: number; count: number }> {
  const tailStart = Math.max(0, size - 22 - MAX_COMMENT);
  const tail = await readAt(handle, tailStart, size - tailStart);
  let at = tail.length - 22;
  while (at >= 0 && u32(tail, at) !== EOCD) at--;
  if (at < 0) throw new ZipError({ file, offset: size, expected: 'a zip end of central directory record (0x06054b50) in the last 65,557 bytes', found: 'none: not a zip archive, or a truncated one' });
  let count = u16(tail, at + 10);
  let length = u32(tail, at + 12);
  let offset = u32(tail, at + 16);
  if (at >= 20 && u32(tail, at - 20) === ZIP64_LOCATOR) {
    const where = u64(tail, at - 12);
    if (where > BigInt(size - 56)) throw new ZipError({ file, offset: tailStart + at - 12, expected: `a ZIP64 end of central directory record within the file's ${size} bytes`, found: `one said to be at byte ${where}` });
    const record = await readAt(handle, Number(where), 56);
    if (record.length < 56 || u32(record, 0) !== ZIP64_EOCD) throw new ZipError({ file, offset: Number(where), expected: 'a ZIP64 end of central directory record (0x06064b50)', found: 'other bytes' });
    count = safe(file, Number(where) + 32, 'entry count', u64(record, 32));
    length = safe(file, Number(where) + 40, 'central directory size', u64(record, 40));
    offset = safe(file, Number(where) + 48, 'central directory offset', u64(record, 48));
  }
  if (offset + length > size) throw new ZipError({ file, offset: tailStart + at, expected: `a central directory within the file's ${size} bytes`, found: `one at byte ${offset} of ${length} bytes` });
  return { offset, length, count };
}

/** The sizes and offset of a file header, with the ZIP64 extra field's values where the header says 0xffffffff. */
function zip64Values(file: string, base: number, dir: Uint8Array, at: number, extraStart: number, extraEnd: number): { size: number; compressedSize: number; offset: number } {
  let size = u32(dir, at + 24);
  let compressedSize = u32(dir, at + 20);
  let offset = u32(dir, at + 42);
  for (let e = extraStart; e + 4 <= extraEnd; e += 4 + u16(dir, e + 2)) {
    if (u16(dir, e) !== 0x0001) continue;
    let v = e + 4; // the fields present are those the header left at 0xffffffff, in this order
    if (size === 0xffffffff) {
      size = safe(file, base + v, 'uncompressed size', u64(dir, v));
      v += 8;
    }
    if (compressedSize === 0xffffffff) {
      compressedSize = safe(file, base + v, 'compressed size', u64(dir, v));
      v += 8;
    }
    if (offset === 0xffffffff) offset = safe(file, base + v, 'local header offset', u64(dir, v));
  }
  return { size, compressedSize, offset };
}

/**
 * Reads the central directory of the zip archive at `path`.
 *
 * @returns Its members in directory order, each with the offset where the next record starts.
 * @throws ZipError naming the file and byte where the archive is not what APPNOTE describes.
 *
 * ## Example
 * ```ts
 * const entries = await readZipDirectory('gzip.zip');
 * entries.map((e) => e.name); // ['gzip/emnist-balanced-mapping.txt', ...]
 * ```
 */
export async function readZipDirectory(path: string): Promise<ZipEntry[]> {
  const handle = await open(path, 'r').catch(named(path));
  try {
    const { size } = await handle.stat();
    const bounds = await directoryBounds(handle, path, size);
    const dir = await readAt(handle, bounds.offset, bounds.length);
    const entries: ZipEntry[] = [];
    let at = 0;
    for (let k = 0; k < bounds.count; k++) {
      if (at + 46 > dir.length || u32(dir, at) !== CENTRAL) throw new ZipError({ file: path, offset: bounds.offset + at, expected: `central directory file header ${k + 1} of ${bounds.count} (0x02014b50)`, found: at + 4 > dir.length ? 'the end of the directory' : `0x${u32(dir, at).toString(16).padStart(8, '0')}` });
      const nameLength = u16(dir, at + 28);
      const extraLength = u16(dir, at + 30);
      const commentLength = u16(dir, at + 32);
      const name = new TextDecoder().decode(dir.subarray(at + 46, at + 46 + nameLength));
      const values = zip64Values(path, bounds.offset, dir, at, at + 46 + nameLength, at + 46 + nameLength + extraLength);
      entries.push({ name, method: u16(dir, at + 10), crc32: u32(dir, at + 16), ...values, end: bounds.offset });
      at += 46 + nameLength + extraLength + commentLength;
    }
    // A member's bytes end where the next record starts (its data descriptor included).
    const starts = entries.map((e) => e.offset).sort((a, b) => a - b);
    for (const entry of entries) entry.end = starts.find((s) => s > entry.offset) ?? bounds.offset;
    return entries;
  } catch (error) {
    return named(path)(error as NodeJS.ErrnoException); // a read error (a folder, say) names the file
  } finally {
    await handle.close();
  }
}

/** The entry named `name`, or else the one whose name ends with `/name`; undefined when none. */
export function findZipEntry(entries: readonly ZipEntry[], name: string): ZipEntry | undefined {
  return entries.find((e) => e.name === name) ?? entries.find((e) => e.name.endsWith(`/${name}`));
}
