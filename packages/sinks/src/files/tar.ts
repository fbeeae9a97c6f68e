// POSIX ustar archives (IEEE Std 1003.1-1988, "pax" chapter of POSIX.1-2001), enough for
// WebDataset shards: regular files, names under 100 bytes, a fixed mtime so that the same export
// gives the same bytes.

const BLOCK = 512;
const encoder = new TextEncoder();

/** An octal number in a field of `width` bytes: `width - 1` zero-padded digits and a NUL. */
function octal(value: number, width: number): string {
  const digits = value.toString(8);
  if (digits.length > width - 1) throw new RangeError(`Expected a value below 8^${width - 1} for a tar field but received ${value}`);
  return digits.padStart(width - 1, '0') + '\0';
}

/**
 * The 512-byte ustar header of a regular file: mode 0644, uid and gid 0, typeflag '0', magic
 * "ustar\0" version "00", and the checksum as the standard defines it (the unsigned sum of the
 * header's bytes with the checksum field taken as eight spaces, written as six octal digits, a
 * NUL and a space).
 */
export function tarHeader(name: string, size: number, mtime = 0): Uint8Array {
  const nameBytes = encoder.encode(name);
  if (nameBytes.length > 100) throw new RangeError(`Expected a tar member name of at most 100 bytes but received ${nameBytes.length} bytes: ${name}`);
  const h = new Uint8Array(BLOCK);
  const put = (text: string, at: number): void => h.set(encoder.encode(text), at);
  h.set(nameBytes, 0);
  put(octal(0o644, 8), 100); // mode
  put(octal(0, 8), 108); // uid
  put(octal(0, 8), 116); // gid
  put(octal(size, 12), 124);
  put(octal(mtime, 12), 136);
  put('        ', 148); // the checksum field counts as spaces while summing
  put('0', 156); // typeflag: regular file
  put('ustar\0', 257);
  put('00', 263);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/** Bytes of a member of `size` bytes in an archive: its header and its contents padded to whole blocks. */
export function tarMemberBytes(size: number): number {
  return BLOCK + Math.ceil(size / BLOCK) * BLOCK;
}

/** Writes member `name` (header, `body`, padding) into `out` at `at`, which must be zeroed; returns where it ends. */
export function writeTarMember(out: Uint8Array, at: number, name: string, body: Uint8Array): number {
  out.set(tarHeader(name, body.length), at);
  out.set(body, at + BLOCK);
  return at + tarMemberBytes(body.length);
}

/** Header, contents and zero padding to a whole block, as one array: one member of an archive. */
export function tarMember(name: string, body: Uint8Array): Uint8Array {
  const padded = Math.ceil(body.length / BLOCK) * BLOCK;
  const out = new Uint8Array(BLOCK + padded);
  out.set(tarHeader(name, body.length), 0);
  out.set(body, BLOCK);
  return out;
}

/** The end of an archive: two zero blocks. */
export function tarEnd(): Uint8Array {
  return new Uint8Array(2 * BLOCK);
}
