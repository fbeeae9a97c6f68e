import { consume, encodeErrorFrame, holdUntil, type Block } from '@idxflow/core/internal';
import type { Observable, Subscription } from 'rxjs';
import type { WebSocket } from 'ws';
import type { BufferMeter } from './bufferMeter.js';
import { checkedFrame, messageOf } from './httpStream.js';

/** Bytes queued on a WebSocket above which the pipeline waits: a socket's default high-water mark. */
const HIGH_WATER = 16 * 1024;

/** A close reason fits in 123 bytes of UTF-8 (RFC 6455, 5.5). */
function closeReason(message: string): string {
  let reason = message.slice(0, 123);
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

/**
 * Streams `pipeline` over `ws`, one binary message per frame, then closes with code 1000.
 *
 * Each frame goes out as the fragments of one message (header, images, labels, indices), so
 * the pixels are never copied. Backpressure: once more than 16 KiB are queued, the frame's
 * `next` holds the pipeline until that frame has been handed to the socket. A pipeline that
 * fails sends an error frame and closes with 1011; a client that goes away unsubscribes it.
 *
 * @param ws The accepted WebSocket.
 * @param pipeline A fresh pipeline for this client.
 * @param meter Counts this client's queued bytes.
 * @param frameLimit The largest frame sent, in bytes; a larger one ends the stream with an error frame.
 * @param onError Told of a pipeline's failure.
 */
export function streamWebSocket(ws: WebSocket, pipeline: Observable<Block>, meter: BufferMeter, frameLimit: number, onError: (error: unknown) => void): void {
  const stopCounting = meter.add(() => ws.bufferedAmount);
  let subscription: Subscription | undefined;
  ws.on('error', () => undefined); // a protocol error from the client: 'close' follows and ends the stream
  ws.once('close', () => {
    stopCounting();
    subscription?.unsubscribe();
  });
  subscription = consume(pipeline, {
    next(block) {
      if (ws.readyState !== ws.OPEN) return;
      const parts = checkedFrame(block, frameLimit);
      const last = parts.length - 1;
      const sent = new Promise<void>((resolve) => {
        // The callback of the last fragment runs once it is written, or with an error once the socket closed.
        parts.forEach((part, i) => ws.send(part, { binary: true, fin: i === last }, i === last ? () => resolve() : undefined));
      });
      meter.sample();
      if (ws.bufferedAmount > HIGH_WATER) holdUntil(sent);
    },
    error(error: unknown) {
      onError(error);
      if (ws.readyState !== ws.OPEN) return;
      ws.send(encodeErrorFrame(messageOf(error)), { binary: true });
      ws.close(1011, closeReason(messageOf(error)));
    },
    complete: () => ws.close(1000, 'end of stream'),
  });
}
