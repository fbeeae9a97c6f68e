import { open } from 'node:fs/promises';
import type { Observable } from 'rxjs';
import { IdxflowError } from '../errors.js';
import { produce } from '../operate.js';
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
  // produce() ends the wait on holds at teardown, so the file is closed here, not left to the
  // garbage collector, when a consumer leaves without settling them.
  return produce<Uint8Array>(size, async (emit, subscriber) => {
    const handle = await open(path, 'r').catch(named(path));
    try {
      while (!subscriber.closed) {
        const buffer = new Uint8Array(chunkSize);
        const { bytesRead } = await handle.read(buffer, 0, chunkSize, null).catch(named(path));
        if (bytesRead === 0) break;
        await emit(bytesRead === chunkSize ? buffer : buffer.subarray(0, bytesRead));
      }
    } finally {
      await handle.close();
    }
  });
}

/** Rethrows a file system error with `path` set: read() errors omit it (the CLI prints it beside the message). */
export const named =
  (path: string) =>
  (error: NodeJS.ErrnoException): never => {
    // An IdxflowError names its file already, and its code is not a file-system one.
    if (error && typeof error === 'object' && error.code && !error.path && !(error instanceof IdxflowError)) error.path = path;
    throw error;
  };
