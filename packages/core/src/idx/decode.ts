import type { OperatorFunction } from 'rxjs';
import { Observable } from '../rx.js';
import { IdxFormatError } from '../errors.js';
import { operate } from '../operate.js';
import { IDX_TYPES, idxTypeByCode, type IdxArray, type IdxHeader, type IdxRecords, type IdxType } from './types.js';

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

const hex = (bytes: Uint8Array): string =>
  '0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

// The largest typed array Node 20 allocates (buffer.constants.MAX_LENGTH): a record is emitted
// as one, so a header announcing larger records cannot be decoded. Fixed rather than read from
// the runtime, so that a file is accepted or rejected the same way everywhere.
const MAX_RECORD_BYTES = 2 ** 32;

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

      // Record and total sizes, checked before anything is allocated: every product is at most
      // 2^64, so the comparisons are exact even where the doubles are not.
      const sizeOf = (type: IdxType, bytes: number, dims: number[]): number => {
        let recordBytes = bytes;
        if (dims.indexOf(0, 1) > 0) return 0; // records of no bytes, however large the other dimensions
        for (let i = 1; i < dims.length; i++) {
          recordBytes *= dims[i];
          if (recordBytes > MAX_RECORD_BYTES) {
            const exact = dims.slice(1, i + 1).reduce((product, d) => product * BigInt(d), BigInt(bytes));
            fail(4 + 4 * i, `records of at most 2^32 bytes`, `dimensions ${dims.slice(1, i + 1).join(' x ')} of ${type}, ${exact} bytes a record`);
          }
        }
        const headerBytes = 4 + 4 * dims.length;
        if (headerBytes + dims[0] * recordBytes > Number.MAX_SAFE_INTEGER) {
          fail(4, `at most 2^53 - 1 bytes in all`, `${dims[0]} records of ${recordBytes} bytes`);
        }
        return recordBytes;
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

      const readHeader = (): void => {
        const magic = prefix.subarray(0, 4);
        if (magic[0] !== 0 || magic[1] !== 0) {
          const wanted = options.type && options.ndims
            ? `0x0000${idxTypeByCodeOf(options.type)}${options.ndims.toString(16).padStart(2, '0')}`
            : '0x0000TTNN (two zero bytes, a type code, a dimension count)';
          const gz = magic[0] === 0x1f && magic[1] === 0x8b ? ' (gzip data: decompress it first)' : '';
          fail(0, `magic ${wanted}`, `${hex(magic)}${gz}`);
        }
        const info = idxTypeByCode(magic[2]);
        if (!info) {
          fail(2, `type code ${IDX_TYPES.map((t) => '0x' + t.code.toString(16).padStart(2, '0')).join(', ')}`, `0x${magic[2].toString(16).padStart(2, '0')}`);
        }
        const ndims = magic[3];
        if (options.type && info!.type !== options.type) fail(2, `type ${options.type}`, `type ${info!.type}`);
        if (ndims === 0) fail(3, 'at least one dimension', '0 dimensions');
        if (options.ndims && ndims !== options.ndims) fail(3, `${options.ndims} dimensions`, `${ndims}`);
        if (prefix.length === 4) {
          const grown = new Uint8Array(4 + 4 * ndims);
          grown.set(prefix);
          prefix = grown;
          return;
        }
        const view = new DataView(prefix.buffer, prefix.byteOffset, prefix.length);
        const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
        const recordBytes = sizeOf(info!.type, info!.bytes, dims);
        header = { type: info!.type, dims, headerBytes: prefix.length, recordBytes };
        options.onHeader?.(header);
        total = dims[0];
        elementBytes = info!.bytes;
        Pixels = info!.Array as IdxTypeInfoArray;
        if (recordBytes === 0 && total > 0) emitRecords(new Uint8Array(0), 0, total);
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
          if (!header) {
            const expected = prefix.length === 4 ? 'a 4-byte IDX magic number' : `an IDX header of ${prefix.length} bytes`;
            throw new IdxFormatError({ file, offset, expected, found: `end of data after ${offset} bytes` });
          }
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

function idxTypeByCodeOf(type: IdxType): string {
  return IDX_TYPES.find((t) => t.type === type)!.code.toString(16).padStart(2, '0');
}
