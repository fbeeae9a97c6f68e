// The arrays in the files of one part of a split export, as a join reads them: each part file is
// a whole IDX or NPY file (or a gzipped IDX file, or a stored zip of NPY files) with a header of
// its own, and the join needs the bytes after that header, streamed, never the whole part.
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { IdxflowError } from '@idxflow/core';

const READ_BYTES = 1 << 20;

/**
 * A part of a split export cannot be joined into the whole: a part file is missing, has another
 * size than its part manifest lists, or its header or length is not that of the part's samples.
 * Names the file, the byte offset when known, and what was expected. A join that fails leaves
 * the parts as they were and writes nothing.
 *
 * ## Example
 * ```ts
 * declare const parts: Manifest[], whole: Manifest; // the part manifests, and their merge
 * await joinParts('out/npy', parts, whole).catch((e) => {
 *   if (e instanceof PartJoinError) console.error(e.file, e.expected, e.found);
 * });
 * ```
 */
export class PartJoinError extends IdxflowError {}

/**
 * Bytes `[start, end)` of `path` in chunks of up to 1 MiB. The chunks share one buffer: use each
 * before asking for the next.
 */
export async function* fileRange(path: string, start: number, end: number): AsyncGenerator<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(Math.max(1, Math.min(READ_BYTES, end - start)));
    for (let at = start; at < end; ) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, end - at), at);
      if (bytesRead === 0) throw new PartJoinError({ file: path, offset: at, expected: `${end} bytes`, found: 'the end of the file' });
      yield buffer.subarray(0, bytesRead);
      at += bytesRead;
    }
  } finally {
    await handle.close();
  }
}

/** The decompressed bytes of the gzipped file `path`, in the chunks zlib gives. */
export async function* gunzipped(path: string): AsyncGenerator<Uint8Array> {
  const file = createReadStream(path);
  const gunzip = createGunzip();
  file.on('error', (error) => gunzip.destroy(error));
  file.pipe(gunzip);
  try {
    for await (const chunk of gunzip) yield chunk as Uint8Array;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).syscall !== undefined) throw error; // a file-system error: names its file
    throw new PartJoinError({ file: path, expected: 'a whole gzip file', found: `one that does not decompress (${(error as Error).message})` }, { cause: error });
  } finally {
    file.destroy();
    gunzip.destroy();
  }
}

/** A stream of chunks from which a header is taken first, then the rest streamed. */
class ByteReader {
  private pending: Uint8Array = new Uint8Array(0);

  constructor(private readonly chunks: AsyncIterator<Uint8Array>) {}

  /** The next `n` bytes (a copy), or fewer when the stream ends before them. */
  async take(n: number): Promise<Uint8Array> {
    const out = new Uint8Array(n);
    let got = 0;
    for (;;) {
      const use = Math.min(n - got, this.pending.length);
      out.set(this.pending.subarray(0, use), got);
      this.pending = this.pending.subarray(use);
      got += use;
      if (got === n) return out;
      const next = await this.chunks.next();
      if (next.done) return out.subarray(0, got);
      this.pending = next.value;
    }
  }

  /** What follows the bytes taken, in chunks. */
  async *rest(): AsyncGenerator<Uint8Array> {
    if (this.pending.length > 0) yield this.pending;
    this.pending = new Uint8Array(0);
    for (let next = await this.chunks.next(); !next.done; next = await this.chunks.next()) yield next.value;
  }
}

/** One array of one part: the file it is in, how to stream it, and what its header and length must be. */
export interface PartArray {
  /** The part file, for messages. */
  file: string;
  /** The array's bytes, header included (decompressed, or a zip member's). */
  bytes: () => AsyncIterable<Uint8Array>;
  /** The header the array must start with: that of the part's samples. */
  header: Uint8Array;
  /** Bytes of data after the header: the part's samples times the bytes of one. */
  dataBytes: number;
  /** Where the array starts in `file` (a zip member's offset), for messages. Default 0. */
  offset?: number;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes.subarray(0, 32)).toString('hex') + (bytes.length > 32 ? '...' : '');

/**
 * The data of a part's array (the bytes after its header), in chunks, after checking the header
 * and, at the end, the length: a part file that was truncated, replaced or edited is refused
 * (`PartJoinError`) rather than joined.
 */
export async function* dataOf(part: PartArray): AsyncGenerator<Uint8Array> {
  const base = part.offset ?? 0;
  const chunks = part.bytes()[Symbol.asyncIterator]();
  try {
    const reader = new ByteReader(chunks);
    const header = await reader.take(part.header.length);
    if (Buffer.compare(header, part.header) !== 0) {
      throw new PartJoinError({ file: part.file, offset: base, expected: `the ${part.header.length}-byte header of the part's samples (${hex(part.header)})`, found: header.length < part.header.length ? `${header.length} bytes` : hex(header) });
    }
    const length = (found: string): PartJoinError =>
      new PartJoinError({ file: part.file, offset: base + part.header.length, expected: `${part.dataBytes} bytes of samples after the header`, found });
    let seen = 0;
    for await (const chunk of reader.rest()) {
      seen += chunk.length;
      if (seen > part.dataBytes) throw length('more');
      yield chunk;
    }
    if (seen !== part.dataBytes) throw length(`${seen}`);
  } finally {
    await chunks.return?.(); // closes the part file (and its gunzip) when the join stops early
  }
}

/** A stored member of a zip: where its bytes are. */
export interface ZipEntry {
  name: string;
  /** Offset of its first byte in the archive. */
  start: number;
  size: number;
}

/**
 * The members of a stored zip as `writeStoredZip` writes them (local headers one after another
 * from byte 0, ZIP64 sizes when a size reaches 4 GiB), up to the central directory.
 */
export async function storedZipEntries(path: string, fileBytes: number): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  const handle = await open(path, 'r');
  try {
    for (let at = 0; at + 4 <= fileBytes; ) {
      const head = new Uint8Array(30);
      const { bytesRead } = await handle.read(head, 0, 30, at);
      const view = new DataView(head.buffer);
      if (bytesRead >= 4 && view.getUint32(0, true) === 0x02014b50) return entries; // the central directory
      if (bytesRead < 30 || view.getUint32(0, true) !== 0x04034b50 || view.getUint16(8, true) !== 0) {
        throw new PartJoinError({ file: path, offset: at, expected: 'a stored zip member (local header 0x04034b50, method 0), as idxflow writes', found: bytesRead < 30 ? 'the end of the file' : hex(head) });
      }
      const nameLength = view.getUint16(26, true);
      const extraLength = view.getUint16(28, true);
      const rest = new Uint8Array(nameLength + extraLength);
      await handle.read(rest, 0, rest.length, at + 30);
      let size = view.getUint32(22, true);
      if (size === 0xffffffff && extraLength >= 20) size = Number(new DataView(rest.buffer).getBigUint64(nameLength + 4, true));
      const start = at + 30 + nameLength + extraLength;
      entries.push({ name: new TextDecoder().decode(rest.subarray(0, nameLength)), start, size });
      at = start + size;
    }
  } finally {
    await handle.close();
  }
  throw new PartJoinError({ file: path, offset: fileBytes, expected: 'a zip central directory after the members', found: 'the end of the file' });
}
