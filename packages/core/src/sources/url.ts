import type { Observable } from 'rxjs';
import { IdxflowError } from '../errors.js';
import { produce } from '../operate.js';
import { integer } from '../validate.js';

/**
 * The server answered, but not with the bytes asked for.
 *
 * ## Example
 * ```ts
 * fromUrl('https://example.org/no-such-file.gz').subscribe({
 *   error: (e) => console.error(e instanceof HttpStatusError && e.status), // 404
 * });
 * ```
 */
export class HttpStatusError extends IdxflowError {
  /** The HTTP status code the server answered with. */
  readonly status: number;

  constructor(url: string, status: number, statusText: string) {
    super({ file: url, expected: 'HTTP status 200', found: `HTTP status ${status} ${statusText}`.trim() });
    this.status = status;
  }
}

/** Options of `fromUrl()`. */
export interface UrlSourceOptions {
  /** Emissions that may wait on downstream holds before reading pauses. Default 2. */
  window?: number;
  /** Called with (bytes received, total bytes or undefined) after each chunk. */
  onProgress?: (received: number, total: number | undefined) => void;
}

/**
 * Streams the body of an HTTP(S) URL as chunks, as they arrive. Reading pauses while
 * downstream holds (see `flow.ts`), which lets TCP flow control slow the server.
 * Unsubscribing aborts the request.
 *
 * @param url An `http:` or `https:` URL.
 * @param options See `UrlSourceOptions`.
 *
 * ## Example
 * ```ts
 * fromUrl('https://example.org/train-labels-idx1-ubyte.gz').pipe(gunzip(), decodeIdx());
 * ```
 */
export function fromUrl(url: string, options: UrlSourceOptions = {}): Observable<Uint8Array> {
  const size = integer('window', options.window ?? 2, 1);
  return produce<Uint8Array>(size, async (emit, subscriber, signal) => {
    const response = await fetch(url, { signal });
    if (!response.ok || !response.body) {
      await response.body?.cancel();
      throw new HttpStatusError(url, response.status, response.statusText);
    }
    const length = Number(response.headers.get('content-length'));
    const total = Number.isFinite(length) && length > 0 ? length : undefined;
    let received = 0;
    const reader = response.body.getReader();
    try {
      while (!subscriber.closed) {
        const { done, value } = await reader.read();
        if (done) break;
        received += value.length;
        options.onProgress?.(received, total);
        await emit(value);
      }
    } finally {
      reader.releaseLock();
    }
  });
}
