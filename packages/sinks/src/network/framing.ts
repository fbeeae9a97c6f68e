// The idxflow batch framing, shared by the HTTP and WebSocket endpoints and every client.
// Specified in PROTOCOL.md beside this file:
//
//   frame  = u32 header length (big-endian) | header (UTF-8 JSON) | images | labels | indices
//   header = {"shape":[n,h,w],"dtype":"uint8"|"float32","epoch":e}
//   images = n*h*w elements, little-endian (1 or 4 bytes each)
//   labels = n bytes; indices = n little-endian u32 (each sample's source index)
import type { Block } from '@idxflow/core';
import { Observable, type OperatorFunction } from 'rxjs';

/** The JSON header of a frame. */
export interface FrameHeader {
  shape: [number, number, number];
  dtype: 'uint8' | 'float32';
  epoch: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const view = (a: ArrayBufferView): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** The parts of one frame, in order, without copying the block's arrays (host order is little-endian). */
export function encodeFrame(block: Block): Uint8Array[] {
  const header: FrameHeader = {
    shape: [block.shape[0], block.shape[1], block.shape[2]],
    dtype: block.images instanceof Float32Array ? 'float32' : 'uint8',
    epoch: block.epoch,
  };
  const json = encoder.encode(JSON.stringify(header));
  const length = new Uint8Array(4);
  new DataView(length.buffer).setUint32(0, json.length, false);
  return [length, json, view(block.images), view(block.labels), view(block.indices)];
}

/** Bytes of a frame's body for a header. */
function bodyBytes(h: FrameHeader): number {
  const [n, height, width] = h.shape;
  return n * height * width * (h.dtype === 'float32' ? 4 : 1) + n + 4 * n;
}

/** The block a complete frame body describes (copies out of `body`). */
function blockOf(h: FrameHeader, body: Uint8Array): Block {
  const [n, height, width] = h.shape;
  const pixels = n * height * width;
  const imageBytes = pixels * (h.dtype === 'float32' ? 4 : 1);
  const copy = body.slice(); // own, aligned buffer
  return {
    images: h.dtype === 'float32' ? new Float32Array(copy.buffer, 0, pixels) : copy.subarray(0, pixels),
    labels: copy.subarray(imageBytes, imageBytes + n),
    indices: new Uint32Array(copy.buffer.slice(imageBytes + n, imageBytes + 5 * n)),
    epoch: h.epoch,
    shape: [n, height, width],
  };
}

/** Thrown when a byte stream is not a well-formed sequence of frames. */
export class FrameError extends Error {
  override name = 'FrameError';
}

/**
 * Decodes a byte stream of frames into Blocks, whatever the chunk boundaries: each block is
 * emitted as soon as its last byte arrives. A stream that ends inside a frame is an error.
 */
export function decodeFrames(): OperatorFunction<Uint8Array, Block> {
  return (source) =>
    new Observable<Block>((subscriber) => {
      let buffer = new Uint8Array(1 << 16);
      let filled = 0;
      let header: FrameHeader | undefined;
      let need = 4;
      const parse = (): void => {
        let at = 0;
        for (;;) {
          if (!header) {
            if (filled - at < 4) break;
            const length = new DataView(buffer.buffer, at, 4).getUint32(0, false);
            if (length > 1 << 20) throw new FrameError(`Expected a frame header under 1 MiB but received a length of ${length}`);
            if (filled - at < 4 + length) {
              need = 4 + length;
              break;
            }
            header = JSON.parse(decoder.decode(buffer.subarray(at + 4, at + 4 + length))) as FrameHeader;
            at += 4 + length;
            need = bodyBytes(header);
          }
          if (filled - at < need) break;
          const block = blockOf(header, buffer.subarray(at, at + need));
          at += need;
          header = undefined;
          need = 4;
          subscriber.next(block);
        }
        buffer.copyWithin(0, at, filled);
        filled -= at;
      };
      return source.subscribe({
        next(chunk) {
          try {
            if (filled + chunk.length > buffer.length) {
              const grown = new Uint8Array(Math.max(buffer.length * 2, filled + chunk.length, need));
              grown.set(buffer.subarray(0, filled));
              buffer = grown;
            }
            buffer.set(chunk, filled);
            filled += chunk.length;
            parse();
          } catch (error) {
            subscriber.error(error);
          }
        },
        error: (error) => subscriber.error(error),
        complete() {
          if (filled > 0 || header) subscriber.error(new FrameError(`Expected a complete frame but the stream ended with ${filled} bytes of a partial one`));
          else subscriber.complete();
        },
      });
    });
}
