// A gzip file as RFC 1952 defines it: one or more members, each a header, a deflate stream and
// an 8-byte trailer, and nothing after the last member. The decoder walks the members itself,
// so it always knows which byte it is reading: the trailer starts at the byte after the
// deflate stream's last bit, however long the next member's header or the chunks are.
import { crc32 } from '../crc32.js';
import { GzipError } from '../errors.js';
import { inflateCeiling, inflateLimitError } from '../inflateLimit.js';
import { GzipHeaderReader } from './header.js';
import { Inflater } from './inflate.js';

const HEADER = 0;
const BODY = 1;
const TRAILER = 2;
const BETWEEN = 3; // a member has ended: the data may end, or another member start

const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');

/** Decodes a gzip byte stream pushed in chunks; throws `GzipError` at the first problem. */
export class GzipDecoder {
  private stage = HEADER;
  private readonly header: GzipHeaderReader;
  private readonly inflater: Inflater;
  private readonly trailer = new Uint8Array(8);
  private trailerFill = 0;
  private trailerStart = 0;
  private crc = 0; // of the current member's output
  private size = 0;
  private offset = 0; // stream offset of the next byte pushed
  private pushedEnd = 0; // stream offset just past the chunk being pushed
  private inflated = 0; // output of every member so far

  /**
   * @param file Name of the file, for error messages.
   * @param ondata Receives the decompressed bytes, each time a fresh array.
   * @param maxRatio Most output bytes per input byte (`inflateCeiling`): past it, an `InflateLimitError`.
   */
  constructor(
    private readonly file: string,
    ondata: (data: Uint8Array) => void,
    maxRatio = Infinity,
  ) {
    this.header = new GzipHeaderReader(file);
    this.inflater = new Inflater(file, (data) => {
      this.inflated += data.length;
      // Pieces are at most 256 KiB: a bomb stops within one piece of the ceiling.
      if (this.inflated > inflateCeiling(this.pushedEnd, maxRatio)) throw inflateLimitError({ file, offset: this.pushedEnd }, this.pushedEnd, this.inflated, maxRatio);
      this.crc = crc32(data, this.crc);
      this.size += data.length;
      ondata(data);
    });
  }

  /** Decodes the next bytes (read before returning, so the caller may reuse `chunk`). */
  push(chunk: Uint8Array): void {
    this.pushedEnd = this.offset + chunk.length;
    let at = 0;
    while (at < chunk.length) {
      if (this.stage === BETWEEN) {
        this.header.reset(this.offset + at);
        this.stage = HEADER;
      }
      if (this.stage === HEADER) {
        at = this.header.read(chunk, at, this.offset);
        if (this.header.done) this.startBody();
      } else if (this.stage === BODY) {
        at += this.inflater.push(at === 0 ? chunk : chunk.subarray(at), this.offset + at);
        if (this.inflater.ended) {
          this.stage = TRAILER;
          this.trailerFill = 0;
          this.trailerStart = this.offset + at;
        }
      } else {
        const take = Math.min(8 - this.trailerFill, chunk.length - at);
        this.trailer.set(chunk.subarray(at, at + take), this.trailerFill);
        this.trailerFill += take;
        at += take;
        if (this.trailerFill === 8) this.checkTrailer();
      }
    }
    this.offset += chunk.length;
  }

  /** Says the data has ended: throws unless it ended right after a member. */
  end(): void {
    if (this.stage === BETWEEN) return;
    const found = `end of data after ${this.offset} bytes`;
    const fail = (expected: string, why: string): never => {
      throw new GzipError({ file: this.file, offset: this.offset, expected, found: `${found} ${why}` });
    };
    if (this.stage === HEADER) fail(`${this.header.missing} of the member at byte ${this.header.start}`, '(the file is truncated)');
    if (this.stage === BODY) {
      throw new GzipError({
        file: this.file,
        offset: this.offset,
        expected: 'a complete, valid deflate stream',
        found: 'the data ends inside a compressed block (truncated or corrupt)',
      });
    }
    fail('gzip trailer CRC-32 and size (8 bytes)', `(${this.trailerFill} of them: the file is truncated)`);
  }

  private startBody(): void {
    this.stage = BODY;
    this.inflater.reset();
    this.crc = 0;
    this.size = 0;
  }

  private checkTrailer(): void {
    const t = this.trailer;
    const crc = (t[0] | (t[1] << 8) | (t[2] << 16) | (t[3] << 24)) >>> 0;
    const size = (t[4] | (t[5] << 8) | (t[6] << 16) | (t[7] << 24)) >>> 0;
    const expectedSize = this.size % 2 ** 32; // ISIZE is the size modulo 2^32
    if (crc !== this.crc || size !== expectedSize) {
      throw new GzipError({
        file: this.file,
        offset: this.trailerStart,
        expected: `gzip trailer CRC-32 ${hex(this.crc)} and size ${expectedSize} of the inflated data`,
        found: `CRC-32 ${hex(crc)} and size ${size} (the file is truncated or corrupt)`,
      });
    }
    this.stage = BETWEEN;
  }
}
