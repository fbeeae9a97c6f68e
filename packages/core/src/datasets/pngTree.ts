// A published tree of PNG files, one folder per class (notMNIST's letters A-J, Kuzushiji-Kanji's
// U+XXXX code points), read as Blocks; and the archive it is published as, extracted once into
// the cache. Unlike imageFolder(), the classes are the dataset's own (a missing folder is a class
// with no images), every image must have the published size, and unreadable files can be skipped
// and counted rather than end the read (notMNIST's archives hold some).
// The reading is in pngTreeReader.ts, loaded when a stream is subscribed or an archive extracted
// (see fromReader.ts).
import type { Observable } from 'rxjs';
import type { Block } from '../block.js';
import * as validate from '../validate.js';
import { fromReader } from './fromReader.js';

/** Options of `pngTree()`. */
export interface PngTreeOptions {
  /** The folder holding one subfolder per class. Required. */
  root: string;
  /** The class folders' names, index = class. Required. */
  classes: readonly string[];
  /** Side of every image (28 for notMNIST, 64 for Kuzushiji-Kanji). Required. */
  size: number;
  /** Images per Block. Default 256. */
  blockSize?: number;
  /** When given, a file that does not decode is skipped and reported here; when not, it ends the read with its error. */
  onSkip?: (file: string, error: Error) => void;
  /** Classes past 255 (Kuzushiji-Kanji's 3,832): the class of each sample goes in `Block.classIds`, and `labels` is 0. Default false. */
  wide?: boolean;
}

/**
 * Reads a published tree of PNG files (`root/<class>/*.png`) as Blocks: classes in the order
 * given, files sorted within each, samples numbered in that order among the files read. A file
 * that does not decode ends the read, unless `onSkip` is given: then it is skipped and reported.
 *
 * @param options See `PngTreeOptions`.
 *
 * ## Example
 * ```ts
 * let skipped = 0;
 * pngTree({ root: 'notMNIST_small', classes: [...'ABCDEFGHIJ'], size: 28, onSkip: () => skipped++ }).subscribe({ complete: () => console.log(skipped) });
 * ```
 */
export function pngTree(options: PngTreeOptions): Observable<Block<Uint8Array>> {
  const blockSize = validate.integer('blockSize', options.blockSize ?? 256, 1);
  const size = validate.integer('size', options.size, 1, 65535);
  return fromReader(() => import('./pngTreeReader.js'), (reader) => reader.pngTreeBlocks(options, blockSize, size));
}

/**
 * Extracts the PNG files of a tar or tar.gz archive under `dest` (made whole in a temporary folder
 * beside it, then renamed: an interrupted extraction leaves nothing at `dest`). Only regular files
 * whose path is `accept`ed, with no `..` and no leading `/`, are written; each may be at most
 * 16 MiB. Returns the count of files written.
 */
export async function extractPngArchive(archive: string, dest: string, accept: (path: string) => boolean, options: { maxInflateRatio?: number } = {}): Promise<number> {
  return (await import('./pngTreeReader.js')).extractTree(archive, dest, accept, options);
}
