// POSIX ustar (IEEE Std 1003.1-1988) member headers, enough for WebDataset shards: regular
// files, names under 100 bytes, a fixed mtime so the same export gives the same bytes.

const BLOCK = 512;
const encoder = new TextEncoder();

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

/** The 512-byte ustar header of a regular file. */
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
  put('        ', 148); // checksum field counts as spaces while summing
  put('0', 156); // typeflag: regular file
  put('ustar\0', 257);
  put('00', 263);
  let sum = 0;
  for (const byte of h) sum += byte;
  put(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return h;
}

/** Zero bytes that pad a member of `size` bytes to a whole block. */
export function tarPadding(size: number): Uint8Array {
  return new Uint8Array((BLOCK - (size % BLOCK)) % BLOCK);
}

/** The end of an archive: two zero blocks. */
export const TAR_END = new Uint8Array(2 * BLOCK);
