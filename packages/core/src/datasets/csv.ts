// Images as CSV rows, `label,pixel1,...,pixelN` (Sign Language MNIST's layout, and Kaggle's
// digit-recogniser), streamed: the file is read a chunk at a time and parsed into blocks.
import { open } from 'node:fs/promises';
import type { Observable } from 'rxjs';
import type { Block } from '../block.js';
import { CsvFormatError, OptionError } from '../errors.js';
import { CsvRowParser, type CsvRows } from '../csv/rowParser.js';
import { produce } from '../operate.js';
import { DEFAULT_CHUNK_SIZE } from '../sources/bytes.js';
import { named } from '../sources/file.js';
import * as validate from '../validate.js';

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

/** `[height, width]` of images of `pixels` values, from the options or a square. */
function imageShape(options: CsvSourceOptions, pixels: number, file: string): [number, number] {
  if (options.height !== undefined || options.width !== undefined) {
    const h = options.height ?? pixels / options.width!;
    const w = options.width ?? pixels / options.height!;
    if (h * w !== pixels || !Number.isInteger(h) || !Number.isInteger(w)) {
      throw new CsvFormatError({ file, line: 1, column: 2, expected: `${options.height ?? '?'} x ${options.width ?? '?'} pixel columns (the height and width given)`, found: `${pixels}` });
    }
    return [h, w];
  }
  const side = Math.round(Math.sqrt(pixels));
  if (side * side !== pixels) throw new CsvFormatError({ file, line: 1, column: 2, expected: 'a square number of pixel columns (or the options height and width)', found: `${pixels}` });
  return [side, side];
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
  const { path } = options;
  return produce<Block<Uint8Array>>(2, async (emit, subscriber) => {
    const parser = new CsvRowParser(path, blockSize);
    let shape: [number, number] | undefined;
    const toBlock = (run: CsvRows): Block<Uint8Array> => {
      shape ??= imageShape(options, run.width, path);
      return { images: run.pixels, labels: run.labels, indices: Uint32Array.from({ length: run.count }, (_, i) => run.first + i), epoch: 0, shape: [run.count, shape[0], shape[1]] };
    };
    const handle = await open(path, 'r').catch(named(path));
    const buffer = new Uint8Array(chunkSize); // one, reused: the parser copies every value out of it
    try {
      for (let final = false; !final && !subscriber.closed; ) {
        const { bytesRead } = await handle.read(buffer, 0, chunkSize, null).catch(named(path));
        final = bytesRead === 0;
        const runs = parser.push(buffer.subarray(0, bytesRead), final);
        if (parser.width > 0) shape ??= imageShape(options, parser.width, path); // a bad width is refused at the first row
        for (const run of runs) await emit(toBlock(run));
      }
    } finally {
      await handle.close();
    }
  });
}
