// A folder of your own images, one subfolder per class, as torchvision's ImageFolder reads it.
import { readFile } from 'node:fs/promises';
import type { Observable } from 'rxjs';
import type { Block } from '../block.js';
import { ImageFolderError, OptionError } from '../errors.js';
import { DEFAULT_MAX_IMAGE_PIXELS, decodeGrey, loadSharp } from '../images/decodeGrey.js';
import { mapBounded } from '../images/mapBounded.js';
import { mnistStyle } from '../images/mnistStyle.js';
import { folderEntries, IMAGE_EXTENSIONS, imagesUnder, type FolderPath } from './folderWalk.js';
import { produce } from '../operate.js';
import * as validate from '../validate.js';

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

/** Images decoded at once: each may be up to `maxImagePixels` (in RGBA while libvips converts it). */
const DECODING_AT_ONCE = 4;

/** The class folders of `root` (symbolic links to folders included, as os.scandir's is_dir() follows them), sorted by name. */
async function classFolders(root: string): Promise<{ name: string; path: FolderPath }[]> {
  const classes = (await folderEntries(Buffer.from(root))).filter((e) => e.kind === 'folder').map((e) => ({ name: e.name.toString(), path: e.path }));
  if (classes.length === 0) throw new ImageFolderError({ file: root, expected: 'one subfolder per class', found: 'no subfolders' });
  if (classes.length > 256) throw new ImageFolderError({ file: root, expected: 'at most 256 classes (labels are bytes)', found: `${classes.length} subfolders` });
  return classes;
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
  return (await classFolders(root)).map((c) => c.name);
}

/** Every image file of the folder with its label, in sample order. */
async function labelledFiles(root: string): Promise<{ path: FolderPath; label: number }[]> {
  const files: { path: FolderPath; label: number }[] = [];
  for (const [label, folder] of (await classFolders(root)).entries()) for (const path of await imagesUnder(folder.path.bytes)) files.push({ path, label });
  return files;
}

/** One file as `h x w` grey pixels. */
async function prepare(path: FolderPath, options: { size: [number, number]; grey: boolean; mnistStyle: boolean; maxPixels: number }): Promise<Uint8Array> {
  const bytes = await readFile(path.bytes);
  if (!options.grey) {
    const { channels } = await (await loadSharp())(bytes).metadata().catch(() => ({ channels: 1 }));
    if (channels !== undefined && channels > 2) throw new ImageFolderError({ file: path.text, expected: 'a grey image (grey: false refuses colour)', found: `${channels} channels` });
  }
  const image = await decodeGrey(bytes, path.text, options.maxPixels);
  if (options.mnistStyle) return mnistStyle(image);
  const [h, w] = options.size;
  if (image.height === h && image.width === w) return image.pixels;
  const sharp = await loadSharp();
  return new Uint8Array(await sharp(image.pixels, { raw: { width: image.width, height: image.height, channels: 1 } }).resize(w, h, { fit: 'fill', kernel: 'linear' }).toColourspace('b-w').raw().toBuffer());
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
  return produce<Block<Uint8Array>>(2, async (emit, subscriber, signal) => {
    const files = await labelledFiles(options.root);
    if (files.length === 0) throw new ImageFolderError({ file: options.root, expected: `image files (${IMAGE_EXTENSIONS.join(', ')}) in the class folders`, found: 'none' });
    const [h, w] = prepared.size;
    for (let at = 0; at < files.length && !subscriber.closed; at += blockSize) {
      const slice = files.slice(at, at + blockSize);
      const images = new Uint8Array(slice.length * h * w);
      (await mapBounded(slice, DECODING_AT_ONCE, (f) => prepare(f.path, prepared), signal)).forEach((pixels, i) => images.set(pixels, i * h * w));
      await emit({ images, labels: Uint8Array.from(slice, (f) => f.label), indices: Uint32Array.from(slice, (_, i) => at + i), epoch: 0, shape: [slice.length, h, w] });
    }
  });
}

/** The file of each sample of an image folder, in sample order, relative to `root` (for a manifest). */
export async function imageFolderFiles(root: string): Promise<string[]> {
  const prefix = Buffer.byteLength(root) + 1;
  return (await labelledFiles(root)).map((f) => f.path.bytes.subarray(prefix).toString());
}
