import { Gunzip } from 'fflate';
import { Observable, type OperatorFunction } from 'rxjs';
import { crc32 } from './crc32.js';
import { GzipError } from './errors.js';

/** Options of `gunzip()`. */
export interface GunzipOptions {
  /** Name of the file or URL being read, for error messages. Default `'<bytes>'`. */
  file?: string;
}

const TRAILER = 8;
const RING = 4096; // input bytes remembered to find a member's trailer once the next member starts
// fflate's cost per push is high for tiny pushes (1-byte pushes run about 1000x slower), so
// input is gathered into pushes of at least this many bytes.
const MIN_PUSH = 16 * 1024;

/**
 * Decompresses a gzip byte stream chunk by chunk; anything that does not start with the gzip
 * magic bytes (0x1f 0x8b) passes through untouched.
 *
 * fflate inflates each pushed chunk and hands decompressed data straight on, so memory stays
 * at a chunk or two whatever the file size. Concatenated (multi-member) gzip streams are
 * decoded whole. fflate does not check the gzip trailer, so this stage does: each member's
 * CRC-32 and length must match, which catches a truncated or corrupted file. Compressed
 * chunks smaller than 16 KiB are gathered before inflating (fflate is slow on tiny pushes).
 *
 * @param options See `GunzipOptions`.
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
  return (source) =>
    new Observable<Uint8Array>((subscriber) => {
      let head: Uint8Array | undefined = new Uint8Array(0); // until the first two bytes decide
      let inflater: Gunzip | undefined;
      let consumed = 0; // compressed bytes pushed so far
      const ring = new Uint8Array(RING);
      let memberCrc = 0;
      let memberSize = 0;
      const gather = new Uint8Array(MIN_PUSH);
      let gathered = 0;

      const fail = (offset: number, expected: string, found: string): never => {
        throw new GzipError({ file, offset, expected, found });
      };
      let current: Uint8Array | undefined; // the chunk inside fflate right now
      const byteAt = (at: number): number => (at >= consumed ? current![at - consumed] : ring[at % RING]);
      const checkTrailer = (end: number): void => {
        // The 8-byte trailer ends at input offset `end`: CRC-32 then size mod 2^32, little-endian.
        if (end - TRAILER < consumed - RING) return; // a gzip header longer than the ring: cannot look back
        const at = end - TRAILER;
        const crc = (byteAt(at) | (byteAt(at + 1) << 8) | (byteAt(at + 2) << 16) | (byteAt(at + 3) << 24)) >>> 0;
        const size = (byteAt(at + 4) | (byteAt(at + 5) << 8) | (byteAt(at + 6) << 16) | (byteAt(at + 7) << 24)) >>> 0;
        if (crc !== memberCrc || size !== memberSize >>> 0) {
          fail(
            at,
            `gzip trailer CRC-32 0x${memberCrc.toString(16).padStart(8, '0')} and size ${memberSize >>> 0} of the inflated data`,
            `CRC-32 0x${crc.toString(16).padStart(8, '0')} and size ${size} (the file is truncated or corrupt)`,
          );
        }
        memberCrc = 0;
        memberSize = 0;
      };
      const remember = (chunk: Uint8Array): void => {
        const start = Math.max(0, chunk.length - RING);
        for (let i = start; i < chunk.length; i++) ring[(consumed + i) % RING] = chunk[i];
      };
      const push = (chunk: Uint8Array, final: boolean): void => {
        current = chunk;
        try {
          inflater!.push(chunk, final);
        } catch (error) {
          if (error instanceof GzipError) throw error;
          const reason = (error as Error).message;
          fail(consumed + chunk.length, 'a complete, valid deflate stream', reason === 'unexpected EOF' ? 'the data ends inside a compressed block (truncated or corrupt)' : reason);
        }
        remember(chunk);
        consumed += chunk.length;
        current = undefined;
        if (final) {
          if (consumed < 18) fail(consumed, 'at least 18 bytes of gzip header and trailer', `${consumed} bytes`);
          checkTrailer(consumed);
        }
      };
      const feed = (chunk: Uint8Array): void => {
        if (gathered === 0 && chunk.length >= MIN_PUSH) return push(chunk, false);
        for (let at = 0; at < chunk.length; ) {
          const take = Math.min(MIN_PUSH - gathered, chunk.length - at);
          gather.set(chunk.subarray(at, at + take), gathered);
          gathered += take;
          at += take;
          if (gathered === MIN_PUSH) {
            gathered = 0;
            push(gather.slice(), false); // fflate may keep unconsumed input: give it its own copy
          }
        }
      };
      const start = (first: Uint8Array): void => {
        if (first[0] === 0x1f && first[1] === 0x8b) {
          inflater = new Gunzip((data) => {
            memberCrc = crc32(data, memberCrc);
            memberSize += data.length;
            subscriber.next(data);
          });
          inflater.onmember = (offset) => checkTrailer(offset);
          feed(first);
        } else {
          subscriber.next(first);
        }
      };

      return source.subscribe({
        next(chunk) {
          try {
            if (head) {
              const joined = new Uint8Array(head.length + chunk.length);
              joined.set(head);
              joined.set(chunk, head.length);
              if (joined.length < 2) {
                head = joined;
                return;
              }
              head = undefined;
              start(joined);
            } else if (inflater) {
              feed(chunk);
            } else {
              subscriber.next(chunk);
            }
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error) => subscriber.error(error),
        complete() {
          try {
            if (head && head.length > 0) subscriber.next(head);
            else if (inflater) push(gather.slice(0, gathered), true);
            subscriber.complete();
          } catch (error) {
            subscriber.error(error);
          }
        },
      });
    });
}
