// The idxflow batch framing, shared by the HTTP and WebSocket endpoints and every client.
// Specified in PROTOCOL.md beside this file; in short, a stream is frames back to back:
//
//   frame   = length | header | images | labels | indices [| soft]
//   length  = 4 bytes: byte length L of header, unsigned 32-bit big-endian
//   header  = L bytes: UTF-8 JSON {"shape":[n,h,w],"dtype":"uint8"|"float32","epoch":e[,"classes":k]}
//   images  = n*h*w pixels, row-major, 1 byte (uint8) or 4 bytes (float32 little-endian) each
//   labels  = n bytes, one per sample
//   indices = 4*n bytes: each sample's index in its source file, unsigned 32-bit little-endian
//   soft    = 4*n*k bytes, only when the header has "classes": the soft labels (after mixup() or
//             cutmix()), n rows of k float32 little-endian
//
// A frame whose header is {"error":"message"} (and has no body) says the server's pipeline
// failed; it is the last frame of its stream.
//
// Why this shape: the header stays tiny and human-readable (so any language can parse it
// with its JSON library), while the three arrays travel as raw bytes that numpy, PyTorch or
// a typed array view without parsing. Labels and indices follow the images so the images start
// right after the header, and a frame's size is known once its header is read.
import { softLabelClasses, type Block } from '../block.js';
import { BlockMismatchError, IdxflowError } from '../errors.js';
import { operate } from '../operate.js';
import type { OperatorFunction } from 'rxjs';
import { Observable } from '../rx.js';

/** The media type of a batch stream over HTTP. */
export const BATCHES_MEDIA_TYPE = 'application/x-idxflow-batches';

/** The JSON header of a frame. */
export interface FrameHeader {
  /** `[n, height, width]` of the block. */
  shape: [number, number, number];
  /** Pixel type: bytes, or little-endian 32-bit floats. */
  dtype: 'uint8' | 'float32';
  /** The block's epoch. */
  epoch: number;
  /** Present when the frame carries soft labels: their width k (the body ends with n x k float32). */
  classes?: number;
}

/**
 * A byte stream that is not a well-formed sequence of frames (names the stream and the byte offset).
 *
 * ## Example
 * ```ts
 * of(new TextEncoder().encode('HTTP/1.1 200 OK')).pipe(decodeFrames('a web page')).subscribe({
 *   error: (e) => console.error(e instanceof FrameError, e.offset), // true 0: not a header length
 * });
 * ```
 */
export class FrameError extends IdxflowError {}

/**
 * The server's pipeline failed mid-stream and said why in an error frame.
 *
 * ## Example
 * ```ts
 * fromServer('http://127.0.0.1:8080/batches').subscribe({
 *   error: (e) => e instanceof RemotePipelineError && console.error('the server failed:', e.message),
 * });
 * ```
 */
export class RemotePipelineError extends IdxflowError {}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** Headers are ~60 bytes; a longer one means the stream is not frames (or is out of step). */
const MAX_HEADER_BYTES = 1 << 16;

/** The bytes of `array` in little-endian order: a view on little-endian hosts, a copy elsewhere. */
function littleEndianBytes(array: Uint8Array | Uint32Array | Float32Array): Uint8Array {
  const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
  if (LITTLE_ENDIAN || array.BYTES_PER_ELEMENT === 1) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += 4) {
    out[i] = bytes[i + 3];
    out[i + 1] = bytes[i + 2];
    out[i + 2] = bytes[i + 1];
    out[i + 3] = bytes[i];
  }
  return out;
}

/** The length prefix and JSON header of a frame. */
function frameHead(header: object): Uint8Array {
  const json = encoder.encode(JSON.stringify(header));
  const head = new Uint8Array(4 + json.length);
  new DataView(head.buffer).setUint32(0, json.length, false);
  head.set(json, 4);
  return head;
}

/**
 * Encodes a block as one frame, in parts that view the block's own arrays (no copy of the
 * pixels): write them in order, or send them as the fragments of one WebSocket message.
 *
 * @param block The block to send.
 * @returns `[length + header, images, labels, indices]`, and its soft labels last when it has them.
 *
 * ## Example
 * ```ts
 * import type { Socket } from 'node:net';
 * declare const block: Block, socket: Socket;
 * const parts = encodeFrame(block);
 * for (const part of parts) socket.write(part);
 * ```
 */
