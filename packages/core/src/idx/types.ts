import { OptionError } from '../errors.js';

/** The element types IDX files may hold, by their short names. */
export type IdxType = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';

/** A typed array of one of the IDX element types. */
export type IdxArray = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

interface IdxTypeInfo {
  readonly type: IdxType;
  /** Type code, the third byte of the magic number. */
  readonly code: number;
  readonly bytes: number;
  readonly Array: { new (length: number): IdxArray; new (buffer: ArrayBuffer, offset: number, length: number): IdxArray };
}

/** Type codes from the IDX format description (LeCun et al., the MNIST database page). */
export const IDX_TYPES: readonly IdxTypeInfo[] = [
  { type: 'u8', code: 0x08, bytes: 1, Array: Uint8Array },
  { type: 'i8', code: 0x09, bytes: 1, Array: Int8Array },
  { type: 'i16', code: 0x0b, bytes: 2, Array: Int16Array },
  { type: 'i32', code: 0x0c, bytes: 4, Array: Int32Array },
  { type: 'f32', code: 0x0d, bytes: 4, Array: Float32Array },
  { type: 'f64', code: 0x0e, bytes: 8, Array: Float64Array },
];

/** Looks up a type by its code; undefined for an unknown code. */
export function idxTypeByCode(code: number): IdxTypeInfo | undefined {
  return IDX_TYPES.find((t) => t.code === code);
}

/** Looks up a type by its name. */
export function idxTypeInfo(type: IdxType): IdxTypeInfo {
  const info = IDX_TYPES.find((t) => t.type === type);
  if (!info) throw new OptionError(`Expected one of ${IDX_TYPES.map((t) => t.type).join(', ')} for type but received ${String(type)}`);
  return info;
}

/** The IDX type that stores the elements of `data`. */
export function idxTypeOf(data: IdxArray): IdxType {
  const info = IDX_TYPES.find((t) => data instanceof t.Array);
  if (!info) throw new OptionError(`Expected an IDX typed array for data but received ${Object.prototype.toString.call(data)}`);
  return info.type;
}

/** What an IDX header says. */
export interface IdxHeader {
  /** Element type, from the third byte of the magic number. */
  readonly type: IdxType;
  /** Dimensions; the first is the number of records. */
  readonly dims: readonly number[];
  /** Bytes of the header: 4 + 4 * dims.length. */
  readonly headerBytes: number;
  /** Bytes of one record: element size times the product of dims[1..]. */
  readonly recordBytes: number;
}

/** Records decoded from an IDX stream: `count` records from record `first` on. */
export interface IdxRecords {
  /** The header of the file the records come from. */
  readonly header: IdxHeader;
  /** Index of the first record in this group. */
  readonly first: number;
  /** Number of records in this group. */
  readonly count: number;
  /** The records' elements in native byte order, record after record. */
  readonly data: IdxArray;
}
