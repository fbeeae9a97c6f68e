// A folder of your own images, one subfolder per class, as torchvision's ImageFolder reads it.
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { Observable } from 'rxjs';
import type { Block } from '../block.js';
import { ImageFolderError } from '../errors.js';
import { decodeGrey, loadSharp } from '../images/decodeGrey.js';
import { mnistStyle } from '../images/mnistStyle.js';
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
}

/** The file name extensions read (case-insensitive), those of torchvision's IMG_EXTENSIONS that sharp decodes. */
const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff'] as const;

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0); // Python's sorted() on str

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
  const entries = await readdir(root, { withFileTypes: true });
  const classes = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort(byCodePoint);
  if (classes.length === 0) throw new ImageFolderError({ file: root, expected: 'one subfolder per class', found: 'no subfolders' });
  if (classes.length > 256) throw new ImageFolderError({ file: root, expected: 'at most 256 classes (labels are bytes)', found: `${classes.length} subfolders` });
  return classes;
}

/** Image files under `dir`, in torchvision's order: folders sorted by path, files by name. */
async function imagesUnder(dir: string): Promise<string[]> {
  const folders: [string, string[]][] = [];
  const walk = async (path: string): Promise<void> => {
    const entries = await readdir(path, { withFileTypes: true });
    folders.push([path, entries.filter((e) => !e.isDirectory() && IMAGE_EXTENSIONS.some((x) => e.name.toLowerCase().endsWith(x))).map((e) => e.name).sort(byCodePoint)]);
    for (const e of entries) if (e.isDirectory()) await walk(join(path, e.name));
  };
  await walk(dir);
  return folders.sort(([a], [b]) => byCodePoint(a, b)).flatMap(([path, files]) => files.map((f) => join(path, f)));
}

/** One file as `h x w` grey pixels. */
async function prepare(path: string, options: { size: [number, number]; grey: boolean; mnistStyle: boolean }): Promise<Uint8Array> {
  const bytes = await readFile(path);
  if (!options.grey) {
    const { channels } = await (await loadSharp())(bytes).metadata().catch(() => ({ channels: 1 }));
    if (channels !== undefined && channels > 2) throw new ImageFolderError({ file: path, expected: 'a grey image (grey: false refuses colour)', found: `${channels} channels` });
  }
  const image = await decodeGrey(bytes, path);
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
 * decode is an `ImageFolderError` naming it.
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
  if (typeof options?.root !== 'string' || options.root === '') throw new TypeError(`Expected a folder for root but received ${String(options?.root)}`);
  const size: [number, number] = typeof options.size === 'number' || options.size === undefined ? [options.size ?? 28, options.size ?? 28] : [options.size[0], options.size[1]];
  size.forEach((d, i) => validate.integer(`size[${i}]`, d, 1, 65535));
  const blockSize = validate.integer('blockSize', options.blockSize ?? 256, 1);
  const prepared = { size: options.mnistStyle ? ([28, 28] as [number, number]) : size, grey: options.grey ?? true, mnistStyle: options.mnistStyle ?? false };
  return produce<Block<Uint8Array>>(2, async (emit, subscriber) => {
    const classes = await imageFolderClasses(options.root);
    const files: { path: string; label: number }[] = [];
    for (const [label, name] of classes.entries()) for (const path of await imagesUnder(join(options.root, name))) files.push({ path, label });
    if (files.length === 0) throw new ImageFolderError({ file: options.root, expected: `image files (${IMAGE_EXTENSIONS.join(', ')}) in the class folders`, found: 'none' });
    const [h, w] = prepared.size;
    for (let at = 0; at < files.length && !subscriber.closed; at += blockSize) {
      const slice = files.slice(at, at + blockSize);
      const images = new Uint8Array(slice.length * h * w);
      (await Promise.all(slice.map((f) => prepare(f.path, prepared)))).forEach((pixels, i) => images.set(pixels, i * h * w));
      await emit({ images, labels: Uint8Array.from(slice, (f) => f.label), indices: Uint32Array.from(slice, (_, i) => at + i), epoch: 0, shape: [slice.length, h, w] });
    }
  });
}

/** The file of each sample of an image folder, in sample order, relative to `root` (for a manifest). */
export async function imageFolderFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await imageFolderClasses(root)) for (const path of await imagesUnder(join(root, name))) out.push(relative(root, path));
  return out;
}
