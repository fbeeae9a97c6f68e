// A stored (uncompressed, as numpy.savez writes) zip archive streamed from files, after PKWARE's
// APPNOTE.TXT 6.3: local headers (4.3.7), central directory (4.3.12), end records (4.3.14-16).
// ZIP64 extra fields and end records are used when a size or offset reaches 4 GiB, so an
// MNIST8M-sized NPZ (6 GB of uint8 images) stays readable; fflate's Zip writes no ZIP64.
import { open } from 'node:fs/promises';
import { crc32 } from '@idxflow/core/internal';
import type { AtomicFile } from './atomic.js';
import { FileChangedError } from '@idxflow/core';

const MAX32 = 0xffffffff;
const MAX16 = 0xffff;
const DOS_DATE_1980_01_01 = (1 << 5) | 1; // a fixed date: the same export gives the same bytes
const MADE_BY_UNIX = (3 << 8) | 45;
const REGULAR_FILE_0644 = (0o100644 << 16) >>> 0;
const READ_BYTES = 1 << 20;

/** A file to store in the archive under `name`. */
export interface ZipMember {
  name: string;
  path: string;
}

/**
 * Bytes to store in the archive under `name`, from a function that streams them to `each`, in
 * order, and returns their length. It is called twice (for the CRC-32, then to copy): it must
 * give the same bytes both times.
 */
export interface ZipSource {
  name: string;
  /** Where the bytes come from, for messages. Default: `name`. */
  file?: string;
  read: (each: (chunk: Uint8Array) => Promise<void> | void) => Promise<number>;
}

interface Entry {
  name: Uint8Array;
  crc: number;
  size: number;
  offset: number;
  zip64: boolean;
}

class Bytes {
  readonly bytes: Uint8Array;
  private readonly view: DataView;
  private at = 0;
  constructor(length: number) {
    this.bytes = new Uint8Array(length);
    this.view = new DataView(this.bytes.buffer);
  }
  u16(v: number): this {
    this.view.setUint16(this.at, v, true);
    this.at += 2;
    return this;
  }
  u32(v: number): this {
    this.view.setUint32(this.at, v, true);
    this.at += 4;
    return this;
  }
  u64(v: number): this {
    this.view.setBigUint64(this.at, BigInt(v), true);
    this.at += 8;
    return this;
  }
  raw(v: Uint8Array): this {
    this.bytes.set(v, this.at);
    this.at += v.length;
    return this;
  }
}

async function readAll(path: string, each: (chunk: Uint8Array) => Promise<void> | void): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(READ_BYTES);
    let total = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) return total;
      await each(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

function localHeader(e: Entry): Uint8Array {
  const b = new Bytes(30 + e.name.length + (e.zip64 ? 20 : 0));
  b.u32(0x04034b50).u16(e.zip64 ? 45 : 20).u16(0).u16(0).u16(0).u16(DOS_DATE_1980_01_01).u32(e.crc);
  b.u32(e.zip64 ? MAX32 : e.size).u32(e.zip64 ? MAX32 : e.size).u16(e.name.length).u16(e.zip64 ? 20 : 0).raw(e.name);
  if (e.zip64) b.u16(0x0001).u16(16).u64(e.size).u64(e.size);
  return b.bytes;
}

function centralHeader(e: Entry, force64: boolean): Uint8Array {
  const bigOffset = force64 || e.offset >= MAX32;
  const extra = (e.zip64 ? 16 : 0) + (bigOffset ? 8 : 0);
  const b = new Bytes(46 + e.name.length + (extra ? 4 + extra : 0));
  b.u32(0x02014b50).u16(MADE_BY_UNIX).u16(e.zip64 || bigOffset ? 45 : 20).u16(0).u16(0).u16(0).u16(DOS_DATE_1980_01_01);
  b.u32(e.crc).u32(e.zip64 ? MAX32 : e.size).u32(e.zip64 ? MAX32 : e.size).u16(e.name.length).u16(extra ? 4 + extra : 0);
  b.u16(0).u16(0).u16(0).u32(REGULAR_FILE_0644).u32(bigOffset ? MAX32 : e.offset).raw(e.name);
  if (extra) {
    b.u16(0x0001).u16(extra);
    if (e.zip64) b.u64(e.size).u64(e.size); // original, then compressed size (4.5.3)
    if (bigOffset) b.u64(e.offset);
  }
  return b.bytes;
}

function endRecords(entries: number, cdOffset: number, cdSize: number, force64: boolean): Uint8Array {
  const zip64 = force64 || entries >= MAX16 || cdOffset >= MAX32 || cdSize >= MAX32;
  const b = new Bytes((zip64 ? 56 + 20 : 0) + 22);
  if (zip64) {
    b.u32(0x06064b50).u64(44).u16(MADE_BY_UNIX).u16(45).u32(0).u32(0).u64(entries).u64(entries).u64(cdSize).u64(cdOffset);
    b.u32(0x07064b50).u32(0).u64(cdOffset + cdSize).u32(1);
  }
  b.u32(0x06054b50).u16(0).u16(0).u16(Math.min(entries, MAX16)).u16(Math.min(entries, MAX16));
  b.u32(Math.min(cdSize, MAX32)).u32(zip64 ? MAX32 : cdOffset).u16(0);
  return b.bytes;
}

/**
 * Appends a stored zip of `members` to `out`, streaming each file twice (once for its CRC-32,
 * once to copy it) so memory stays at one read buffer whatever the sizes.
 *
 * @param forceZip64 Use ZIP64 records even for small archives (for tests of that path).
 */
export function writeStoredZip(out: AtomicFile, members: readonly ZipMember[], forceZip64 = false): Promise<void> {
  return writeStoredZipOf(out, members.map(({ name, path }) => ({ name, file: path, read: (each) => readAll(path, each) })), forceZip64);
}

/** `writeStoredZip` of members streamed by functions (`ZipSource`) rather than read from files. */
export async function writeStoredZipOf(out: AtomicFile, members: readonly ZipSource[], forceZip64 = false): Promise<void> {
  const entries: Entry[] = [];
  for (const member of members) {
    let crc = 0;
    const size = await member.read((chunk) => void (crc = crc32(chunk, crc)));
    const entry = { name: new TextEncoder().encode(member.name), crc, size, offset: out.size, zip64: forceZip64 || size >= MAX32 };
    await out.write(localHeader(entry));
    const copied = await member.read((chunk) => out.write(chunk));
    if (copied !== size) throw new FileChangedError({ file: member.file ?? member.name, expected: `${size} bytes, as first read`, found: `${copied} bytes: it changed while being zipped` });
    entries.push(entry);
  }
  const cdOffset = out.size;
  for (const entry of entries) await out.write(centralHeader(entry, forceZip64));
  await out.write(endRecords(entries.length, cdOffset, out.size - cdOffset, forceZip64));
}
