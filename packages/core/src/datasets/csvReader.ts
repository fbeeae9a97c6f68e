// How `csv()` reads: the file a chunk at a time, parsed into blocks (loaded when its stream is
// subscribed; see fromReader.ts).
import { open } from 'node:fs/promises';
import type { Observable } from 'rxjs';
import type { Block } from '../block.js';
import { CsvFormatError } from '../errors.js';
import { CsvRowParser, type CsvRows } from '../csv/rowParser.js';
import { produce } from '../operate.js';
import { named } from '../sources/file.js';
import type { CsvSourceOptions } from './csv.js';

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

/** The blocks of the CSV file `path`, its options checked by `csv()`. */
export function csvBlocks(path: string, options: CsvSourceOptions, blockSize: number, chunkSize: number): Observable<Block<Uint8Array>> {
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
