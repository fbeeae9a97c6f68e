// One image file (PNG, JPEG, or anything else sharp reads) decoded to 8-bit grey pixels.
import { ImageFolderError } from '../errors.js';
import { importOptional } from '../optional.js';

/** A decoded grey image. */
export interface GreyImage {
  pixels: Uint8Array;
  width: number;
  height: number;
}

type Sharp = typeof import('sharp');
let sharpModule: Promise<Sharp> | undefined;

/**
 * sharp, loaded on first use: only the image sources (imageFolder, parquet) need it, and it is
 * an optional peer. Kept out of the declaration files (`@internal`, stripped), whose readers may
 * not have sharp's types.
 *
 * @internal
 */
export function loadSharp(): Promise<Sharp> {
  sharpModule ??= importOptional('sharp', 'decoding images (imageFolder, parquet)', () => import('sharp')).then(
    (m) => ((m as { default?: Sharp }).default ?? m) as Sharp,
  );
  sharpModule.catch(() => (sharpModule = undefined)); // installed later: try again
  return sharpModule;
}

/**
 * Decodes an image file to one channel: an alpha channel is dropped, colour converted with
 * libvips' `b-w` colourspace (sRGB luminance), 16-bit samples scaled to 8.
 *
 * @param bytes The file's bytes.
 * @param name What to call it in an error (its path).
 * @throws ImageFolderError naming it when sharp cannot decode it.
 */
export async function decodeGrey(bytes: Uint8Array, name: string): Promise<GreyImage> {
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(bytes).removeAlpha().toColourspace('b-w').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (error) {
    throw new ImageFolderError({ file: name, expected: 'an image file sharp decodes (PNG, JPEG, ...)', found: (error as Error).message });
  }
}
