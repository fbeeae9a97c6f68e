// Images as CSV rows, `label,pixel1,...,pixelN` (Sign Language MNIST's layout, and Kaggle's
// digit-recogniser), streamed: the file is read a chunk at a time and parsed into blocks
// (csvReader.ts, loaded when the stream is subscribed).
import type { Observable } from 'rxjs';
import type { Block } from '../block.js';
import { OptionError } from '../errors.js';
import { DEFAULT_CHUNK_SIZE } from '../sources/bytes.js';
import * as validate from '../validate.js';
import { fromReader } from './fromReader.js';

/** Options of `csv()`. */
export interface CsvSourceOptions {
  /** The file: an optional header `label,pixel1,...`, then one row per image. Required. */
  path: string;
  /** Image height. Default: the square root of the pixel columns (28 for 784). */
  height?: number;
  /** Image width. Default: the square root of the pixel columns. */
  width?: number;
  /** Images per Block. Default 1,024. */
  blockSize?: number;
  /** Bytes read per chunk. Default 65,536. */
  chunkSize?: number;
}

/**
 * Reads images stored as CSV rows, `label,pixel1,...,pixelN` (Sign Language MNIST, Kaggle's
 * digit recogniser), as Blocks of epoch 0. The header line is optional (a first line that does
 * not start with a digit is one, and must start with `label`); every value is an integer from 0
 * to 255 and every row as wide as the header or first row. The file is streamed: a chunk is read
 * only when the blocks before it have been taken, so memory stays at a block and a chunk whatever
 * the file's length. A bad value or row is a `CsvFormatError` naming the file, line and column.
 *
 * @param options See `CsvSourceOptions`.
 *
 * ## Example
 * ```ts
 * import { csv, batch } from '@idxflow/core';
 * csv({ path: 'sign_mnist_test.csv' }).pipe(batch(128)).subscribe((b) => console.log(b.shape)); // [128, 28, 28]
 * ```
 */
export function csv(options: CsvSourceOptions): Observable<Block<Uint8Array>> {
  if (typeof options?.path !== 'string' || options.path === '') throw new OptionError(`Expected a file for path but received ${String(options?.path)}`);
  const blockSize = validate.integer('blockSize', options.blockSize ?? 1024, 1);
  const chunkSize = validate.integer('chunkSize', options.chunkSize ?? DEFAULT_CHUNK_SIZE, 1);
  if (options.height !== undefined) validate.integer('height', options.height, 1, 65535);
  if (options.width !== undefined) validate.integer('width', options.width, 1, 65535);
  return fromReader(() => import('./csvReader.js'), (reader) => reader.csvBlocks(options.path, options, blockSize, chunkSize));
}
