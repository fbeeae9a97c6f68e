// Records of an NPY byte stream (see ./header.ts for the header), in C order after the header.
import type { OperatorFunction } from 'rxjs';
import { Observable } from '../rx.js';
import { NpyFormatError } from '../errors.js';
import { operate } from '../operate.js';
import { concatBytes } from '../sources/bytes.js';
import { parseNpyHeader, type NpyHeader } from './header.js';

export type { NpyHeader } from './header.js';

/** Records `[first, first + count)` of an NPY array, as raw little- or big-endian bytes (a fresh copy). */
export interface NpyRecords {
  /** The array's header. */
  readonly header: NpyHeader;
  /** Index of the first record here. */
  readonly first: number;
  /** Records here. */
  readonly count: number;
  /** Their bytes: `count * header.recordBytes`, in the array's byte order. */
  readonly bytes: Uint8Array;
}

/** Options of `decodeNpy()`. */
export interface DecodeNpyOptions {
  /** Names the input in messages. Default `'<bytes>'`. */
  file?: string;
  /** Called once with the header. */
  onHeader?: (header: NpyHeader) => void;
  /**
   * Bytes the whole stream is declared to hold (a zip member's size in its directory entry):
   * a header whose shape says otherwise is refused before any record is read. Unchecked when unset.
   */
  declaredBytes?: number;
}

/** `pieces` (of `length` bytes in all) and then `tail`, in one fresh array. */
function joined(pieces: readonly Uint8Array[], length: number, tail: Uint8Array): Uint8Array {
  const out = new Uint8Array(length + tail.length);
  let at = 0;
  for (const piece of pieces) {
    out.set(piece, at);
    at += piece.length;
  }
  out.set(tail, at);
  return out;
}

/** Splits the bytes after an NPY header into groups of whole records, whatever the chunk boundaries. */
class RecordSplitter {
  /** Records emitted. */
  next = 0;
  private pending: Uint8Array[] = []; // copies of the pieces of a partial record, joined once it is whole
  private pendingBytes = 0;

  constructor(
    private readonly file: string,
    readonly header: NpyHeader,
    private readonly emit: (records: NpyRecords) => void,
  ) {}

  /** Whether a record has begun and not ended. */
  get partial(): boolean {
    return this.pendingBytes > 0;
  }

  push(chunk: Uint8Array): void {
    const { recordBytes: size, shape } = this.header;
    const total = shape[0];
    if (size === 0) {
      if (this.next < total) this.hand(new Uint8Array(0), total - this.next);
      if (chunk.length > 0) this.trailing();
      return;
    }
    let at = 0;
    if (this.pendingBytes > 0 || chunk.length < size) {
      if (this.next >= total && chunk.length > 0) this.trailing();
      const need = size - this.pendingBytes;
      if (chunk.length < need) {
        this.pending.push(chunk.slice());
        this.pendingBytes += chunk.length;
        return;
      }
      this.hand(joined(this.pending, this.pendingBytes, chunk.subarray(0, need)), 1);
      this.pending = [];
      this.pendingBytes = 0;
      at = need;
    }
    const whole = Math.min(Math.floor((chunk.length - at) / size), total - this.next);
    // Records start at offset 0 of a buffer of their own (typed views need that): copied.
    if (whole > 0) this.hand(chunk.slice(at, at + whole * size), whole);
    at += whole * size;
    if (at === chunk.length) return;
    if (this.next >= total) this.trailing();
    this.pending.push(chunk.slice(at));
    this.pendingBytes = chunk.length - at;
  }

  private hand(bytes: Uint8Array, count: number): void {
    const first = this.next;
    this.next += count;
    this.emit({ header: this.header, first, count, bytes });
  }

  private trailing(): never {
    const { headerBytes, recordBytes, shape } = this.header;
    throw new NpyFormatError({ file: this.file, offset: headerBytes + shape[0] * recordBytes, expected: `the end of the array after ${shape[0]} records`, found: 'more bytes' });
  }
}

/** Refuses a header whose shape does not fill the bytes an archive declares for the array. */
function checkDeclared(file: string, h: NpyHeader, declared: number | undefined): void {
  const bytes = h.headerBytes + h.shape[0] * h.recordBytes;
  if (declared === undefined || bytes === declared) return;
  throw new NpyFormatError({ file, offset: 10, expected: `a shape that fills the ${declared} bytes the archive lists`, found: `shape (${h.shape.join(', ')}) of ${h.descr}: ${bytes} bytes with the header` });
}

/**
 * Decodes an NPY byte stream into groups of whole records (indices of the first dimension),
 * emitted as their last byte arrives, whatever the chunk boundaries. The stream must hold
 * exactly the records its header announces: a short stream or trailing bytes are
 * `NpyFormatError`s naming the byte offset. A record that spans many chunks is gathered as a
 * list of pieces and joined once, so decoding takes time linear in the bytes however large a
 * record is and however small the chunks.
 *
 * @param options See `DecodeNpyOptions`: `file` for messages, `onHeader`, `declaredBytes`.
 *
 * ## Example
 * ```ts
 * fromFile('train-images.npy').pipe(decodeNpy({ file: 'train-images.npy' }))
 *   .subscribe(({ header, first, count }) => console.log(header.shape, first, count));
 * ```
 */
export function decodeNpy(options: DecodeNpyOptions = {}): OperatorFunction<Uint8Array, NpyRecords> {
  const file = options.file ?? '<bytes>';
  return (source) =>
    new Observable<NpyRecords>((subscriber) => {
      let head: Uint8Array = new Uint8Array(0);
      let records: RecordSplitter | undefined;
      let offset = 0; // bytes received
      return operate(source, subscriber, {
        next(chunk) {
          offset += chunk.length;
          if (records) return records.push(chunk);
          head = concatBytes(head, chunk);
          const header = parseNpyHeader(file, head);
          if (!header) return;
          checkDeclared(file, header, options.declaredBytes);
          options.onHeader?.(header);
          records = new RecordSplitter(file, header, (r) => subscriber.next(r));
          records.push(head.subarray(header.headerBytes));
        },
        complete() {
          if (!records) throw new NpyFormatError({ file, offset, expected: 'a complete NPY header', found: `the end of the data after ${offset} bytes` });
          const { header, next } = records;
          if (next < header.shape[0] || records.partial) {
            throw new NpyFormatError({ file, offset, expected: `${header.shape[0]} records of ${header.recordBytes} bytes after the ${header.headerBytes}-byte header`, found: `the end of the data after ${next} records (the file is truncated)` });
          }
          subscriber.complete();
        },
      });
    });
}
