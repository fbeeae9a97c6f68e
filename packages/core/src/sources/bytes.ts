import type { Observable } from 'rxjs';
import { produce } from '../operate.js';
import { integer } from '../validate.js';

/** Options shared by the byte sources. */
export interface ByteSourceOptions {
  /** Bytes per emitted chunk. Default 65,536. */
  chunkSize?: number;
  /** Emissions that may wait on downstream holds before the source pauses. Default 2. */
  window?: number;
}

export const DEFAULT_CHUNK_SIZE = 1 << 16;

/** `a` then `b` in one array: `b` itself when `a` is empty, else a new array. */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Emits `bytes` in chunks of `chunkSize`, as a file or socket would deliver them.
 * Chunks are views of `bytes`, not copies. Respects downstream holds (see `flow.ts`).
 *
 * @param bytes The whole input.
 * @param options See `ByteSourceOptions`.
 *
 * ## Example
 * ```ts
 * fromBytes(encodeIdx(new Uint8Array([1, 2, 3]), [3]), { chunkSize: 1 }).pipe(decodeIdx());
 * ```
 */
export function fromBytes(bytes: Uint8Array, options: ByteSourceOptions = {}): Observable<Uint8Array> {
  const chunkSize = integer('chunkSize', options.chunkSize ?? DEFAULT_CHUNK_SIZE, 1);
  const size = integer('window', options.window ?? 2, 1);
  return produce<Uint8Array>(size, async (emit, subscriber) => {
    for (let at = 0; at < bytes.length && !subscriber.closed; at += chunkSize) await emit(bytes.subarray(at, at + chunkSize));
  });
}
