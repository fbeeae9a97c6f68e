// The header of NumPy's .npy format (numpy/lib/format.py, NEP 1): "\x93NUMPY", a version (1.0:
// u16 header length; 2.0 and 3.0: u32), then a Python dict literal giving descr, fortran_order
// and shape. numpy reads the dict with ast.literal_eval and then requires a tuple of Python ints
// for the shape (`_read_array_header`): `(20.0, 28, 28)`, `[20, 28, 28]`, `(True, 28)` and
// `(20)` are refused there, and are refused here too.
import { NpyFormatError } from '../errors.js';

/** What an NPY header says. */
export interface NpyHeader {
  /** NumPy's dtype string: `|u1`, `<f4`, `<i8`, ... */
  readonly descr: string;
  /** Dimensions, C order; the first is the number of records. */
  readonly shape: readonly number[];
  /** Bytes of magic, version, length and dict. */
  readonly headerBytes: number;
  /** Bytes of one record (one index of the first dimension). */
  readonly recordBytes: number;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];
const ITEM_BYTES: Record<string, number> = { b1: 1, u1: 1, i1: 1, u2: 2, i2: 2, u4: 4, i4: 4, f4: 4, u8: 8, i8: 8, f8: 8 };

// A Python int literal (decimal, 0x, 0o, 0b, with underscores), signed: what literal_eval
// turns into an int. A leading zero on a decimal ("03") is a syntax error in Python 3. Versions
// 1 and 2 may carry Python 2's long suffix ("20L"), which numpy's _filter_header removes.
const PYTHON_INT = /^([+-]?)\s*(0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|[1-9](?:_?\d)*|0(?:_?0)*)([lL]?)$/;

// numpy's max_header_size (numpy/lib/format.py, _MAX_HEADER_SIZE): a longer header is refused
// before it is read, so a length field of 4 GiB costs nothing.
const MAX_HEADER_CHARS = 10000;

/** The dimensions of a shape tuple's text (between its parentheses), exact, or a description of what is wrong. */
function shapeOf(text: string, longSuffix: boolean): bigint[] | string {
  const parts = text.split(',').map((s) => s.trim());
  if (parts.at(-1) === '') parts.pop(); // a trailing comma; "(20)" without one is an int, not a tuple
  else if (parts.length === 1) return 'an int in parentheses, not a tuple';
  if (parts.length === 0) return 'no dimension';
  const dims: bigint[] = [];
  for (const part of parts) {
    const m = PYTHON_INT.exec(part);
    if (!m || (m[3] !== '' && !longSuffix)) return `${JSON.stringify(part)}, not a Python int`;
    const value = BigInt(m[2].replaceAll('_', ''));
    if (m[1] === '-' && value !== 0n) return `a negative dimension (-${value})`;
    dims.push(value);
  }
  return dims;
}

/** Bytes of the header: undefined until `head` holds its length field. */
function headerLength(file: string, head: Uint8Array): { start: number; headerBytes: number; major: number } | undefined {
  if (head.length < 12) return undefined;
  for (let i = 0; i < MAGIC.length; i++) {
    if (head[i] !== MAGIC[i]) throw new NpyFormatError({ file, offset: i, expected: 'the NPY magic "\\x93NUMPY"', found: `byte 0x${head[i].toString(16).padStart(2, '0')}` });
  }
  const major = head[6];
  if (major < 1 || major > 3) throw new NpyFormatError({ file, offset: 6, expected: 'NPY format version 1, 2 or 3', found: `version ${major}.${head[7]}` });
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const start = major === 1 ? 10 : 12;
  const length = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  // Version 3 is UTF-8: up to 4 bytes a character.
  if (length > MAX_HEADER_CHARS * (major === 3 ? 4 : 1)) throw new NpyFormatError({ file, offset: 8, expected: `a header dict of at most ${MAX_HEADER_CHARS} characters (numpy's max_header_size)`, found: `a length of ${length} bytes` });
  return { start, headerBytes: start + length, major };
}

/**
 * Parses the header at the start of `head` once it is all there; undefined while it is not.
 * The whole array (header and records) must fit in 2^53 - 1 bytes, so every offset is exact.
 */
export function parseNpyHeader(file: string, head: Uint8Array): NpyHeader | undefined {
  const length = headerLength(file, head);
  if (!length || head.length < length.headerBytes) return undefined;
  const { start, headerBytes, major } = length;
  const dict = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(head.subarray(start, headerBytes));
  if (dict.length > MAX_HEADER_CHARS) throw new NpyFormatError({ file, offset: 8, expected: `a header dict of at most ${MAX_HEADER_CHARS} characters (numpy's max_header_size)`, found: `${dict.length} characters` });
  const shown = JSON.stringify(dict.trim().slice(0, 80));
  // As numpy (ast.literal_eval, then the keys compared): one dict literal, exactly these three keys, each once.
  const keys = [...dict.matchAll(/'([^']*)'\s*:/g)].map((m) => m[1]).sort();
  if (!/^\{[^{}]*\}\s*$/.test(dict.trim()) || keys.join() !== 'descr,fortran_order,shape') {
    throw new NpyFormatError({ file, offset: start, expected: "one header dict with the keys 'descr', 'fortran_order' and 'shape', each once", found: shown });
  }
  const descr = /'descr':\s*'([^']+)'/.exec(dict)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(dict)?.[1];
  const shapeText = /'shape':\s*\(([^()]*)\)\s*[,}]/.exec(dict)?.[1];
  const item = descr === undefined ? undefined : ITEM_BYTES[descr.slice(1)];
  if (item === undefined || fortran === undefined) {
    throw new NpyFormatError({ file, offset: start, expected: "a header dict with 'descr' (a numeric dtype), 'fortran_order' and 'shape'", found: shown });
  }
  if (fortran === 'True') throw new NpyFormatError({ file, offset: start, expected: 'a C-ordered array (fortran_order False)', found: 'fortran_order True' });
  const dims = shapeText === undefined ? 'no tuple' : shapeOf(shapeText, major < 3);
  if (typeof dims === 'string') {
    const tuple = /'shape':\s*([^}]*?)\s*,?\s*\}/.exec(dict)?.[1] ?? '';
    throw new NpyFormatError({ file, offset: start, expected: 'a shape tuple of Python ints, at least one (as numpy requires)', found: `${tuple.slice(0, 60)}: ${dims}` });
  }
  const record = dims.slice(1).reduce((a, b) => a * b, BigInt(item));
  const total = record * dims[0] + BigInt(headerBytes);
  if (total > BigInt(Number.MAX_SAFE_INTEGER) || record > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new NpyFormatError({ file, offset: start, expected: 'an array of at most 2^53 - 1 bytes', found: `shape (${dims.join(', ')}) of ${descr}: ${total} bytes with the header` });
  }
  return { descr: descr!, shape: dims.map(Number), headerBytes, recordBytes: Number(record) };
}