export function encodeFrame(block: Block): Uint8Array[] {
  // The frame has no section for a label matrix or class ids: serve() refuses such blocks first
  // (UnstorableFieldError, by the sink contract); a direct caller gets this.
  if (block.labelMatrix !== undefined || block.classIds !== undefined) {
    throw new BlockMismatchError({ file: 'a batch frame', expected: 'images, labels, indices and soft labels (PROTOCOL.md)', found: block.labelMatrix !== undefined ? 'a label matrix' : 'class ids' });
  }
  const [n, height, width] = block.shape;
  if (block.images.length !== n * height * width || block.labels.length !== n || block.indices.length !== n) {
    throw new BlockMismatchError(
      `Expected ${n * height * width} pixels, ${n} labels and ${n} indices for block of shape [${n}, ${height}, ${width}] ` +
        `but received ${block.images.length}, ${block.labels.length} and ${block.indices.length}`,
    );
  }
  const header: FrameHeader = {
    shape: [n, height, width],
    dtype: block.images instanceof Float32Array ? 'float32' : 'uint8',
    epoch: block.epoch,
  };
  const parts = [littleEndianBytes(block.images), block.labels, littleEndianBytes(block.indices)];
  if (block.softLabels !== undefined) {
    const classes = softLabelClasses(block);
    if (!Number.isInteger(classes) || (n > 0 && classes === 0)) {
      throw new BlockMismatchError(`Expected n * classes soft labels for a block of ${n} samples but received ${block.softLabels.length}`);
    }
    header.classes = classes;
    parts.push(littleEndianBytes(block.softLabels));
  }
  return [frameHead(header), ...parts];
}

/**
 * Encodes the error frame that ends a stream whose pipeline failed: a header
 * `{"error": message}` and no body.
 *
 * @param message What went wrong, for the client.
 *
 * ## Example
 * ```ts
 * import type { ServerResponse } from 'node:http';
 * declare const res: ServerResponse;
 * res.end(encodeErrorFrame('dataset not found'));
 * ```
 */
