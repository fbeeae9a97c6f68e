// The members of a tar archive (POSIX ustar, with GNU long names and pax headers skipped over) as
// chunks arrive: push(chunk) returns the regular files completed. A member larger than the limit
// is refused before its bytes are held, so an archive cannot make the reader hold more than that.
import { ArchiveError } from '../errors.js';

/** One regular file of an archive. */
export interface TarMember {
  readonly name: string;
  readonly data: Uint8Array;
}

const BLOCK = 512;

/** An octal field (NUL or space terminated), or undefined when it is not octal. */
function octal(bytes: Uint8Array, from: number, length: number): number | undefined {
  const text = String.fromCharCode(...bytes.subarray(from, from + length)).replace(/[\0 ]+$/, '').trim();
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : text === '' ? 0 : undefined;
}

const cString = (bytes: Uint8Array, from: number, length: number): string => {
  const field = bytes.subarray(from, from + length);
  const end = field.indexOf(0);
  return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString('utf8');
};

/** Parses a tar stream; `push()` returns the regular files whose bytes are complete. */
export class TarParser {
  private header = new Uint8Array(BLOCK);
  private headerFill = 0;
  private member: { name: string; data: Uint8Array; fill: number; keep: boolean; longName: boolean; padding: number } | undefined;
  private skip = 0; // padding (or a skipped member's bytes) still to pass over
  private longName: string | undefined;
  private offset = 0;
  private ended = false;

  constructor(
    private readonly file: string,
    private readonly maxMemberBytes: number,
  ) {}

  private fail(expected: string, found: string): never {
    throw new ArchiveError({ file: this.file, offset: this.offset, expected, found });
  }

  push(chunk: Uint8Array, final = false): TarMember[] {
    const out: TarMember[] = [];
    let at = 0;
    while (at < chunk.length && !this.ended) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        this.offset += n;
        continue;
      }
      if (this.member) {
        const m = this.member;
        const n = Math.min(m.data.length - m.fill, chunk.length - at);
        m.data.set(chunk.subarray(at, at + n), m.fill);
        m.fill += n;
        at += n;
        this.offset += n;
        if (m.fill === m.data.length) this.endMember(out);
        continue;
      }
      const n = Math.min(BLOCK - this.headerFill, chunk.length - at);
      this.header.set(chunk.subarray(at, at + n), this.headerFill);
      this.headerFill += n;
      at += n;
      if (this.headerFill === BLOCK) {
        this.readHeader(out);
        this.offset += BLOCK;
        this.headerFill = 0;
      }
    }
    if (final && !this.ended && (this.member || this.headerFill > 0 || this.skip > 0)) this.fail('a complete tar archive', 'its end mid-member');
    return out;
  }

  private readHeader(out: TarMember[]): void {
    const h = this.header;
    if (h.every((b) => b === 0)) {
      this.ended = true; // the first of the two zero blocks that end an archive
      return;
    }
    const sum = octal(h, 148, 8);
    let actual = 0;
    for (let i = 0; i < BLOCK; i++) actual += i >= 148 && i < 156 ? 32 : h[i];
    if (sum !== actual) this.fail(`a tar header with checksum ${actual}`, sum === undefined ? 'no octal checksum' : `checksum ${sum}`);
    const size = octal(h, 124, 12);
    if (size === undefined) this.fail('an octal member size', JSON.stringify(cString(h, 124, 12)));
    const type = String.fromCharCode(h[156]);
    const prefix = cString(h, 345, 155);
    const name = this.longName ?? (prefix ? `${prefix}/${cString(h, 0, 100)}` : cString(h, 0, 100));
    this.longName = undefined;
    const padding = (BLOCK - (size % BLOCK)) % BLOCK;
    const regular = type === '0' || type === '\0' || type === '7';
    if (type === 'L' || regular) {
      if (size > this.maxMemberBytes) this.fail(`members of at most ${this.maxMemberBytes} bytes`, `${name}: ${size} bytes`);
      this.member = { name, data: new Uint8Array(size), fill: 0, keep: regular, longName: type === 'L', padding };
      if (size === 0) this.endMember(out);
      return;
    }
    this.skip = size + padding; // folders, links, pax and other headers: nothing to read
  }

  private endMember(out: TarMember[]): void {
    const m = this.member!;
    this.member = undefined;
    this.skip = m.padding;
    if (m.longName) this.longName = Buffer.from(m.data).toString('utf8').replace(/\0+$/, '');
    else if (m.keep) out.push({ name: m.name, data: m.data });
  }
}
