import { idxTypeInfo, idxTypeOf, type IdxArray, type IdxType } from './types.js';
import { OptionError } from '../errors.js';

const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** The header of an IDX file holding `type` elements with dimensions `dims`. */
export function idxHeader(type: IdxType, dims: readonly number[]): Uint8Array {
  const info = idxTypeInfo(type);
  if (dims.length < 1 || dims.length > 255) {
    throw new OptionError(`Expected between 1 and 255 dimensions for dims but received ${dims.length}`);
  }
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = info.code;
  header[3] = dims.length;
  dims.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new OptionError(`Expected integer between 0 and 4294967295 for dims[${i}] but received ${d}`);
    }
    view.setUint32(4 + 4 * i, d, false);
  });
  return header;
}

/** The elements of `data` as IDX stores them: big-endian. */
export function idxBody(data: IdxArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data.BYTES_PER_ELEMENT === 1 || !HOST_LITTLE_ENDIAN) return bytes;
  const out = new Uint8Array(bytes.length);
  const size = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < bytes.length; i += size) {
    for (let b = 0; b < size; b++) out[i + b] = bytes[i + size - 1 - b];
  }
  return out;
}

/**
 * Encodes a whole IDX file: header then big-endian elements.
 *
 * @param data The elements, record after record; its type picks the IDX type code.
 * @param dims Dimensions, the first being the record count; their product must equal
 *   `data.length`.
 *
 * ## Example
 * ```ts
 * const bytes = encodeIdx(new Uint8Array([0, 1, 2, 3]), [2, 2]);
 * ```
 */
export function encodeIdx(data: IdxArray, dims: readonly number[]): Uint8Array {
  const elements = dims.reduce((a, b) => a * b, 1);
  if (elements !== data.length) {
    throw new OptionError(`Expected ${elements} elements for dims [${dims.join(', ')}] but received ${data.length}`);
  }
  const header = idxHeader(idxTypeOf(data), dims);
  const body = idxBody(data);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}
