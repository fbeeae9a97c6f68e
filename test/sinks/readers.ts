// Independent readers of the export formats, written from the format specifications, for tests.
import { gunzipSync, inflateRawSync } from 'node:zlib';

/** IDX (LeCun's format description): big-endian magic and dimensions, then elements. */
export function readIdx(bytes: Uint8Array): { type: number; dims: number[]; data: Uint8Array | Float32Array } {
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = bytes[2];
  const dims = Array.from({ length: bytes[3] }, (_, i) => view.getUint32(4 + 4 * i));
  const start = 4 + 4 * dims.length;
  const n = dims.reduce((a, b) => a * b, 1);
  if (type === 0x08) return { type, dims, data: bytes.slice(start, start + n) };
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) data[i] = view.getFloat32(start + 4 * i, false);
  return { type, dims, data };
}

/** NPY v1: magic, version, little-endian header length, a dict literal, then the data. */
export function readNpy(bytes: Uint8Array): { descr: string; shape: number[]; data: Uint8Array | Float32Array } {
  if (String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY' || bytes[0] !== 0x93) throw new Error('not npy');
  const length = bytes[8] | (bytes[9] << 8);
  const header = new TextDecoder().decode(bytes.subarray(10, 10 + length));
  const descr = /'descr': '([^']+)'/.exec(header)![1];
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1].split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  const body = new Uint8Array(bytes.subarray(10 + length)); // a copy at offset 0 (Buffer.slice would share)
  return { descr, shape, data: descr === '<f4' ? new Float32Array(body.buffer, 0, body.length / 4) : body };
}

/** Zip members from the central directory (APPNOTE 4.3.12), stored or deflated. */
export function readZip(bytes: Uint8Array): Map<string, Uint8Array> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let end = bytes.length - 22;
  while (view.getUint32(end, true) !== 0x06054b50) end--;
  const entries = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const out = new Map<string, Uint8Array>();
  for (let i = 0; i < entries; i++) {
    const method = view.getUint16(at + 10, true);
    const size = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const extra = view.getUint16(at + 30, true);
    const comment = view.getUint16(at + 32, true);
    const local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const dataAt = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const data = bytes.subarray(dataAt, dataAt + size);
    out.set(name, method === 0 ? data : inflateRawSync(data));
    at += 46 + nameLength + extra + comment;
  }
  return out;
}

/** ustar members: 512-byte headers with octal sizes, data padded to 512. */
export function readTar(bytes: Uint8Array): { name: string; data: Uint8Array }[] {
  const members: { name: string; data: Uint8Array }[] = [];
  for (let at = 0; at + 512 <= bytes.length; ) {
    const header = bytes.subarray(at, at + 512);
    if (header.every((b) => b === 0)) break;
    const name = new TextDecoder().decode(header.subarray(0, 100)).replace(/\0.*$/s, '');
    const size = parseInt(new TextDecoder().decode(header.subarray(124, 136)).replace(/\0.*$/s, '').trim(), 8);
    let sum = 0;
    header.forEach((b, i) => (sum += i >= 148 && i < 156 ? 32 : b));
    const stored = parseInt(new TextDecoder().decode(header.subarray(148, 156)).replace(/[\0 ]+$/, ''), 8);
    if (sum !== stored) throw new Error(`bad tar checksum for ${name}: ${sum} vs ${stored}`);
    members.push({ name, data: bytes.slice(at + 512, at + 512 + size) });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return members;
}
