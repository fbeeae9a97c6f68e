// Raw deflate decoding (RFC 1951) for gunzip(), fed chunks of any size.
//
// Written here rather than taken from fflate for two reasons. A gzip member's trailer follows
// the last bit of its deflate stream, and fflate does not say where that is (its Gunzip reports
// a member only once the next member's whole header has arrived, however long). And fflate
// accepts streams zlib rejects (a stored block whose NLEN is not the complement of LEN, code
// sets that are over-subscribed or incomplete): as gunzip() promises to reject a corrupt file,
// it follows zlib's rules, which are also the fuzz test's oracle.
import { GzipError } from '../errors.js';
import { bitsAt, DISTANCE_BASE, DISTANCE_EXTRA, DynamicCodes, fixedCodes, LENGTH_BASE, LENGTH_EXTRA } from './huffman.js';

const WINDOW = 32768; // the farthest a match may reach back
const SPAN = 1 << 18; // output gathered before it is handed on (bounds memory on a zip bomb)
const MAX_MATCH = 258;
const PAD = 16; // zero bytes after the input, so a read past its end needs no bounds check

// What the decoder reads next.
const BLOCK_HEADER = 0;
const STORED = 1;
const CODES = 2;
const DONE = 3;

/**
 * Decodes one raw deflate stream pushed in chunks; hands output on through `ondata` in pieces
 * of at most 256 KiB, each a fresh array, and says where in its input the stream ended.
 */
export class Inflater {
  private input = new Uint8Array(1 << 12); // grows to the largest push
  private length = 0; // bytes of `input` filled
  private pos = 0; // bit position in `input` of the next unread bit
  private base = 0; // stream offset of input[0], for error offsets
  private out = new Uint8Array(1 << 14); // grows to WINDOW + SPAN as output needs it
  private outPos = 0; // out[0, outPos) is this stream's output (its last 32 KiB once it slid)
  private handed = 0; // out[handed, outPos) is not yet handed on
  private mode = BLOCK_HEADER;
  private last = false; // the block being read is the stream's last
  private storedLeft = 0;
  private lit!: Uint16Array; // the codes of the block being read: the fixed ones, or dynamic's tables
  private litBits!: number;
  private dist!: Uint16Array;
  private distBits!: number;
  private dynamic: DynamicCodes | undefined; // 128 KiB of tables, made at the first dynamic block

  constructor(
    private readonly file: string,
    private readonly ondata: (data: Uint8Array) => void,
  ) {
    this.useFixedCodes();
  }

  /** Reads with the fixed codes (RFC 1951, section 3.2.6): from the start, and in a fixed block. */
  private useFixedCodes(): void {
    const { literals, distances } = fixedCodes();
    this.lit = literals.table;
    this.litBits = literals.bits;
    this.dist = distances.table;
    this.distBits = distances.bits;
  }

  /** The last block has ended. */
  get ended(): boolean {
    return this.mode === DONE;
  }

  /** Starts a new stream (a new gzip member): no history, no pending input. */
  reset(): void {
    this.mode = BLOCK_HEADER;
    this.last = false;
    this.length = this.pos = this.outPos = this.handed = 0;
  }

  /**
   * Decodes as much as `chunk` allows.
   *
   * @param chunk The next input bytes (copied; the caller may reuse it).
   * @param offset Stream offset of chunk[0], for error messages.
   * @returns How many bytes of `chunk` the stream used: all of them, or fewer if it ended.
   */
  push(chunk: Uint8Array, offset: number): number {
    const kept = this.stage(chunk, offset);
    while (this.mode !== DONE) {
      const progressed = this.mode === BLOCK_HEADER ? this.blockHeader() : this.mode === STORED ? this.stored() : this.codes();
      if (!progressed) break;
    }
    this.handOn();
    return this.mode === DONE ? ((this.pos + 7) >>> 3) - kept : chunk.length;
  }

  /** Appends `chunk` to the unread input; returns how many unread bytes came before it. */
  private stage(chunk: Uint8Array, offset: number): number {
    const from = this.pos >>> 3;
    const kept = this.length - from;
    const need = kept + chunk.length + PAD;
    if (need > this.input.length) {
      const grown = new Uint8Array(Math.max(need, 2 * this.input.length));
      grown.set(this.input.subarray(from, this.length));
      this.input = grown;
    } else {
      this.input.copyWithin(0, from, this.length);
    }
    this.input.set(chunk, kept);
    this.length = kept + chunk.length;
    this.input.fill(0, this.length, this.length + PAD);
    this.pos &= 7;
    this.base = offset - kept;
    return kept;
  }

  private fail(bit: number, expected: string, found: string): never {
    throw new GzipError({ file: this.file, offset: this.base + (bit >>> 3), expected, found });
  }

  /** Hands on the output not yet handed on. */
  private handOn(): void {
    if (this.outPos > this.handed) this.ondata(this.out.slice(this.handed, this.outPos));
    this.handed = this.outPos;
  }

  /** Where output may run to now: the buffer's end, or SPAN bytes past what was handed on. */
  private outLimit(): number {
    return Math.min(this.out.length, this.handed + SPAN);
  }

