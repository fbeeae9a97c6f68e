// The header of one gzip member (RFC 1952, section 2.3), read from chunks of any size and
// checked as zlib checks it: magic, compression method, reserved flag bits, header CRC.
import { crc32 } from '../crc32.js';
import { GzipError } from '../errors.js';

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const RESERVED = 0xe0;

// The fields in order; a field a member's flags leave out is skipped.
const FIXED = 0; // magic, method, flags, mtime, extra flags, OS: 10 bytes
const EXTRA_LENGTH = 1;
const EXTRA = 2;
const NAME = 3;
const COMMENT = 4;
const HEADER_CRC = 5;
const DONE = 6;

const hex = (n: number, digits = 2): string => '0x' + n.toString(16).padStart(digits, '0');

/** Reads one gzip member header; `read` again with each chunk until `done`. */
export class GzipHeaderReader {
  private field = FIXED;
  /** Stream offset of the header being read. */
  start = 0;
  private seen = 0; // bytes of the current field read (of the header, for FIXED)
  private flags = 0;
  private need = 0; // bytes of a counted field still to read
  private value = 0; // little-endian value of EXTRA_LENGTH or HEADER_CRC so far
  private crc = 0; // CRC-32 of the header bytes before HEADER_CRC

  constructor(private readonly file: string) {}

  /** The whole header has been read. */
  get done(): boolean {
    return this.field === DONE;
  }

  /** What is still missing, for an error at the end of the data. */
  get missing(): string {
    return ['the 10-byte gzip header', 'the extra field length', 'the extra field', 'the zero byte ending the file name', 'the zero byte ending the comment', 'the header CRC-16'][this.field];
  }

  /** Starts reading a header that begins at stream offset `start`. */
  reset(start: number): void {
    this.field = FIXED;
    this.start = start;
    this.seen = this.flags = this.need = this.value = this.crc = 0;
  }

  /**
   * Reads header bytes from `chunk[from]` on.
   *
   * @param offset Stream offset of chunk[0].
   * @returns The index in `chunk` after the last header byte read.
   */
  read(chunk: Uint8Array, from: number, offset: number): number {
    let at = from;
    while (at < chunk.length && this.field !== DONE) {
      const field = this.field;
      const next = this.readField(chunk, at, offset);
      if (field !== HEADER_CRC) this.crc = crc32(chunk.subarray(at, next), this.crc);
      at = next;
    }
    return at;
  }

  private readField(chunk: Uint8Array, at: number, offset: number): number {
    if (this.field === FIXED) {
      this.fixedByte(chunk[at], offset + at);
      if (++this.seen === 10) this.nextField(EXTRA_LENGTH);
      return at + 1;
    }
    if (this.field === EXTRA_LENGTH || this.field === HEADER_CRC) {
      this.value |= chunk[at] << (8 * this.seen);
      if (++this.seen === 2) this.endCounted(offset + at - 1);
      return at + 1;
    }
    if (this.field === EXTRA) {
      const take = Math.min(this.need, chunk.length - at);
      this.need -= take;
      if (this.need === 0) this.nextField(NAME);
      return at + take;
    }
    const zero = chunk.indexOf(0, at); // NAME or COMMENT: up to a zero byte
    if (zero < 0) return chunk.length;
    this.nextField(this.field === NAME ? COMMENT : HEADER_CRC);
    return zero + 1;
  }

  private fixedByte(byte: number, at: number): void {
    const fail = (expected: string, found: string): never => {
      throw new GzipError({ file: this.file, offset: at, expected, found });
    };
    if (this.seen === 0 && byte !== 0x1f) fail('another gzip member (magic 0x1f 0x8b) or the end of the data', hex(byte));
    if (this.seen === 1 && byte !== 0x8b) fail('gzip magic 0x1f 0x8b', `0x1f ${hex(byte)}`);
    if (this.seen === 2 && byte !== 8) fail('compression method 8 (deflate)', `method ${byte}`);
    if (this.seen === 3) {
      if (byte & RESERVED) fail('gzip flags with the reserved bits 5-7 clear', `flags ${hex(byte)}`);
      this.flags = byte;
    }
  }

  /** Moves to `field`, or past it when the flags leave it out. */
  private nextField(field: number): void {
    const extra = (this.flags & FEXTRA) !== 0;
    const present = [true, extra, extra, (this.flags & FNAME) !== 0, (this.flags & FCOMMENT) !== 0, (this.flags & FHCRC) !== 0, true];
    while (field < DONE && !present[field]) field++;
    this.field = field;
    this.seen = this.value = 0;
  }

  private endCounted(at: number): void {
    if (this.field === EXTRA_LENGTH) {
      this.need = this.value;
      this.nextField(this.value > 0 ? EXTRA : NAME);
      return;
    }
    const expected = this.crc & 0xffff;
    if (this.value !== expected) {
      throw new GzipError({ file: this.file, offset: at, expected: `header CRC-16 ${hex(expected, 4)} of the ${at - this.start} header bytes`, found: hex(this.value, 4) });
    }
    this.field = DONE;
  }
}
