// POSIX ustar archives (IEEE Std 1003.1-1988, "pax" chapter of POSIX.1-2001), enough for
// WebDataset shards: regular files, names under 100 bytes, a fixed mtime so that the same export
// gives the same bytes. Headers are written in place, byte by byte: a WebDataset export writes
// two members per sample, millions of them, and a TextEncoder per field was most of the main
// thread's time.
import { FormatLimitError } from '@idxflow/core';

const BLOCK = 512;

/** Writes `text` (ASCII) at `at`. */
function ascii(out: Uint8Array, at: number, text: string): void {
  for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
}

/** Writes `value` in octal into a field of `width` bytes: `width - 1` zero-padded digits and a NUL. */
function octal(out: Uint8Array, at: number, value: number, width: number): void {
  let rest = value;
  for (let i = width - 2; i >= 0; i--) {
    out[at + i] = 0x30 + (rest % 8);
    rest = Math.floor(rest / 8);
  }
  if (rest > 0) throw new FormatLimitError(`Expected a value below 8^${width - 1} for a tar field but received ${value}`);
  out[at + width - 1] = 0;
}

/** UTF-8 bytes of `name`, checked to fit the 100-byte name field. */
function nameBytes(name: string): Uint8Array | string {
  // eslint-disable-next-line no-control-regex
  if (/^[\x01-\x7f]*$/.test(name)) {
    if (name.length > 100) throw new FormatLimitError(`Expected a tar member name of at most 100 bytes but received ${name.length} bytes: ${name}`);
    return name;
  }
  const bytes = new TextEncoder().encode(name);
  if (bytes.length > 100) throw new FormatLimitError(`Expected a tar member name of at most 100 bytes but received ${bytes.length} bytes: ${name}`);
  return bytes;
}

/**
 * Writes the 512-byte ustar header of a regular file into `out` at `at` (which must be zeroed):
 * mode 0644, uid and gid 0, typeflag '0', magic "ustar\0" version "00", and the checksum as the
 * standard defines it (the unsigned sum of the header's bytes with the checksum field taken as
 * eight spaces, written as six octal digits, a NUL and a space).
 */
export function writeTarHeader(out: Uint8Array, at: number, name: string, size: number, mtime = 0): void {
  const bytes = nameBytes(name);
  if (typeof bytes === 'string') ascii(out, at, bytes);
  else out.set(bytes, at);
  octal(out, at + 100, 0o644, 8); // mode
  octal(out, at + 108, 0, 8); // uid
  octal(out, at + 116, 0, 8); // gid
  octal(out, at + 124, size, 12);
  octal(out, at + 136, mtime, 12);
  ascii(out, at + 148, '        '); // the checksum field counts as spaces while summing
  out[at + 156] = 0x30; // typeflag: regular file
  ascii(out, at + 257, 'ustar\0');
  ascii(out, at + 263, '00');
  let sum = 0;
  for (let i = at; i < at + BLOCK; i++) sum += out[i];
  octal(out, at + 148, sum, 7);
  out[at + 155] = 0x20;
}

/** The header of a regular file, as its own 512 bytes (see `writeTarHeader`). */
export function tarHeader(name: string, size: number, mtime = 0): Uint8Array {
  const h = new Uint8Array(BLOCK);
  writeTarHeader(h, 0, name, size, mtime);
  return h;
}

/** Bytes of a member of `size` bytes in an archive: its header and its contents padded to whole blocks. */
export function tarMemberBytes(size: number): number {
  return BLOCK + Math.ceil(size / BLOCK) * BLOCK;
}

/** Writes member `name` (header, `body`, padding) into `out` at `at`, which must be zeroed; returns where it ends. */
export function writeTarMember(out: Uint8Array, at: number, name: string, body: Uint8Array): number {
  writeTarHeader(out, at, name, body.length);
  out.set(body, at + BLOCK);
  return at + tarMemberBytes(body.length);
}

/** The end of an archive: two zero blocks. */
export function tarEnd(): Uint8Array {
  return new Uint8Array(2 * BLOCK);
}
