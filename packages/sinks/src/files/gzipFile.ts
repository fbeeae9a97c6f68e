import { open } from 'node:fs/promises';
import { Gzip } from 'fflate';
import { AtomicFile } from './atomic.js';

// Input reaches fflate in whole slices of this size, whatever the sizes of the writes: its
// window buffer stays at 96 KiB instead of growing to the largest block, and the compressed
// bytes depend on the contents only (fflate's output depends on where pushes start), so a
// streamed file and one gzipped at the end are identical.
const SLICE = 1 << 16;

/**
 * An atomic file whose contents are gzipped on the way to disk with fflate's streaming `Gzip`
 * (RFC 1952, level 6, MTIME 0 so that the same export gives the same bytes). Python's `gzip`,
 * zlib and torchvision read it.
 */
export class GzipFile {
  private readonly out: Uint8Array[] = [];
  private readonly slice = new Uint8Array(SLICE);
  private sliced = 0;
  private readonly gzip = new Gzip({ level: 6, mtime: 0 }, (chunk) => this.out.push(chunk));

  private constructor(readonly file: AtomicFile) {}

  /** Creates the temporary of `path`, the gzipped file's final name. */
  static async create(path: string): Promise<GzipFile> {
    return new GzipFile(await AtomicFile.create(path));
  }

  /** Compresses and appends `bytes`. */
  async write(bytes: Uint8Array): Promise<void> {
    for (let at = 0; at < bytes.length; ) {
      const take = Math.min(SLICE - this.sliced, bytes.length - at);
      this.slice.set(bytes.subarray(at, at + take), this.sliced);
      this.sliced += take;
      at += take;
      if (this.sliced === SLICE) {
        this.gzip.push(this.slice); // fflate copies it into its window before returning
        this.sliced = 0;
        await this.drain();
      }
    }
  }

  /** Ends the gzip member and renames the file into place. */
  async commit(): Promise<{ bytes: number; sha256: string }> {
    this.gzip.push(this.slice.subarray(0, this.sliced), true);
    await this.drain();
    return this.file.commit();
  }

  /** Closes and deletes the temporary. */
  abort(): Promise<void> {
    return this.file.abort();
  }

  private async drain(): Promise<void> {
    for (let chunk = this.out.shift(); chunk; chunk = this.out.shift()) await this.file.write(chunk);
  }
}

/**
 * Gzips the file at `from` into a new atomic file at `to`, reading 1 MiB at a time.
 *
 * @returns The size and SHA-256 of the gzipped file, once renamed into place.
 */
export async function gzipFile(from: string, to: string): Promise<{ bytes: number; sha256: string }> {
  const input = await open(from, 'r');
  const out = await GzipFile.create(to);
  try {
    const buffer = new Uint8Array(1 << 20);
    for (;;) {
      const { bytesRead } = await input.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      await out.write(buffer.subarray(0, bytesRead));
    }
    return await out.commit();
  } catch (error) {
    await out.abort();
    throw error;
  } finally {
    await input.close();
  }
}
