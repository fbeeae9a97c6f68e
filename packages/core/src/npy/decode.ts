// NumPy's .npy format (numpy/lib/format.py, NEP 1): "\x93NUMPY", a version (1.0: u16 header
// length; 2.0 and 3.0: u32), a Python dict literal giving descr, fortran_order and shape, then
// the array's bytes in C order.
import { Observable, type OperatorFunction } from 'rxjs';
import { NpyFormatError } from '../errors.js';
import { operate } from '../operate.js';
import { concatBytes } from '../sources/bytes.js';

/** What an NPY header says. */
export interface NpyHeader {
  /** NumPy's dtype string: `|u1`, `<f4`, `<i8`, ... */
  readonly descr: string;
  readonly shape: readonly number[];
  /** Bytes of magic, version, length and dict. */
  readonly headerBytes: number;
  /** Bytes of one record (one index of the first dimension). */
  readonly recordBytes: number;
}

/** Records `[first, first + count)` of an NPY array, as raw little- or big-endian bytes (a fresh copy). */
export interface NpyRecords {
  readonly header: NpyHeader;
  readonly first: number;
  readonly count: number;
  readonly bytes: Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const ITEM_BYTES: Record<string, number> = { b1: 1, u1: 1, i1: 1, u2: 2, i2: 2, u4: 4, i4: 4, f4: 4, u8: 8, i8: 8, f8: 8 };

/** Parses the header at the start of `head` once it is all there; undefined while it is not. */
function parseHeader(file: string, head: Uint8Array): NpyHeader | undefined {
  if (head.length < 12) return undefined;
  for (let i = 0; i < MAGIC.length; i++) {
    if (head[i] !== MAGIC[i]) throw new NpyFormatError({ file, offset: i, expected: 'the NPY magic "\\x93NUMPY"', found: `byte 0x${head[i].toString(16).padStart(2, '0')}` });
  }
  const major = head[6];
  if (major < 1 || major > 3) throw new NpyFormatError({ file, offset: 6, expected: 'NPY format version 1, 2 or 3', found: `version ${major}.${head[7]}` });
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const start = major === 1 ? 10 : 12;
  const headerBytes = start + (major === 1 ? view.getUint16(8, true) : view.getUint32(8, true));
  if (head.length < headerBytes) return undefined;
  const dict = new TextDecoder().decode(head.subarray(start, headerBytes));
  // As numpy (ast.literal_eval, then the keys compared): one dict literal, exactly these three keys, each once.
  const keys = [...dict.matchAll(/'([^']*)'\s*:/g)].map((m) => m[1]).sort();
  if (!/^\{[^{}]*\}\s*$/.test(dict.trim()) || keys.join() !== 'descr,fortran_order,shape') {
    throw new NpyFormatError({ file, offset: start, expected: "one header dict with the keys 'descr', 'fortran_order' and 'shape', each once", found: JSON.stringify(dict.trim().slice(0, 80)) });
  }
  const descr = /'descr':\s*'([^']+)'/.exec(dict)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(dict)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(dict)?.[1];
  const item = descr === undefined ? undefined : ITEM_BYTES[descr.slice(1)];
  if (item === undefined || fortran === undefined || shapeText === undefined) {
    throw new NpyFormatError({ file, offset: start, expected: "a header dict with 'descr' (a numeric dtype), 'fortran_order' and 'shape'", found: JSON.stringify(dict.trim().slice(0, 80)) });
  }
  if (fortran === 'True') throw new NpyFormatError({ file, offset: start, expected: 'a C-ordered array (fortran_order False)', found: 'fortran_order True' });
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.length === 0 || shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new NpyFormatError({ file, offset: start, expected: 'a shape of at least one non-negative dimension', found: `(${shapeText})` });
  return { descr: descr!, shape, headerBytes, recordBytes: item * shape.slice(1).reduce((a, b) => a * b, 1) };
}

/**
 * Decodes an NPY byte stream into groups of whole records (indices of the first dimension),
 * emitted as their last byte arrives, whatever the chunk boundaries. The stream must hold
 * exactly the records its header announces: a short stream or trailing bytes are
 * `NpyFormatError`s naming the byte offset.
 *
 * @param options `file` names the input in messages (default `'<bytes>'`); `onHeader` is called once with the header.
 *
 * ## Example
 * ```ts
 * fromFile('train-images.npy').pipe(decodeNpy({ file: 'train-images.npy' }))
 *   .subscribe(({ header, first, count }) => console.log(header.shape, first, count));
 * ```
 */
export function decodeNpy(options: { file?: string; onHeader?: (header: NpyHeader) => void } = {}): OperatorFunction<Uint8Array, NpyRecords> {
  const file = options.file ?? '<bytes>';
  return (source) =>
    new Observable<NpyRecords>((subscriber) => {
      let head: Uint8Array = new Uint8Array(0);
      let header: NpyHeader | undefined;
      let carry: Uint8Array = new Uint8Array(0); // bytes of a partial record
      let next = 0; // records emitted
      let offset = 0; // bytes received
      const total = (): number => header!.shape[0];
      const records = (chunk: Uint8Array): void => {
        const bytes = concatBytes(carry, chunk);
        const size = header!.recordBytes;
        const whole = size === 0 ? total() - next : Math.min(Math.floor(bytes.length / size), total() - next);
        if (whole * size < bytes.length && next + whole >= total()) {
          throw new NpyFormatError({ file, offset: header!.headerBytes + total() * size, expected: `the end of the array after ${total()} records`, found: 'more bytes' });
        }
        // Records start at offset 0 of a buffer of their own (typed views need that): the joined
        // bytes already are one; the upstream chunk is copied.
        const own = bytes === chunk ? bytes.slice(0, whole * size) : bytes.subarray(0, whole * size);
        if (whole > 0) subscriber.next({ header: header!, first: next, count: whole, bytes: own });
        next += whole;
        carry = bytes.slice(whole * size);
      };
      return operate(source, subscriber, {
        next(chunk) {
          offset += chunk.length;
          if (header) return records(chunk);
          head = concatBytes(head, chunk);
          header = parseHeader(file, head);
          if (!header) return;
          options.onHeader?.(header);
          records(head.subarray(header.headerBytes));
        },
        complete() {
          if (!header) throw new NpyFormatError({ file, offset, expected: 'a complete NPY header', found: `the end of the data after ${offset} bytes` });
          if (next < total() || carry.length > 0) {
            throw new NpyFormatError({ file, offset, expected: `${total()} records of ${header.recordBytes} bytes after the ${header.headerBytes}-byte header`, found: `the end of the data after ${next} records (the file is truncated)` });
          }
          subscriber.complete();
        },
      });
    });
}
