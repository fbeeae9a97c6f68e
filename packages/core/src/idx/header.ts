// The IDX header, read from its bytes: a 4-byte magic number (two zero bytes, a type code, a
// dimension count), then one big-endian uint32 per dimension. decodeIdx() reads it from a
// stream; idxFileInfo() from a raw file's first bytes, with no stream.
import { IdxFormatError } from '../errors.js';
import { IDX_TYPES, idxTypeByCode, type IdxHeader, type IdxType } from './types.js';

/** What a reader requires of a header, and the file named in its errors. */
export interface HeaderRequirements {
  file: string;
  /** Element type required; any when unset. */
  type?: IdxType;
  /** Number of dimensions required; any when unset. */
  ndims?: number;
}

// The largest typed array Node 20 allocates (buffer.constants.MAX_LENGTH): a record is emitted
// as one, so a header announcing larger records cannot be decoded. Fixed rather than read from
// the runtime, so that a file is accepted or rejected the same way everywhere.
const MAX_RECORD_BYTES = 2 ** 32;

const hex = (bytes: Uint8Array): string => '0x' + Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

const typeCodeOf = (type: IdxType): string => IDX_TYPES.find((t) => t.type === type)!.code.toString(16).padStart(2, '0');

const fail = (file: string, offset: number, expected: string, found: string): never => {
  throw new IdxFormatError({ file, offset, expected, found });
};

/**
 * The error of data that ends inside its header, after `received` bytes: `length` is 4 while
 * the magic number (which gives the header's length) is incomplete, the header's length after.
 */
export function headerCutShort(file: string, length: number, received: number): IdxFormatError {
  const expected = length === 4 ? 'a 4-byte IDX magic number' : `an IDX header of ${length} bytes`;
  return new IdxFormatError({ file, offset: received, expected, found: `end of data after ${received} bytes` });
}

/**
 * The length of the header whose magic number is `magic` (its first 4 bytes): 4 + 4 per
 * dimension. Throws an IdxFormatError naming the byte at fault for a magic that is not IDX's,
 * or not of the type or dimension count required.
 */
export function idxHeaderLength(magic: Uint8Array, required: HeaderRequirements): number {
  const { file } = required;
  if (magic[0] !== 0 || magic[1] !== 0) {
    const wanted = required.type && required.ndims
      ? `0x0000${typeCodeOf(required.type)}${required.ndims.toString(16).padStart(2, '0')}`
      : '0x0000TTNN (two zero bytes, a type code, a dimension count)';
    const gz = magic[0] === 0x1f && magic[1] === 0x8b ? ' (gzip data: decompress it first)' : '';
    fail(file, 0, `magic ${wanted}`, `${hex(magic.subarray(0, 4))}${gz}`);
  }
  const info = idxTypeByCode(magic[2]);
  if (!info) fail(file, 2, `type code ${IDX_TYPES.map((t) => '0x' + t.code.toString(16).padStart(2, '0')).join(', ')}`, `0x${magic[2].toString(16).padStart(2, '0')}`);
  const ndims = magic[3];
  if (required.type && info!.type !== required.type) fail(file, 2, `type ${required.type}`, `type ${info!.type}`);
  if (ndims === 0) fail(file, 3, 'at least one dimension', '0 dimensions');
  if (required.ndims && ndims !== required.ndims) fail(file, 3, `${required.ndims} dimensions`, `${ndims}`);
  return 4 + 4 * ndims;
}

/**
 * The header held by `bytes`, the whole of it (`idxHeaderLength()` bytes). Record and total sizes
 * are checked before anything is allocated: every product is at most 2^64, so the comparisons
 * are exact even where the doubles are not.
 */
export function idxHeaderOf(bytes: Uint8Array, required: HeaderRequirements): IdxHeader {
  const headerBytes = idxHeaderLength(bytes, required);
  const info = idxTypeByCode(bytes[2])!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, headerBytes);
  const dims = Array.from({ length: bytes[3] }, (_, i) => view.getUint32(4 + 4 * i, false));
  const { file } = required;
  let recordBytes = info.bytes;
  if (dims.indexOf(0, 1) > 0) recordBytes = 0; // records of no bytes, however large the other dimensions
  for (let i = 1; i < dims.length && recordBytes > 0; i++) {
    recordBytes *= dims[i];
    if (recordBytes > MAX_RECORD_BYTES) {
      const exact = dims.slice(1, i + 1).reduce((product, d) => product * BigInt(d), BigInt(info.bytes));
      fail(file, 4 + 4 * i, `records of at most 2^32 bytes`, `dimensions ${dims.slice(1, i + 1).join(' x ')} of ${info.type}, ${exact} bytes a record`);
    }
  }
  if (headerBytes + dims[0] * recordBytes > Number.MAX_SAFE_INTEGER) {
    fail(file, 4, `at most 2^53 - 1 bytes in all`, `${dims[0]} records of ${recordBytes} bytes`);
  }
  return { type: info.type, dims, headerBytes, recordBytes };
}
