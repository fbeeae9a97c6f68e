import { createHash, randomBytes } from 'node:crypto';
import { open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

const PARTIAL = /^\..+\.partial$/;

/**
 * Deletes temporaries left in `dir` (and its subdirectories, `depth` levels down) by an
 * export that was killed: they are the only files an interrupted run leaves, since every
 * final name appears by rename once its file is complete.
 */
export async function removeStalePartials(dir: string, depth = 1): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  let removed = 0;
  for (const entry of entries) {
    if (PARTIAL.test(entry.name)) {
      await rm(join(dir, entry.name), { force: true, recursive: true });
      removed++;
    } else if (entry.isDirectory() && depth > 0) {
      removed += await removeStalePartials(join(dir, entry.name), depth - 1);
    }
  }
  return removed;
}

/**
 * A file written under a temporary name beside its final one (`.<name>.<random>.partial`) and
 * renamed into place by `commit()`: no reader ever sees it half-written, and a crash leaves
 * only a temporary that `removeStalePartials` clears.
 */
export class AtomicFile {
  private position = 0;

  private constructor(
    readonly path: string,
    readonly temp: string,
    private readonly handle: FileHandle,
  ) {}

  /** Opens the temporary of `path` for writing. */
  static async create(path: string): Promise<AtomicFile> {
    const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
    return new AtomicFile(path, temp, await open(temp, 'w+')); // w+: commit() reads it back to hash it
  }

  /** Bytes written so far. */
  get size(): number {
    return this.position;
  }

  /** Appends `bytes`. */
  async write(bytes: Uint8Array): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, this.position + done);
      done += bytesWritten;
    }
    this.position += bytes.length;
  }

  /** Overwrites bytes already written at `at` (a header whose counts are known only at the end). */
  async patch(at: number, bytes: Uint8Array): Promise<void> {
    await this.handle.write(bytes, 0, bytes.length, at);
  }

  /** Flushes, closes and renames into place; returns the SHA-256 of the final contents. */
  async commit(): Promise<{ bytes: number; sha256: string }> {
    await this.handle.sync();
    const sha256 = await hashOpen(this.handle, this.position);
    await this.handle.close();
    await rename(this.temp, this.path);
    return { bytes: this.position, sha256 };
  }

  /** Closes the temporary without renaming it, for a caller that reads it back (then `abort()`s). */
  async close(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
  }

  /** Closes and deletes the temporary. */
  async abort(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.temp, { force: true });
  }
}

async function hashOpen(handle: FileHandle, length: number): Promise<string> {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(1 << 20);
  for (let at = 0; at < length; ) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, length - at), at);
    if (bytesRead === 0) break;
    hash.update(buffer.subarray(0, bytesRead));
    at += bytesRead;
  }
  return hash.digest('hex');
}
