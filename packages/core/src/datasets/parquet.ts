// Parquet files in the Hugging Face Hub's image-classification layout (the MNIST card's): rows of
// `image` (struct<bytes, path>, an encoded PNG or JPEG) and `label` (an integer ClassLabel), read
// with hyparquet (in a thread of its own, parquetThread.ts) a slice of rows at a time and decoded
// to one grey channel with sharp. The reading is in parquetReader.ts, loaded when a stream is
// subscribed or a function that reads a file is called (see fromReader.ts).
import type { Observable } from 'rxjs';
import type { Block } from '../block.js';
import { OptionError } from '../errors.js';
import { DEFAULT_MAX_IMAGE_PIXELS } from '../images/decodeGrey.js';
import * as validate from '../validate.js';
import { fromReader } from './fromReader.js';

/** Options of `parquet()`. */
export interface ParquetSourceOptions {
  /** The Parquet files, read in this order (e.g. `train-00000-of-00002.parquet`, `train-00001-of-00002.parquet`). Required. */
  files: readonly string[];
  /** Rows decoded per Block. Default 1,024; fewer when that many images would pass 64 MiB of pixels (2^26 / height / width rows, at least 1). */
  blockSize?: number;
  /** The image column: a struct with `bytes`, or binary. Default `'image'`. */
  imageColumn?: string;
  /** The label column: integers 0-255. Default `'label'`. */
  labelColumn?: string;
  /** The most pixels (width x height) an image may declare; more is an ImageTooLargeError before decoding. Default `DEFAULT_MAX_IMAGE_PIXELS` (89,478,485, PIL's). */
  maxImagePixels?: number;
}

/**
 * The class names of Parquet files in the Hub's layout, from the first file's `huggingface`
 * metadata (its ClassLabel's names); undefined when it has none.
 *
 * ## Example
 * ```ts
 * await parquetClassNames(['mnist/train-00000-of-00001.parquet']); // ['0', '1', ..., '9']
 * ```
 */
export async function parquetClassNames(files: readonly string[], labelColumn = 'label'): Promise<string[] | undefined> {
  if (files.length === 0) return undefined;
  return (await import('./parquetReader.js')).classNamesOf(files, labelColumn);
}

/**
 * The feature names of a Parquet file in the Hub's layout, from its `huggingface` metadata
 * (`['image', 'label']`, with `soft_labels` for an export of mixed samples); undefined when it
 * has none.
 *
 * ## Example
 * ```ts
 * await parquetFeatureNames('mnist/train-00000-of-00001.parquet'); // ['image', 'label']
 * ```
 */
export async function parquetFeatureNames(file: string): Promise<string[] | undefined> {
  return (await import('./parquetReader.js')).featureNamesOf(file);
}

/**
 * Reads Parquet files in the Hugging Face Hub's image-classification layout (what `toHfParquet()`
 * writes, and the Hub's MNIST): each row's `image` (a PNG or JPEG file, struct<bytes, path> or
 * binary) decoded to one grey channel, its `label` (integer, 0-255) as the label. Blocks of
 * `blockSize` rows, epoch 0, numbered across the files in order; every image must have the size
 * of the first. Rows are read a slice at a time, on demand, so memory stays at a block or two.
 * Class names: `parquetClassNames()`. Codecs: those hyparquet reads without plug-ins
 * (uncompressed, snappy).
 *
 * @param options See `ParquetSourceOptions`.
 *
 * ## Example
 * ```ts
 * import { parquet } from '@idxflow/core';
 * parquet({ files: ['mnist/test-00000-of-00001.parquet'] }).subscribe((b) => console.log(b.shape));
 * ```
 */
export function parquet(options: ParquetSourceOptions): Observable<Block<Uint8Array>> {
  const blockSize = validate.integer('blockSize', options.blockSize ?? 1024, 1);
  const columns: [string, string] = [options.imageColumn ?? 'image', options.labelColumn ?? 'label'];
  const maxPixels = validate.integer('maxImagePixels', options.maxImagePixels ?? DEFAULT_MAX_IMAGE_PIXELS, 1);
  if (!Array.isArray(options.files) || options.files.length === 0) throw new OptionError('Expected at least one Parquet file for files');
  return fromReader(() => import('./parquetReader.js'), (reader) => reader.parquetBlocks(options.files, columns, { blockSize, maxPixels }));
}
