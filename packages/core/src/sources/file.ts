import { open } from 'node:fs/promises';
import { Observable } from 'rxjs';
import { DemandWindow } from '../flow.js';
import { settle } from '../operate.js';
import { integer } from '../validate.js';
import { DEFAULT_CHUNK_SIZE, type ByteSourceOptions } from './bytes.js';

/**
 * Reads a file in chunks, on demand: the next chunk is read only when downstream has taken
 * the previous ones (see `flow.ts`), so a file of any size costs a chunk or two of memory.
 * Each chunk is a fresh buffer, so downstream may keep views of it. Unsubscribing closes the
 * file as soon as a read or open in progress returns.
 *
 * @param path The file to read.
 * @param options See `ByteSourceOptions`.
 *
 * ## Example
 * ```ts
 * fromFile('train-labels-idx1-ubyte').subscribe((chunk) => console.log(chunk.length));
 * ```
 */
export function fromFile(path: string, options: ByteSourceOptions = {}): Observable<Uint8Array> {
  const chunkSize = integer('chunkSize', options.chunkSize ?? DEFAULT_CHUNK_SIZE, 1);
  const size = integer('window', options.window ?? 2, 1);
  return new Observable<Uint8Array>((subscriber) => {
    const window = new DemandWindow(size);
    // Resolves at teardown. A consumer that leaves may never settle the holds it made, so the
    // pump stops waiting on them then, and closes the file itself instead of leaving the handle
    // to the garbage collector.
    let stop!: () => void;
    const stopped = new Promise<void>((resolve) => (stop = resolve));
    const pump = async (): Promise<void> => {
      const handle = await open(path, 'r');
      try {
        while (!subscriber.closed) {
          const buffer = new Uint8Array(chunkSize);
          const { bytesRead } = await handle.read(buffer, 0, chunkSize, null);
          if (bytesRead === 0) break;
          await Promise.race([window.emit(subscriber, bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead)), stopped]);
        }
      } finally {
        await handle.close();
      }
      subscriber.complete();
    };
    const named = pump().catch((error: NodeJS.ErrnoException) => {
      if (error && typeof error === 'object' && error.code && !error.path) error.path = path; // read() errors omit it
      throw error;
    });
    settle(subscriber, named);
    return stop;
  });
}
