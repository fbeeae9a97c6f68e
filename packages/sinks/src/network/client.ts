import { DemandWindow, type Block } from '@idxflow/core';
import { Observable } from 'rxjs';
import { decodeFrames } from './framing.js';

/** The server refused the request. */
export class ServerError extends Error {
  override name = 'ServerError';
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/**
 * Streams batches from an idxflow server (`idxflow serve`) as Blocks. Reading pauses while the
 * consumer holds (core's flow.ts), so a slow trainer slows the server through TCP.
 * Unsubscribing closes the connection.
 *
 * @param url The `/batches` URL with its query, e.g. `http://127.0.0.1:8080/batches?seed=1&rank=0&worldSize=2`.
 *
 * ## Example
 * ```ts
 * fromServer('http://127.0.0.1:8080/batches?batch=64').subscribe((b) => console.log(b.shape));
 * ```
 */
export function fromServer(url: string, options: { token?: string } = {}): Observable<Block> {
  const bytes = new Observable<Uint8Array>((subscriber) => {
    const abort = new AbortController();
    const window = new DemandWindow(2);
    void (async () => {
      const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
      const response = await fetch(url, { headers, signal: abort.signal });
      if (!response.ok || !response.body) {
        const text = await response.text().catch(() => '');
        let message = text;
        try {
          message = (JSON.parse(text) as { error?: string }).error ?? text;
        } catch {
          // not JSON: keep the text
        }
        throw new ServerError(response.status, `${url}: HTTP ${response.status}: ${message.trim()}`);
      }
      const reader = response.body.getReader();
      while (!subscriber.closed) {
        const { done, value } = await reader.read();
        if (done) break;
        await window.emit(subscriber, value);
      }
      subscriber.complete();
    })().catch((error: unknown) => {
      if (!subscriber.closed) subscriber.error(error);
    });
    return () => abort.abort();
  });
  return bytes.pipe(decodeFrames());
}
