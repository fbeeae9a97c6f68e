// A folder of your own images, one subfolder per class, as torchvision's ImageFolder reads it.
// The reading is in imageFolderReader.ts, loaded when a stream is subscribed or a function that
// reads the folder is called (see fromReader.ts).
import type { Observable } from 'rxjs';
import type { Block } from '../block.js';
import { OptionError } from '../errors.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../images/decodeGrey.js';
import * as validate from '../validate.js';
import { fromReader } from './fromReader.js';

/** Options of `imageFolder()`. */
export interface ImageFolderOptions {
  /** The folder: `root/<class>/**\/<image>`. Required. */
  root: string;
  /** Output size, `N` (N x N) or `[height, width]`; ignored by `mnistStyle` (always 28 x 28). Default 28. */
  size?: number | readonly [number, number];
  /** Convert colour images to grey (libvips' sRGB luminance); false refuses them instead. Default true. */
  grey?: boolean;
  /** MNIST's preprocessing: white on black, fit in 20 x 20 keeping the aspect ratio, centred in 28 x 28 by centre of mass. Default false. */
  mnistStyle?: boolean;
  /** Images per Block. Default 256. */
  blockSize?: number;
  /** The most pixels (width x height) an image may declare; more is an ImageTooLargeError before decoding. Default `DEFAULT_MAX_IMAGE_PIXELS` (89,478,485, PIL's). */
  maxImagePixels?: number;
}

/**
 * The classes of an image folder: its subfolders' names, sorted as Python sorts strings (as
 * torchvision's ImageFolder does), index = label.
 *
 * ## Example
 * ```ts
 * await imageFolderClasses('photos'); // ['cat', 'dog']
 * ```
 */
export async function imageFolderClasses(root: string): Promise<string[]> {
  return (await import('./imageFolderReader.js')).classNamesOf(root);
}

/**
 * Reads a folder of your own images as Blocks: one subfolder per class (classes sorted as
 * torchvision's ImageFolder sorts them, see `imageFolderClasses()`), PNG, JPEG, WebP or TIFF files
 * at any depth below, decoded with sharp to one grey channel and resized to `size` (a bilinear
 * resize that ignores the aspect ratio), or prepared as MNIST's digits were (`mnistStyle`).
 * Samples are numbered in torchvision's order (class by class, files sorted); a file that does not
 * decode is an `ImageFolderError` naming it. As torchvision does, symbolic links to folders (class
 * folders too) and to files are followed; an image-named entry that is not a regular file (a FIFO,
 * a device, a socket, a dangling link) is refused before any file is read. Names are read as
 * bytes, so a name that is not UTF-8 is read like any other. Each image's declared size is
 * checked against `maxImagePixels` and a PNG's CRCs against its chunks before it is decoded,
 * four images at a time.
 *
 * @param options See `ImageFolderOptions`.
 *
 * ## Example
 * ```ts
 * import { imageFolder, imageFolderClasses } from '@idxflow/core';
 * const classes = await imageFolderClasses('my-digits');
 * imageFolder({ root: 'my-digits', mnistStyle: true }).subscribe((b) => console.log(b.shape, classes[b.labels[0]]));
 * ```
 */
export function imageFolder(options: ImageFolderOptions): Observable<Block<Uint8Array>> {
  if (typeof options?.root !== 'string' || options.root === '') throw new OptionError(`Expected a folder for root but received ${String(options?.root)}`);
  const size: [number, number] = typeof options.size === 'number' || options.size === undefined ? [options.size ?? 28, options.size ?? 28] : [options.size[0], options.size[1]];
  size.forEach((d, i) => validate.integer(`size[${i}]`, d, 1, 65535));
  const blockSize = validate.integer('blockSize', options.blockSize ?? 256, 1);
  const maxPixels = validate.integer('maxImagePixels', options.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS, 1);
  const prepared = { size: options.mnistStyle ? ([28, 28] as [number, number]) : size, grey: options.grey ?? true, mnistStyle: options.mnistStyle ?? false, maxPixels };
  return fromReader(() => import('./imageFolderReader.js'), (reader) => reader.imageFolderBlocks(options.root, blockSize, prepared));
}

/** The file of each sample of an image folder, in sample order, relative to `root` (for a manifest). */
export async function imageFolderFiles(root: string): Promise<string[]> {
  return (await import('./imageFolderReader.js')).sampleFilesOf(root);
}
