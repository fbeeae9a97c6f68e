import { open } from 'node:fs/promises';
import { Unzip, UnzipInflate, type UnzipFile } from 'fflate';
import type { Observable } from 'rxjs';
import { crc32 } from '../crc32.js';
import { ZipError } from '../errors.js';
import { produce } from '../operate.js';
import { integer } from '../validate.js';
import { findZipEntry, readZipDirectory, type ZipEntry } from '../zip/centralDirectory.js';
import { DEFAULT_CHUNK_SIZE, type ByteSourceOptions } from './bytes.js';

const hex = (n: number): string => '0x' + n.toString(16).padStart(8, '0');

/** An fflate streaming unzip that hands the one member it is fed to `out`, checking it against `entry`. */
function memberUnzip(path: string, entry: ZipEntry, out: Uint8Array[]): { push: (chunk: Uint8Array, final: boolean) => void; check: () => void } {
  const where = `${path}: ${entry.name}`;
  let crc = 0;
  let size = 0;
  let ended = false;
  const unzip = new Unzip((file: UnzipFile) => {
    file.ondata = (error, data, final) => {
      if (error) throw new ZipError({ file: where, offset: entry.offset, expected: `a member that inflates (method ${entry.method})`, found: error.message });
      crc = crc32(data, crc);
      size += data.length;
      if (data.length > 0) out.push(data);
      if (final) ended = true;
    };
    file.start();
  });
  unzip.register(UnzipInflate);
  return {
    push: (chunk, final) => unzip.push(chunk, final),
    check() {
      const found = `${ended ? '' : 'an unfinished member, '}${size} bytes with CRC-32 ${hex(crc)}`;
      if (!ended || size !== entry.size || crc !== entry.crc32) {
        throw new ZipError({ file: where, offset: entry.offset, expected: `${entry.size} bytes with CRC-32 ${hex(entry.crc32)}, as the central directory lists`, found });
      }
    },
  };
}

/**
 * Streams one member of a zip archive, decompressed, without extracting it and without reading
 * the rest of the archive.
 *
 * The central directory (at the end of the file) says where the member's local header starts;
 * only its bytes are read, in chunks, on demand (see `flow.ts`), and fed to fflate's streaming
 * `Unzip` (stored and deflate members). Memory stays at a chunk or two and what one chunk
 * inflates to, whatever the archive's size. The member's size and CRC-32 are checked against the
 * central directory at its end, so a corrupt or truncated member is a `ZipError`, never short
 * data. ZIP64 archives (members or offsets past 4 GiB) are read too.
 *
 * @param path The zip archive.
 * @param member Its name in the archive, or the end of it after a `/`
 *   (`emnist-letters-train-images-idx3-ubyte.gz` finds `gzip/emnist-letters-...`).
 * @param options See `ByteSourceOptions`.
 *
 * ## Example
 * ```ts
 * import { fromZipMember, gunzip } from '@idxflow/core';
 * fromZipMember('gzip.zip', 'emnist-letters-test-labels-idx1-ubyte.gz').pipe(gunzip())
 *   .subscribe((chunk) => console.log(chunk.length));
 * ```
 */
export function fromZipMember(path: string, member: string, options: ByteSourceOptions = {}): Observable<Uint8Array> {
  const chunkSize = integer('chunkSize', options.chunkSize ?? DEFAULT_CHUNK_SIZE, 1);
  const size = integer('window', options.window ?? 2, 1);
  return produce<Uint8Array>(size, async (emit, subscriber) => {
    const entries = await readZipDirectory(path);
    const entry = findZipEntry(entries, member);
    if (!entry) throw new ZipError({ file: path, expected: `a member named ${member}`, found: `${entries.length} other members (${entries.slice(0, 4).map((e) => e.name).join(', ')}${entries.length > 4 ? ', ...' : ''})` });
    const out: Uint8Array[] = [];
    const unzip = memberUnzip(path, entry, out);
    const handle = await open(path, 'r');
    try {
      for (let at = entry.offset; at < entry.end && !subscriber.closed; ) {
        const buffer = new Uint8Array(Math.min(chunkSize, entry.end - at));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, at);
        if (bytesRead === 0) throw new ZipError({ file: path, offset: at, expected: `member ${entry.name} to end at byte ${entry.end}`, found: 'the end of the file' });
        at += bytesRead;
        unzip.push(buffer.subarray(0, bytesRead), at >= entry.end);
        for (const data of out.splice(0)) await emit(data);
      }
    } finally {
      await handle.close();
    }
    if (!subscriber.closed) unzip.check();
  });
}