  /** Makes room for `room` more bytes of output: hands a full piece on, grows the buffer, or keeps only its last 32 KiB. */
  private makeRoom(room: number): void {
    if (this.outPos + room > this.handed + SPAN) this.handOn();
    if (this.outPos + room <= this.out.length) return;
    if (this.out.length < WINDOW + SPAN) {
      const grown = new Uint8Array(Math.min(WINDOW + SPAN, Math.max(2 * this.out.length, this.outPos + room)));
      grown.set(this.out.subarray(0, this.outPos));
      this.out = grown;
      return;
    }
    this.handOn();
    this.out.copyWithin(0, this.outPos - WINDOW, this.outPos);
    this.outPos = this.handed = WINDOW;
  }

  private endBlock(): void {
    this.mode = this.last ? DONE : BLOCK_HEADER;
  }

  /** Reads a block header; false when the input ends inside it (it is read again whole). */
  private blockHeader(): boolean {
    const buf = this.input;
    const end = this.length * 8;
    let pos = this.pos;
    if (pos + 3 > end) return false;
    const head = bitsAt(buf, pos, 7);
    const type = head >>> 1;
    pos += 3;
    if (type === 0) {
      pos = (pos + 7) & ~7;
      if (pos + 32 > end) return false;
      const size = bitsAt(buf, pos, 0xffff);
      const check = bitsAt(buf, pos + 16, 0xffff);
      const hex = (n: number): string => '0x' + n.toString(16).padStart(4, '0');
      if ((size ^ 0xffff) !== check) this.fail(pos + 16, `stored block NLEN ${hex(size ^ 0xffff)} (the complement of LEN ${hex(size)})`, `NLEN ${hex(check)}`);
      this.storedLeft = size;
      this.mode = STORED;
      pos += 32;
    } else if (type === 1) {
      this.useFixedCodes();
      this.mode = CODES;
    } else if (type === 2) {
      const dynamic = (this.dynamic ??= new DynamicCodes());
      pos = dynamic.read(buf, pos, end, (bit, expected, found) => this.fail(bit, expected, found));
      if (pos < 0) return false;
      ({ lit: this.lit, litBits: this.litBits, dist: this.dist, distBits: this.distBits } = dynamic);
      this.mode = CODES;
    } else {
      this.fail(this.pos, 'deflate block type 0, 1 or 2', 'block type 3');
    }
    this.last = (head & 1) === 1;
    this.pos = pos;
    return true;
  }

  /** Copies a stored block's bytes; false when the input ends first. */
  private stored(): boolean {
    let at = this.pos >>> 3; // a stored block's data starts on a byte boundary
    while (this.storedLeft > 0 && at < this.length) {
      if (this.outPos === this.outLimit()) this.makeRoom(1);
      const n = Math.min(this.storedLeft, this.length - at, this.outLimit() - this.outPos);
      this.out.set(this.input.subarray(at, at + n), this.outPos);
      this.outPos += n;
      at += n;
      this.storedLeft -= n;
    }
    this.pos = at * 8;
    if (this.storedLeft > 0) return false;
    this.endBlock();
    return true;
  }

  /** Decodes a Huffman-coded block's symbols; false when the input ends first. */
  private codes(): boolean {
    const buf = this.input;
    const end = this.length * 8;
    let out = this.out;
    const lit = this.lit;
    const litBits = this.litBits;
    const litMask = (1 << litBits) - 1;
    const dist = this.dist;
    const distMask = (1 << this.distBits) - 1;
    let limit = this.outLimit() - MAX_MATCH;
    let pos = this.pos;
    let op = this.outPos;
    let ended = false;
    for (;;) {
      if (op > limit) {
        this.outPos = op;
        this.makeRoom(MAX_MATCH);
        out = this.out;
        op = this.outPos;
        limit = this.outLimit() - MAX_MATCH;
      }
      const start = pos;
      let i = pos >>> 3;
      let entry = lit[((buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16)) >>> (pos & 7)) & litMask];
      if (entry === 0) {
        if (pos + litBits > end) break; // the bits that decide the code have not all arrived
        this.fail(pos, 'a literal/length code', 'bits that begin none');
      }
      pos += entry & 15;
      let symbol = entry >>> 4;
      if (symbol < 256) {
        if (pos > end) {
          pos = start;
          break;
        }
        out[op++] = symbol;
        continue;
      }
      if (symbol === 256) {
        if (pos > end) {
          pos = start;
          break;
        }
        ended = true;
        break;
      }
      symbol -= 257;
      let length = LENGTH_BASE[symbol];
      const lengthExtra = LENGTH_EXTRA[symbol];
      if (lengthExtra > 0) {
        length += bitsAt(buf, pos, (1 << lengthExtra) - 1);
        pos += lengthExtra;
      }
      i = pos >>> 3;
      entry = dist[((buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16)) >>> (pos & 7)) & distMask];
      if (entry === 0) {
        if (pos + this.distBits > end) {
          pos = start;
          break;
        }
        this.fail(pos, 'a distance code', 'bits that begin none');
      }
      pos += entry & 15;
      symbol = entry >>> 4;
      let distance = DISTANCE_BASE[symbol];
      const distanceExtra = DISTANCE_EXTRA[symbol];
      if (distanceExtra > 0) {
        distance += bitsAt(buf, pos, (1 << distanceExtra) - 1);
        pos += distanceExtra;
      }
      if (pos > end) {
        pos = start;
        break;
      }
      if (distance > op) this.fail(start, `a match distance of at most ${op} (the bytes inflated so far)`, `distance ${distance}`);
      let from = op - distance;
      const stop = op + length;
      while (op < stop) out[op++] = out[from++];
    }
    this.pos = pos;
    this.outPos = op;
    if (ended) this.endBlock();
    return ended;
  }
}
