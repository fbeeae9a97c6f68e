import type { OperatorFunction } from 'rxjs';
import { Observable } from './rx.js';
import { GzipDecoder } from './gzip/decoder.js';
import { inflateRatioOf, type InflateLimitOptions } from './inflateLimit.js';
import { operate } from './operate.js';
import { concatBytes } from './sources/bytes.js';

/** Options of `gunzip()`. */
export interface GunzipOptions extends InflateLimitOptions {
  /** Name of the file or URL being read, for error messages. Default `'<bytes>'`. */
  file?: string;
}

// Each push to the decoder hands its output on as one chunk or a few, so compressed chunks
// smaller than this are gathered first: 1-byte input chunks would otherwise become a stream of
// tiny output chunks, each paying for a trip through every stage below.
const MIN_PUSH = 16 * 1024;

/**
 * Decompresses a gzip byte stream chunk by chunk; anything that does not start with the gzip
 * magic bytes (0x1f 0x8b) passes through untouched.
 *
 * Output is handed on as it is inflated, in pieces of at most 256 KiB, so memory stays at a
 * chunk or two whatever the file size (or its compression ratio). Concatenated (multi-member)
 * gzip streams are decoded whole. The file is checked as zlib checks it: each member's header
 * (reserved flag bits, header CRC), its deflate stream, and its trailer's CRC-32 and size; and
 * nothing may follow the last member, not even zero padding. So a truncated or corrupted file
 * is an error, never short data. Compressed chunks smaller than 16 KiB are gathered first.
 * Past 64 MiB, the output may not grow beyond `maxInflateRatio` (default 100) times the input
 * read so far: a decompression bomb is an `InflateLimitError` within 256 KiB of that ceiling.
 *
 * @param options See `GunzipOptions`: `file` for messages, `maxInflateRatio`.
 *
 * ## Example
 * ```ts
 * import { fromFile, gunzip } from '@idxflow/core';
 * fromFile('train-images-idx3-ubyte.gz').pipe(gunzip({ file: 'train-images-idx3-ubyte.gz' }))
 *   .subscribe((chunk) => console.log(chunk.length));
 * ```
 */
export function gunzip(options: GunzipOptions = {}): OperatorFunction<Uint8Array, Uint8Array> {
  const file = options.file ?? '<bytes>';
  const ratio = inflateRatioOf(options);
  return (source) =>
    new Observable<Uint8Array>((subscriber) => {
      let head: Uint8Array | undefined = new Uint8Array(0); // until the first two bytes decide
      let decoder: GzipDecoder | undefined;
      const gather = new Uint8Array(MIN_PUSH);
      let gathered = 0;

      const feed = (chunk: Uint8Array): void => {
        if (gathered === 0 && chunk.length >= MIN_PUSH) return decoder!.push(chunk);
        for (let at = 0; at < chunk.length; ) {
          const take = Math.min(MIN_PUSH - gathered, chunk.length - at);
          gather.set(chunk.subarray(at, at + take), gathered);
          gathered += take;
          at += take;
          if (gathered === MIN_PUSH) {
            gathered = 0;
            decoder!.push(gather); // read before push returns: the buffer can be refilled
          }
        }
      };
      const start = (first: Uint8Array): void => {
        if (first[0] === 0x1f && first[1] === 0x8b) {
          decoder = new GzipDecoder(file, (data) => subscriber.next(data), ratio);
          feed(first);
        } else {
          subscriber.next(first);
        }
      };

      return operate(source, subscriber, {
        next(chunk) {
          if (!head) {
            if (decoder) feed(chunk);
            else subscriber.next(chunk);
            return;
          }
          const joined = concatBytes(head, chunk);
          if (joined.length < 2) {
            head = joined;
            return;
          }
          head = undefined;
          start(joined);
        },
        complete() {
          if (head && head.length > 0) subscriber.next(head);
          if (decoder) {
            decoder.push(gather.subarray(0, gathered));
            decoder.end();
          }
          subscriber.complete();
        },
      });
    });
}
