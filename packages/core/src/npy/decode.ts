// Records of an NPY byte stream (see ./header.ts for the header), in C order after the header.
import { Observable, type OperatorFunction } from 'rxjs';
import { NpyFormatError } from '../errors.js';
import { operate } from '../operate.js';
import { concatBytes } from '../sources/bytes.js';
import { parseNpyHeader, type NpyHeader } from './header.js';

export type { NpyHeader } from './header.js';

/** Records `[first, first + count)` of an NPY array, as raw little- or big-endian bytes (a fresh copy). */
export interface NpyRecords {
  readonly header: NpyHeader;
  readonly first: number;
  readonly count: number;
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
      let header: NpyHeader | undefined;
      let pending: Uint8Array[] = []; // copies of the pieces of a partial record
      let pendingBytes = 0;
      let next = 0; // records emitted
      let offset = 0; // bytes received
      const total = (): number => header!.shape[0];
      const emit = (bytes: Uint8Array, count: number): void => {
        subscriber.next({ header: header!, first: next, count, bytes });
        next += count;
      };
      const trailing = (): never => {
        throw new NpyFormatError({ file, offset: header!.headerBytes + total() * header!.recordBytes, expected: `the end of the array after ${total()} records`, found: 'more bytes' });
      };
      const records = (chunk: Uint8Array): void => {
        const size = header!.recordBytes;
        if (size === 0) {
          if (next < total()) emit(new Uint8Array(0), total() - next);
          if (chunk.length > 0) trailing();
          return;
        }
        let at = 0;
        if (pendingBytes > 0 || chunk.length < size) {
          if (next >= total() && chunk.length > 0) trailing();
          const need = size - pendingBytes;
          if (chunk.length < need) {
            pending.push(chunk.slice());
            pendingBytes += chunk.length;
            return;
          }
          emit(joined(pending, pendingBytes, chunk.subarray(0, need)), 1);
          pending = [];
          pendingBytes = 0;
          at = need;
        }
        const whole = Math.min(Math.floor((chunk.length - at) / size), total() - next);
        // Records start at offset 0 of a buffer of their own (typed views need that): copied.
        if (whole > 0) emit(chunk.slice(at, at + whole * size), whole);
        at += whole * size;
        if (at === chunk.length) return;
        if (next >= total()) trailing();
        pending.push(chunk.slice(at));
        pendingBytes = chunk.length - at;
      };
      const checkDeclared = (h: NpyHeader): void => {
        const bytes = h.headerBytes + h.shape[0] * h.recordBytes;
        if (options.declaredBytes === undefined || bytes === options.declaredBytes) return;
        throw new NpyFormatError({ file, offset: 10, expected: `a shape that fills the ${options.declaredBytes} bytes the archive lists`, found: `shape (${h.shape.join(', ')}) of ${h.descr}: ${bytes} bytes with the header` });
      };
      return operate(source, subscriber, {
        next(chunk) {
          offset += chunk.length;
          if (header) return records(chunk);
          head = concatBytes(head, chunk);
          header = parseNpyHeader(file, head);
          if (!header) return;
          checkDeclared(header);
          options.onHeader?.(header);
          records(head.subarray(header.headerBytes));
        },
        complete() {
          if (!header) throw new NpyFormatError({ file, offset, expected: 'a complete NPY header', found: `the end of the data after ${offset} bytes` });
          if (next < total() || pendingBytes > 0) {
            throw new NpyFormatError({ file, offset, expected: `${total()} records of ${header.recordBytes} bytes after the ${header.headerBytes}-byte header`, found: `the end of the data after ${next} records (the file is truncated)` });
          }
          subscriber.complete();
        },
      });
    });
}
