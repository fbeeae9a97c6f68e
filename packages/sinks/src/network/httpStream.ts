import type { ServerResponse } from 'node:http';
import { BATCHES_MEDIA_TYPE, consume, encodeErrorFrame, encodeFrame, FormatLimitError, holdUntil, httpStatusOf, type Block } from '@idxflow/core/internal';
import type { Observable, Subscription } from 'rxjs';
import type { BufferMeter } from './bufferMeter.js';
import { refuseUnstored } from '../stores.js';

/** Answers with a JSON body (errors are `{ "error": message, "code": "IDXFLOW_..." }`, the code when there is one). */
export function sendJson(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/**
 * The frame of `block`, or a FormatLimitError (a server failure: 500) when it is larger than
 * `limit` bytes (the server's `clientMemory`): the factory's batches outgrew what a client may
 * hold. A block with a field the frames do not carry (`SINK_STORES.serve`) is an
 * `UnstorableFieldError`.
 */
export function checkedFrame(block: Block, limit: number): Uint8Array[] {
  refuseUnstored('serve', 'serve()', block);
  const parts = encodeFrame(block);
  const bytes = parts.reduce((sum, part) => sum + part.byteLength, 0);
  if (bytes > limit) {
    throw new FormatLimitError(`Expected frames of at most ${limit} bytes (the server's clientMemory) but the pipeline made one of ${bytes} bytes (${block.shape[0]} samples): ask for a smaller batch`);
  }
  return parts;
}

/** The message of anything thrown. */
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** The JSON body of a failed request: the error's message and, for an idxflow error, its code. */
export const errorBody = (error: unknown): { error: string; code?: string } => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('IDXFLOW_') ? { error: messageOf(error), code } : { error: messageOf(error) };
};

/** A promise of the response's next `drain` (or `close`), shared by every hold made before it. */
function drainWatcher(res: ServerResponse): () => Promise<void> {
  let drained: Promise<void> | undefined;
  return () =>
    (drained ??= new Promise<void>((resolve) => {
      const done = (): void => {
        res.off('drain', done).off('close', done);
        drained = undefined;
        resolve();
      };
      res.on('drain', done).on('close', done);
    }));
}

/**
 * Streams `pipeline` as frames in the body of `res` (200, chunked), then ends the response.
 *
 * Backpressure: when `res.write` returns false (the socket's buffer is past its high-water
 * mark) the frame's `next` holds the pipeline until `drain` (core's flow.ts), so the bytes
 * queued for a slow client stay near one high-water mark plus the frames of one emission.
 * The status line waits for the first frame, so a pipeline that fails at once gets a 500
 * with its message; one that fails later (or a block that cannot be framed) ends the stream
 * with an error frame. A client that goes away unsubscribes the pipeline.
 *
 * @param res The response to stream into.
 * @param pipeline A fresh pipeline for this client.
 * @param meter Counts this client's queued bytes.
 * @param frameLimit The largest frame sent, in bytes; a larger one ends the stream with an error frame.
 * @param onError Told of a pipeline's failure.
 */
export function streamHttp(res: ServerResponse, pipeline: Observable<Block>, meter: BufferMeter, frameLimit: number, onError: (error: unknown) => void): void {
  const stopCounting = meter.add(() => res.writableLength);
  const whenDrained = drainWatcher(res);
  const start = (): void => {
    if (!res.headersSent) res.writeHead(200, { 'content-type': BATCHES_MEDIA_TYPE, 'cache-control': 'no-store' });
  };
  let subscription: Subscription | undefined;
  res.once('close', () => {
    stopCounting();
    subscription?.unsubscribe(); // a client that left frees its pipeline
  });
  subscription = consume(pipeline, {
    next(block) {
      if (res.destroyed) return; // the client left; unsubscribing is under way
      const parts = checkedFrame(block, frameLimit);
      start();
      res.cork(); // one writev for the four parts
      let ok = true;
      for (const part of parts) ok = res.write(part);
      meter.sample();
      res.uncork();
      if (!ok) holdUntil(whenDrained());
    },
    error(error: unknown) {
      onError(error);
      if (res.headersSent) res.end(encodeErrorFrame(messageOf(error)));
      else sendJson(res, httpStatusOf(error), errorBody(error));
    },
    complete() {
      start();
      res.end();
    },
  });
}