export function encodeErrorFrame(message: string): Uint8Array {
  return frameHead({ error: message });
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Checks a parsed header; returns a description of what is wrong, or undefined. */
function headerProblem(h: Partial<FrameHeader>): [string, string] | undefined {
  if (!Array.isArray(h.shape) || h.shape.length !== 3 || !h.shape.every(isCount)) {
    return ['three non-negative integers for shape', JSON.stringify(h.shape)];
  }
  if (h.dtype !== 'uint8' && h.dtype !== 'float32') return ['"uint8" or "float32" for dtype', JSON.stringify(h.dtype)];
  if (!isCount(h.epoch)) return ['a non-negative integer for epoch', JSON.stringify(h.epoch)];
  if (h.classes !== undefined && !(isCount(h.classes) && (h.classes > 0 || h.shape[0] === 0))) {
    return ['a positive integer for classes, when present', JSON.stringify(h.classes)];
  }
  return undefined;
}

/**
 * Decodes frames from chunks of any size, fflate-style: `push(chunk, final)` and a callback
 * per block. Each byte is copied once, into the exact-size buffer of its frame; the emitted
 * block's images and labels view that buffer.
 *
 * ## Example
 * ```ts
 * import type { Socket } from 'node:net';
 * declare const socket: Socket;
 * const decoder = new FrameDecoder((block) => console.log(block.shape));
 * socket.on('data', (chunk) => decoder.push(chunk));
 * socket.on('end', () => decoder.push(new Uint8Array(0), true));
 * ```
 */
export class FrameDecoder {
  private stage: 'length' | 'header' | 'body' = 'length';
  private target = new Uint8Array(4);
  private filled = 0;
  private header: FrameHeader | undefined;
  private offset = 0; // stream offset of target[0], for error messages

  /**
   * @param ondata Called with each block as soon as its last byte arrives.
   * @param name What the stream is (a URL), for error messages. Default `'batch stream'`.
   */
  constructor(
    private readonly ondata: (block: Block) => void,
    private readonly name = 'batch stream',
  ) {}

  /** Takes the next chunk; `final` says the stream ends after it. Throws FrameError on bad input. */
  push(chunk: Uint8Array, final = false): void {
    for (let at = 0; at < chunk.length; ) {
      const take = Math.min(this.target.length - this.filled, chunk.length - at);
      this.target.set(chunk.subarray(at, at + take), this.filled);
      this.filled += take;
      at += take;
      while (this.filled === this.target.length) this.advance(); // a 0-sample body is full at once
    }
    if (final && (this.stage !== 'length' || this.filled > 0)) {
      throw this.error(this.offset + this.filled, `the rest of a frame (${this.stage})`, 'the end of the stream');
    }
  }

  private error(offset: number, expected: string, found: string): FrameError {
    return new FrameError({ file: this.name, offset, expected, found });
  }

  /** Called when `target` is full: moves to the next part of the frame. */
  private advance(): void {
    const full = this.target;
    const offset = this.offset;
    this.offset += full.length;
    this.filled = 0;
    if (this.stage === 'length') {
      const length = new DataView(full.buffer).getUint32(0, false);
      if (length === 0 || length > MAX_HEADER_BYTES) {
        throw this.error(offset, `a header length between 1 and ${MAX_HEADER_BYTES}`, String(length));
      }
      this.stage = 'header';
      this.target = new Uint8Array(length);
    } else if (this.stage === 'header') {
      this.header = this.parseHeader(full, offset);
      this.stage = 'body';
      this.target = new Uint8Array(bodyBytes(this.header));
    } else {
      const block = blockOf(this.header!, full);
      this.stage = 'length';
      this.target = new Uint8Array(4);
      this.header = undefined;
      this.ondata(block);
    }
  }

  private parseHeader(bytes: Uint8Array, offset: number): FrameHeader {
    let header: unknown;
    try {
      header = JSON.parse(decoder.decode(bytes));
    } catch {
      const shown = JSON.stringify(String.fromCharCode(...bytes.subarray(0, 40)));
      throw this.error(offset, 'a UTF-8 JSON frame header', shown);
    }
    if (header !== null && typeof header === 'object' && typeof (header as { error?: unknown }).error === 'string') {
      throw new RemotePipelineError(`${this.name}: the server's pipeline failed: ${(header as { error: string }).error}`);
    }
    const problem =
      header !== null && typeof header === 'object' ? headerProblem(header as Partial<FrameHeader>) : ['a JSON object for the header', JSON.stringify(header)];
    if (problem) throw this.error(offset, problem[0], problem[1]);
    return header as FrameHeader;
  }
}

/** Bytes of a frame's body (images, labels, indices, soft labels) for a header. */
function bodyBytes(h: FrameHeader): number {
  const [n, height, width] = h.shape;
  return n * height * width * (h.dtype === 'float32' ? 4 : 1) + 5 * n + 4 * n * (h.classes ?? 0);
}

/** `count` little-endian float32 values from `at` in `view` (copied: the offset is rarely 4-aligned). */
function floatsAt(view: DataView, at: number, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = view.getFloat32(at + 4 * i, true);
  return out;
}

/** The block a complete frame body describes; images and labels view `body`. */
function blockOf(h: FrameHeader, body: Uint8Array): Block {
  const [n, height, width] = h.shape;
  const pixels = n * height * width;
  const imageBytes = h.dtype === 'float32' ? 4 * pixels : pixels;
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  let images: Uint8Array | Float32Array = body.subarray(0, pixels);
  if (h.dtype === 'float32') images = LITTLE_ENDIAN ? new Float32Array(body.buffer, body.byteOffset, pixels) : floatsAt(view, 0, pixels);
  const indices = new Uint32Array(n); // the offset is rarely 4-aligned: copy (4 bytes a sample)
  for (let i = 0, at = imageBytes + n; i < n; i++, at += 4) indices[i] = view.getUint32(at, true);
  const block: Block = { images, labels: body.subarray(imageBytes, imageBytes + n), indices, epoch: h.epoch, shape: [n, height, width] };
  return h.classes === undefined ? block : { ...block, softLabels: floatsAt(view, imageBytes + 5 * n, n * h.classes) };
}

/**
 * Decodes a byte stream of frames into Blocks, whatever the chunk boundaries: each block is
 * emitted as soon as its last byte arrives, inside the `next` of the chunk that completed it,
 * so holds made downstream (core's flow.ts) reach the producer of the bytes. A stream that
 * ends inside a frame, or bytes that are not frames, error with a FrameError.
 *
 * @param name What the stream is (a URL), for error messages. Default `'batch stream'`.
 *
 * ## Example
 * ```ts
 * declare const chunks: Uint8Array[]; // the bytes of a stream, as they arrive
 * from(chunks).pipe(decodeFrames()).subscribe((block) => console.log(block.shape));
 * ```
 */
export function decodeFrames(name?: string): OperatorFunction<Uint8Array, Block> {
  return (source) =>
    new Observable<Block>((subscriber) => {
      const frames = new FrameDecoder((block) => subscriber.next(block), name);
      operate(source, subscriber, {
        next: (chunk) => frames.push(chunk, false),
        complete() {
          frames.push(new Uint8Array(0), true);
          subscriber.complete();
        },
      });
    });
}
