import { open, type FileHandle } from 'node:fs/promises';
import type { Observable } from 'rxjs';
import { ZipError } from '../errors.js';
import { inflateCeiling, inflateLimitError, inflateRatioOf, type InflateLimitOptions } from '../inflateLimit.js';
import { produce } from '../operate.js';
import { integer } from '../validate.js';
import { findZipEntry, readZipDirectory, type ZipEntry } from '../zip/centralDirectory.js';
import { MemberDecoder } from '../zip/memberDecoder.js';
import { DEFAULT_CHUNK_SIZE, type ByteSourceOptions } from './bytes.js';

/** Options of `fromZipMember()`. */
export interface ZipMemberOptions extends ByteSourceOptions, InflateLimitOptions {}

const LOCAL = 0x04034b50;

/** Where the member's data starts and ends, from its local header (APPNOTE 4.3.7), checked to fit before the next record. */
async function dataBounds(handle: FileHandle, path: string, entry: ZipEntry): Promise<{ start: number; end: number }> {
  const where = `${path}: ${entry.name}`;
  const local = new Uint8Array(30);
  const { bytesRead } = await handle.read(local, 0, 30, entry.offset);
  const view = new DataView(local.buffer);
  if (bytesRead < 30 || view.getUint32(0, true) !== LOCAL) {
    throw new ZipError({ file: where, offset: entry.offset, expected: 'a local file header (0x04034b50) where the central directory points', found: bytesRead < 30 ? 'the end of the file' : `0x${view.getUint32(0, true).toString(16).padStart(8, '0')}` });
  }
  if (view.getUint16(6, true) & 1) throw new ZipError({ file: where, offset: entry.offset + 6, expected: 'an unencrypted member', found: 'an encrypted one' });
  const start = entry.offset + 30 + view.getUint16(26, true) + view.getUint16(28, true);
  const end = start + entry.compressedSize;
  if (end > entry.end) throw new ZipError({ file: where, offset: start, expected: `${entry.compressedSize} compressed bytes before the next record at byte ${entry.end}`, found: `${entry.end - start} bytes` });
  return { start, end };
}

/**
 * Streams one member of a zip archive, decompressed, without extracting it and without reading
 * the rest of the archive.
 *
 * The central directory (at the end of the file) says where the member's local header starts;
 * only its data is read, in chunks, on demand (see `flow.ts`), and inflated by gunzip's own
 * inflater (stored and deflate members, checked as zlib checks them). Memory stays at a chunk or
 * two and what one chunk inflates to, whatever the archive's size. The member may inflate to no
 * more than its directory entry lists (a member that goes on is a `ZipError` at once, not once
 * its bytes are spent), nor more than `maxInflateRatio` times its compressed size (an
 * `InflateLimitError` before anything is inflated); its size and CRC-32 are checked at its end,
 * so a corrupt or truncated member is a `ZipError` naming the archive and the member, never
 * short data. ZIP64 archives (members or offsets past 4 GiB) are read too.
 *
 * @param path The zip archive.
 * @param member Its name in the archive, or the end of it after a `/`
 *   (`emnist-letters-train-images-idx3-ubyte.gz` finds `gzip/emnist-letters-...`).
 * @param options See `ZipMemberOptions`: chunk size, window and `maxInflateRatio` (default 100).
 *
 * ## Example
 * ```ts
 * import { fromZipMember, gunzip } from '@idxflow/core';
 * fromZipMember('gzip.zip', 'emnist-letters-test-labels-idx1-ubyte.gz').pipe(gunzip())
 *   .subscribe((chunk) => console.log(chunk.length));
 * ```
 */
export function fromZipMember(path: string, member: string, options: ZipMemberOptions = {}): Observable<Uint8Array> {
  const chunkSize = integer('chunkSize', options.chunkSize ?? DEFAULT_CHUNK_SIZE, 1);
  const size = integer('window', options.window ?? 2, 1);
  const ratio = inflateRatioOf(options);
  return produce<Uint8Array>(size, async (emit, subscriber) => {
    const entries = await readZipDirectory(path);
    const entry = findZipEntry(entries, member);
    if (!entry) throw new ZipError({ file: path, expected: `a member named ${member}`, found: `${entries.length} other members (${entries.slice(0, 4).map((e) => e.name).join(', ')}${entries.length > 4 ? ', ...' : ''})` });
    const where = `${path}: ${entry.name}`;
    if (entry.size > inflateCeiling(entry.compressedSize, ratio)) throw inflateLimitError({ file: where, offset: entry.offset }, entry.compressedSize, entry.size, ratio);
    const out: Uint8Array[] = [];
    const decoder = new MemberDecoder(where, entry, out);
    const handle = await open(path, 'r');
    try {
      const { start, end } = await dataBounds(handle, path, entry);
      for (let at = start; at < end && !subscriber.closed; ) {
        const buffer = new Uint8Array(Math.min(chunkSize, end - at));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
        if (bytesRead === 0) throw new ZipError({ file: where, offset: at, expected: `the member's data to end at byte ${end}`, found: 'the end of the file' });
        decoder.push(buffer.subarray(0, bytesRead), at);
        at += bytesRead;
        for (const data of out.splice(0)) await emit(data);
      }
    } finally {
      await handle.close();
    }
    if (!subscriber.closed) decoder.end();
  });
}
