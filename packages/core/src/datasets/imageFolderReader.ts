// How `imageFolder()` reads: the class folders walked, each image decoded (loaded when its stream
// is subscribed or a function that reads the folder is called; see fromReader.ts).
import { readFile } from 'node:fs/promises';
import type { Observable } from 'rxjs';
import type { Block } from '../block.js';
import { ImageFolderError } from '../errors.js';
import { decodeGrey, loadSharp } from '../images/decodeGrey.js';
import { mapBounded } from '../images/mapBounded.js';
import { mnistStyle } from '../images/mnistStyle.js';
import { folderEntries, IMAGE_EXTENSIONS, imagesUnder, type FolderPath } from './folderWalk.js';
import { produce } from '../operate.js';

/** Images decoded at once: each may be up to `maxImagePixels` (in RGBA while libvips converts it). */
const DECODING_AT_ONCE = 4;

/** The class folders of `root` (symbolic links to folders included, as os.scandir's is_dir() follows them), sorted by name. */
async function classFolders(root: string): Promise<{ name: string; path: FolderPath }[]> {
  const classes = (await folderEntries(Buffer.from(root))).filter((e) => e.kind === 'folder').map((e) => ({ name: e.name.toString(), path: e.path }));
  if (classes.length === 0) throw new ImageFolderError({ file: root, expected: 'one subfolder per class', found: 'no subfolders' });
  if (classes.length > 256) throw new ImageFolderError({ file: root, expected: 'at most 256 classes (labels are bytes)', found: `${classes.length} subfolders` });
  return classes;
}

/** The class names of `imageFolderClasses()`. */
export async function classNamesOf(root: string): Promise<string[]> {
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

/** The blocks of `imageFolder()`, its options checked. */
export function imageFolderBlocks(root: string, blockSize: number, prepared: { size: [number, number]; grey: boolean; mnistStyle: boolean; maxPixels: number }): Observable<Block<Uint8Array>> {
  return produce<Block<Uint8Array>>(2, async (emit, subscriber, signal) => {
    const files = await labelledFiles(root);
    if (files.length === 0) throw new ImageFolderError({ file: root, expected: `image files (${IMAGE_EXTENSIONS.join(', ')}) in the class folders`, found: 'none' });
    const [h, w] = prepared.size;
    for (let at = 0; at < files.length && !subscriber.closed; at += blockSize) {
      const slice = files.slice(at, at + blockSize);
      const images = new Uint8Array(slice.length * h * w);
      (await mapBounded(slice, DECODING_AT_ONCE, (f) => prepare(f.path, prepared), signal)).forEach((pixels, i) => images.set(pixels, i * h * w));
      await emit({ images, labels: Uint8Array.from(slice, (f) => f.label), indices: Uint32Array.from(slice, (_, i) => at + i), epoch: 0, shape: [slice.length, h, w] });
    }
  });
}

/** The sample files of `imageFolderFiles()`. */
export async function sampleFilesOf(root: string): Promise<string[]> {
  const prefix = Buffer.byteLength(root) + 1;
  return (await labelledFiles(root)).map((f) => f.path.bytes.subarray(prefix).toString());
}
