// A pass over a PNG file's chunks before a decoder sees it: libvips decodes a PNG whose CRCs do
// not match (changed pixels, no error), and it would allocate what IHDR declares, however large.
// PNG specification (ISO/IEC 15948, section 5.3): length, type, data, CRC-32 of type and data.
import { crc32 } from '../crc32.js';
import { ImageTooLargeError, PngFormatError } from '../errors.js';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when `bytes` start with the PNG signature. */
export function isPng(bytes: Uint8Array): boolean {
  return bytes.length >= 8 && SIGNATURE.every((b, i) => bytes[i] === b);
}

const typeName = (bytes: Uint8Array, at: number): string => String.fromCharCode(...bytes.subarray(at, at + 4));

/**
 * Checks a PNG file's chunks: IHDR first (13 bytes) declaring at most `maxPixels` pixels, every
 * chunk inside the file with a matching CRC-32, IEND at the end.
 *
 * @param bytes The file's bytes (starting with the PNG signature).
 * @param name What to call it in an error.
 * @param maxPixels The most pixels (width x height) IHDR may declare.
 * @returns The declared width and height.
 * @throws ImageTooLargeError when IHDR declares more; PngFormatError for a damaged chunk.
 */
export function checkPngChunks(bytes: Uint8Array, name: string, maxPixels: number): { width: number; height: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let size: { width: number; height: number } | undefined;
  for (let at = 8; ; ) {
    if (at + 12 > bytes.length) throw new PngFormatError({ file: name, offset: at, expected: 'a chunk (length, type, CRC: 12 bytes) or IEND', found: `${bytes.length - at} bytes left` });
    const length = view.getUint32(at);
    const type = typeName(bytes, at + 4);
    if (length > bytes.length - at - 12) throw new PngFormatError({ file: name, offset: at, expected: `a ${type} chunk within the file's ${bytes.length} bytes`, found: `a length of ${length}` });
    const stored = view.getUint32(at + 8 + length);
    const computed = crc32(bytes.subarray(at + 4, at + 8 + length));
    if (stored !== computed) throw new PngFormatError({ file: name, offset: at + 8 + length, expected: `the CRC-32 of the ${type} chunk, ${computed}`, found: `${stored}` });
    if (size === undefined) {
      if (type !== 'IHDR' || length !== 13) throw new PngFormatError({ file: name, offset: at, expected: 'IHDR (13 bytes) as the first chunk', found: `${type} (${length} bytes)` });
      size = { width: view.getUint32(at + 8), height: view.getUint32(at + 12) };
      const pixels = size.width * size.height;
      if (size.width === 0 || size.height === 0) throw new PngFormatError({ file: name, offset: at + 8, expected: 'a width and height of at least 1', found: `${size.width} x ${size.height}` });
      if (pixels > maxPixels) throw new ImageTooLargeError({ file: name, offset: at + 8, expected: `at most ${maxPixels} pixels (\`maxImagePixels\`)`, found: `${size.width} x ${size.height} = ${pixels} pixels` });
    }
    at += 12 + length;
    if (type === 'IEND') return size;
  }
}
