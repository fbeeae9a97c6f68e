// One zip member's data (PKWARE APPNOTE.TXT 4.3.7-4.3.8), stored or deflated, checked against
// what the central directory says of it as it goes: the inflater hands its output on in pieces
// of at most 256 KiB, so a member that inflates past the size its directory entry lists stops
// at the first piece too many, before the memory a lie would cost is spent.
import { crc32 } from '../crc32.js';
import { GzipError, ZipError } from '../errors.js';
import { Inflater } from '../gzip/inflate.js';
import type { ZipEntry } from './centralDirectory.js';

// Compressed bytes inflated at a time: deflate expands at most 1032-fold, so at most 17 MB of
// output waits to be handed on, whatever the archive's chunk size.
const SLICE = 16 * 1024;

const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');

/** Decodes the data of `entry` pushed in chunks into `out`; `where` names it in errors (`archive: member`). */
export class MemberDecoder {
  private crc = 0;
  private size = 0;
  private readonly inflater: Inflater | undefined;

  constructor(
    private readonly where: string,
    private readonly entry: ZipEntry,
    private readonly out: Uint8Array[],
  ) {
    if (entry.method !== 0 && entry.method !== 8) throw new ZipError({ file: where, offset: entry.offset + 8, expected: 'compression method 0 (stored) or 8 (deflate)', found: `method ${entry.method}` });
    if (entry.method === 0 && entry.compressedSize !== entry.size) {
      throw new ZipError({ file: where, offset: entry.offset, expected: 'a stored member whose compressed and uncompressed sizes agree', found: `${entry.compressedSize} and ${entry.size} bytes` });
    }
    this.inflater = entry.method === 8 ? new Inflater(where, (data) => this.take(data)) : undefined;
  }

  /** Decodes `chunk`, the member's data from archive byte `offset` on. */
  push(chunk: Uint8Array, offset: number): void {
    if (!this.inflater) return this.take(chunk);
    for (let at = 0; at < chunk.length; at += SLICE) {
      const slice = chunk.subarray(at, at + SLICE);
      let used: number;
      try {
        used = this.inflater.push(slice, offset + at);
      } catch (error) {
        if (!(error instanceof GzipError)) throw error;
        throw new ZipError({ file: this.where, offset: error.offset, expected: error.expected, found: error.found }, { cause: error });
      }
      if (this.inflater.ended && (used < slice.length || at + SLICE < chunk.length)) {
        throw new ZipError({ file: this.where, offset: offset + at + used, expected: `deflate data to the end of the member's ${this.entry.compressedSize} compressed bytes`, found: 'the end of the deflate stream before it (corrupt data, or a directory entry that overstates it)' });
      }
    }
  }

  /** Says the member's data has all been pushed: throws unless it is whole and checks. */
  end(): void {
    const ended = !this.inflater || this.inflater.ended;
    if (ended && this.size === this.entry.size && this.crc === this.entry.crc32) return;
    const found = `${ended ? '' : 'a deflate stream that does not end, '}${this.size} bytes with CRC-32 ${hex(this.crc)}`;
    throw new ZipError({ file: this.where, offset: this.entry.offset, expected: `${this.entry.size} bytes with CRC-32 ${hex(this.entry.crc32)}, as the central directory lists`, found });
  }

  private take(data: Uint8Array): void {
    this.size += data.length;
    if (this.size > this.entry.size) {
      throw new ZipError({ file: this.where, offset: this.entry.offset, expected: `${this.entry.size} bytes, as the central directory lists`, found: `${this.size} bytes inflated so far, and more to come: the directory understates the member, or its data is corrupt` });
    }
    this.crc = crc32(data, this.crc);
    if (data.length > 0) this.out.push(data);
  }
}
