import type { OperatorFunction } from 'rxjs';
import { Observable } from './rx.js';
import { createRequire } from 'node:module';
import { IdxflowError, XzError } from './errors.js';
import { inflateCeiling, inflateLimitError, inflateRatioOf, type InflateLimitOptions } from './inflateLimit.js';
import { DemandWindow, holdUntil } from './flow.js';
import { operate, settle } from './operate.js';
import { concatBytes } from './sources/bytes.js';

/** Options of `unxz()`. */
export interface UnxzOptions extends InflateLimitOptions {
  /** Name of the file or URL being read, for error messages. Default `'<bytes>'`. */
  file?: string;
}

// xz-decompress is a CommonJS bundle whose named exports Node's ESM loader cannot see. It is
// required when a first xz stream is decoded, not when core is imported (rarely needed: 26 kB
// of JavaScript with its WebAssembly inline).
let xzDecompress: typeof import('xz-decompress') | undefined;
const xzStream = (): (typeof import('xz-decompress'))['XzReadableStream'] => (xzDecompress ??= createRequire(import.meta.url)('xz-decompress') as typeof import('xz-decompress')).XzReadableStream;

const MAGIC = [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]; // "\xfd7zXZ\0", the xz stream header

interface Queued {
  chunk: Uint8Array;
  taken: () => void;
}

/**
 * The compressed side of the decoder: a web stream that hands over upstream's chunks one at a
 * time as the decoder asks, each `taken` once it has been handed over.
 */
function compressedSide(queue: Queued[], state: { ended: boolean; wake?: () => void }): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        while (queue.length === 0 && !state.ended) await new Promise<void>((resolve) => (state.wake = resolve));
        const next = queue.shift();
        if (!next) return controller.close();
        controller.enqueue(next.chunk);
        next.taken();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Decompresses an xz byte stream (the `.xz` files of QMNIST's NIST set) chunk by chunk; anything
 * that does not start with the xz magic bytes passes through untouched.
 *
 * Decoding runs in WebAssembly (xz-decompress, XZ Embedded): no native code. Upstream is asked to
 * wait (see `flow.ts`) until the decoder has taken each compressed chunk, and decompressed
 * pieces are handed on as the consumer takes them, so memory stays at a few chunks. A truncated
 * or corrupt stream is an `XzError` naming the file. The decoder allows one xz stream at a time
 * in a process: a second one waits for the first to end. Past 64 MiB, the output may not grow
 * beyond `maxInflateRatio` (default 100) times the input taken so far (`InflateLimitError`).
 *
 * @param options See `UnxzOptions`.
 *
 * ## Example
 * ```ts
 * import { fromFile, gunzip, unxz, decodeIdx } from '@idxflow/core';
 * const file = 'xnist-labels-idx2-int.xz';
 * fromFile(file).pipe(gunzip({ file }), unxz({ file }), decodeIdx({ file })).subscribe((r) => console.log(r.count));
 * ```
 */
export function unxz(options: UnxzOptions = {}): OperatorFunction<Uint8Array, Uint8Array> {
  const file = options.file ?? '<bytes>';
  const ratio = inflateRatioOf(options);
  return (source) =>
    new Observable<Uint8Array>((subscriber) => {
      let head: Uint8Array | undefined = new Uint8Array(0); // until the first six bytes decide
      let xz = false;
      let taken = 0; // compressed bytes handed to the decoder
      const queue: Queued[] = [];
      const state: { ended: boolean; wake?: () => void } = { ended: false };
      let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;

      const feed = (chunk: Uint8Array): void => {
        holdUntil(new Promise<void>((resolve) => queue.push({ chunk, taken: () => ((taken += chunk.length), resolve()) })));
        state.wake?.();
      };
      const decode = async (): Promise<void> => {
        const XzReadableStream = xzStream();
        reader = new XzReadableStream(compressedSide(queue, state)).getReader();
        const window = new DemandWindow(2);
        let inflated = 0;
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (done || subscriber.closed) break;
            inflated += value.length;
            if (inflated > inflateCeiling(taken, ratio)) throw inflateLimitError({ file, offset: taken }, taken, inflated, ratio);
            if (value.length > 0) await window.emit(subscriber, value);
          }
        } catch (error) {
          if (error instanceof IdxflowError) throw error;
          throw new XzError({ file, offset: taken, expected: 'a complete, valid xz stream', found: `${(error as Error).message} (the file is truncated or corrupt)` });
        }
        subscriber.complete();
      };
      const start = (first: Uint8Array): void => {
        xz = first.length >= MAGIC.length && MAGIC.every((b, i) => first[i] === b);
        if (!xz) return void subscriber.next(first);
        settle(subscriber, decode());
        feed(first);
      };

      operate(source, subscriber, {
        next(chunk) {
          if (!head) return xz ? feed(chunk) : subscriber.next(chunk);
          const joined = concatBytes(head, chunk);
          if (joined.length < MAGIC.length) return void (head = joined);
          head = undefined;
          start(joined);
        },
        complete() {
          if (head && head.length > 0) start(head);
          head = undefined;
          state.ended = true;
          state.wake?.();
          if (!xz) subscriber.complete();
        },
      });
      return () => void reader?.cancel().catch(() => undefined);
    });
}
