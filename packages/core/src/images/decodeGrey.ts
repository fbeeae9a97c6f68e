// One image file (PNG, JPEG, or anything else sharp reads) decoded to 8-bit grey pixels.
import { ImageFolderError, ImageTooLargeError } from '../errors.js';
import { importOptional } from '../optional.js';
import { checkPngChunks, isPng } from './pngChunks.js';

/**
 * The default ceiling on an image's pixels (width x height) before it is decoded: PIL's
 * `Image.MAX_IMAGE_PIXELS` (89,478,485 = 1024^3 / 4 / 3: a quarter GiB of 8-bit RGB), so that what torchvision
 * reads without a DecompressionBombWarning, idxflow reads too.
 *
 * ## Example
 * ```ts
 * imageFolder({ root: 'scans', maxImagePixels: 4 * DEFAULT_MAX_IMAGE_PIXELS }); // larger scans, knowingly
 * ```
 */
export const DEFAULT_MAX_IMAGE_PIXELS = 89_478_485;

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
 * Before any pixel is decoded, the size the file declares is checked against `maxPixels`, and a
 * PNG's chunks (CRC-32s included, which libvips does not check) against the file.
 *
 * @param bytes The file's bytes.
 * @param name What to call it in an error (its path).
 * @param maxPixels The most pixels (width x height) the file may declare. Default `DEFAULT_MAX_IMAGE_PIXELS`.
 * @throws ImageTooLargeError when it declares more, PngFormatError for a damaged PNG, ImageFolderError naming it when sharp cannot decode it.
 */
export async function decodeGrey(bytes: Uint8Array, name: string, maxPixels = DEFAULT_MAX_IMAGE_PIXELS): Promise<GreyImage> {
  const png = isPng(bytes);
  if (png) checkPngChunks(bytes, name, maxPixels);
  const sharp = await loadSharp();
  // Other formats: their header's size, read by sharp without decoding (a PNG's IHDR is checked above).
  const declared = png ? undefined : await sharp(bytes).metadata().catch(() => undefined);
  if (declared?.width !== undefined && declared.height !== undefined && declared.width * declared.height > maxPixels) {
    throw new ImageTooLargeError({ file: name, expected: `at most ${maxPixels} pixels (\`maxImagePixels\`)`, found: `${declared.width} x ${declared.height} = ${declared.width * declared.height} pixels` });
  }
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: maxPixels }).removeAlpha().toColourspace('b-w').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
    return { pixels: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
  } catch (error) {
    throw new ImageFolderError({ file: name, expected: 'an image file sharp decodes (PNG, JPEG, ...)', found: (error as Error).message });
  }
}
