import type { OperatorFunction } from 'rxjs';
import { Observable } from '../rx.js';
import { IdxFormatError } from '../errors.js';
import { operate } from '../operate.js';
import { headerCutShort, idxHeaderLength, idxHeaderOf } from './header.js';
import { idxTypeInfo, type IdxArray, type IdxHeader, type IdxRecords, type IdxType } from './types.js';

/** Options of `decodeIdx()`. */
export interface DecodeIdxOptions {
  /** Name of the file or URL, for error messages. Default `'<bytes>'`. */
  file?: string;
  /** Element type the caller requires; any type is accepted when unset. */
  type?: IdxType;
  /** Number of dimensions the caller requires; any when unset. */
  ndims?: number;
  /** Called once with the header as soon as it is read, before any record. */
  onHeader?: (header: IdxHeader) => void;
}

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const EMPTY = new Uint8Array(0);

/**
 * Decodes an IDX byte stream into groups of records, emitting each record as soon as its
 * last byte arrives, whatever the chunk boundaries.
 *
 * Single-byte types are emitted as views of the incoming chunks where a record lies wholly
 * inside one, so the common u8 case copies nothing; wider types are converted from
 * big-endian. The stream must hold exactly the records its header announces: a short
 * stream or trailing bytes are errors naming the byte offset.
 *
 * @param options See `DecodeIdxOptions`.
 *
 * ## Example
 * ```ts
 * import { fromFile, gunzip, decodeIdx } from '@idxflow/core';
 * const file = 't10k-labels-idx1-ubyte';
 * fromFile(file).pipe(gunzip({ file }), decodeIdx({ file }))
 *   .subscribe(({ header, first, count }) => console.log(header.dims, first, count));
 * ```
 */
export function decodeIdx(options: DecodeIdxOptions = {}): OperatorFunction<Uint8Array, IdxRecords> {
  const file = options.file ?? '<bytes>';
  const required = { file, type: options.type, ndims: options.ndims };
  return (source) =>
    new Observable<IdxRecords>((subscriber) => {
      let prefix = new Uint8Array(4); // magic, then the whole header once its length is known
      let prefixFill = 0;
      let header: IdxHeader | undefined;
      let total = 0; // records announced
      let next = 0; // records emitted
      let offset = 0; // bytes received
      let carry = EMPTY; // a partial record
      let carryFill = 0;
      let elementBytes = 1;
      let Pixels: IdxTypeInfoArray = Uint8Array;

      const fail = (at: number, expected: string, found: string): never => {
        throw new IdxFormatError({ file, offset: at, expected, found });
      };

      // Appends to the partial record, grown by doubling (up to the record size) as bytes come,
      // so a header announcing huge records costs memory only for the bytes that follow it.
      const keep = (bytes: Uint8Array): void => {
        const need = carryFill + bytes.length;
        if (need > carry.length) {
          const grown = new Uint8Array(Math.min(header!.recordBytes, Math.max(need, 2 * carry.length, 1 << 16)));
          grown.set(carry.subarray(0, carryFill));
          carry = grown;
        }
        carry.set(bytes, carryFill);
        carryFill = need;
      };

      // The magic number first, then the whole header once its length is known.
      const readHeader = (): void => {
        if (prefix.length === 4) {
          const grown = new Uint8Array(idxHeaderLength(prefix, required));
          grown.set(prefix);
          prefix = grown;
          return;
        }
        header = idxHeaderOf(prefix, required);
        options.onHeader?.(header);
        total = header.dims[0];
        const info = idxTypeInfo(header.type);
        elementBytes = info.bytes;
        Pixels = info.Array;
        if (header.recordBytes === 0 && total > 0) emitRecords(new Uint8Array(0), 0, total);
      };

      const emitRecords = (bytes: Uint8Array, start: number, count: number): void => {
        const h = header!;
        const length = count * h.recordBytes;
        let data: IdxArray;
        if (elementBytes === 1) {
          const view = bytes.subarray(start, start + length);
          data = Pixels === Uint8Array ? view : new Int8Array(view.buffer, view.byteOffset, view.length);
        } else {
          data = new Pixels(length / elementBytes);
          const src = new DataView(bytes.buffer, bytes.byteOffset + start, length);
          const dst = new DataView(data.buffer);
          if (!HOST_LITTLE_ENDIAN) new Uint8Array(data.buffer).set(bytes.subarray(start, start + length));
          else if (elementBytes === 2) for (let i = 0; i < length; i += 2) dst.setUint16(i, src.getUint16(i, false), true);
          else if (elementBytes === 4) for (let i = 0; i < length; i += 4) dst.setUint32(i, src.getUint32(i, false), true);
          else for (let i = 0; i < length; i += 8) dst.setBigUint64(i, src.getBigUint64(i, false), true);
        }
        const first = next;
        next += count;
        subscriber.next({ header: h, first, count, data });
      };

      const consume = (chunk: Uint8Array): void => {
        let at = 0;
        while (!header && at < chunk.length) {
          const take = Math.min(prefix.length - prefixFill, chunk.length - at);
          prefix.set(chunk.subarray(at, at + take), prefixFill);
          prefixFill += take;
          at += take;
          if (prefixFill === prefix.length) readHeader();
        }
        if (!header || at === chunk.length) return;
        const { recordBytes } = header;
        const extra = (): never =>
          fail(offset + at, `end of data after ${total} records of ${recordBytes} bytes`, `${chunk.length - at} more bytes`);
        if (carryFill > 0) {
          const take = Math.min(recordBytes - carryFill, chunk.length - at);
          keep(chunk.subarray(at, at + take));
          at += take;
          if (carryFill < recordBytes) return;
          const whole = carry; // handed on: the next partial record gets its own array
          carry = EMPTY;
          carryFill = 0;
          emitRecords(whole, 0, 1);
        }
        if (at === chunk.length) return;
        if (next === total) extra();
        const whole = Math.min(Math.floor((chunk.length - at) / recordBytes), total - next);
        if (whole > 0) {
          emitRecords(chunk, at, whole);
          at += whole * recordBytes;
        }
        if (at < chunk.length) {
          if (next === total) extra();
          keep(chunk.subarray(at));
        }
      };

      return operate(source, subscriber, {
        next(chunk) {
          consume(chunk);
          offset += chunk.length;
        },
        complete() {
          if (!header) throw headerCutShort(file, prefix.length, offset);
          if (next < total) {
            const expectedBytes = header.headerBytes + total * header.recordBytes;
            throw new IdxFormatError({
              file,
              offset,
              expected: `${expectedBytes} bytes (${total} records of ${[header.dims.slice(1).join(' x '), header.type].filter(Boolean).join(' ')})`,
              found: `end of data after ${offset} bytes (${next} whole records): the file is truncated`,
            });
          }
          subscriber.complete();
        },
      });
    });
}

type IdxTypeInfoArray = { new (length: number): IdxArray };
