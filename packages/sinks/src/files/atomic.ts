// Atomic files: every file of an export is written under a temporary name beside its final
// one and renamed into place once complete. rename(2) within a directory is atomic, so a reader
// (or the next run) sees either the whole file or nothing, whenever the writer dies.
import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm, writeFile, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { FileChangedError, IdxflowError, InternalError, OptionError } from '@idxflow/core';

const PARTIAL = /^\.(.+)\.[0-9a-f]{12}\.partial$/;

/** Small writes are gathered up to this many bytes before they reach the disk. */
const GATHER_BYTES = 1 << 18;
/** A big file is flushed to the disk in the background every this many bytes. */
const FLUSH_BYTES = 1 << 27;

/**
 * A file-system error that names `path` (the final name, not the temporary): Node's errors from
 * a file handle (`ENOSPC: no space left on device, write`) name no file.
 */
export function withPath(error: unknown, path: string): unknown {
  if (error instanceof Error && !(error instanceof IdxflowError) && (error as NodeJS.ErrnoException).code !== undefined && !error.message.includes(path)) {
    error.message = `${error.message} (${path})`;
    (error as NodeJS.ErrnoException).path = path;
  }
  return error;
}

/** The temporary name of `path`: `.<name>.<random>.partial` in the same directory. */
export function partialPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
}

/** The final name of a temporary that `partialPath` named (`a/.b.png.0123456789ab.partial` → `a/b.png`), or undefined. */
export function finalNameOf(name: string): string | undefined {
  const slash = name.lastIndexOf('/');
  const match = PARTIAL.exec(name.slice(slash + 1));
  return match ? name.slice(0, slash + 1) + match[1] : undefined;
}


/**
 * Writes `bytes` to `path` through a temporary and a rename. Not fsynced: it serves the many
 * small files of a PNG export, where one fsync each would cost more than the encode; a crash
 * of the machine (not just the process) may leave such a file empty.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const temp = partialPath(path);
  try {
    await writeFile(temp, bytes, { flag: 'wx' });
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw withPath(error, path);
  }
}

/**
 * Writes `bytes` to `path` through an `AtomicFile`: synced and renamed into place, or removed on
 * failure. For the small files that must survive a crash of the machine (manifests, cards).
 *
 * @returns The file's size and SHA-256.
 */
export async function commitFile(path: string, bytes: Uint8Array): Promise<{ bytes: number; sha256: string }> {
  const file = await AtomicFile.create(path);
  try {
    await file.write(bytes);
    return await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  }
}

/**
 * A file written under a temporary name beside its final one and renamed into place by
 * `commit()`. Appends are gathered into large writes and hashed as they go, so the SHA-256
 * that `commit()` returns costs no second read unless a header was patched.
 *
 * Calls must not overlap: await each one (the sinks write from one queue).
 *
 * ## Example
 * ```ts
 * const file = await AtomicFile.create('out/labels.csv');
 * try {
 *   await file.write(new TextEncoder().encode('path,label\n'));
 *   const { bytes, sha256 } = await file.commit();
 * } catch (error) {
 *   await file.abort();
 *   throw error;
 * }
 * ```
 */
export class AtomicFile {
  private length = 0;
  /** Bytes written when the last background flush began, and that flush. */
  private flushedAt = 0;
  private flushing: Promise<void> | undefined;
  private pending: Uint8Array | undefined;
  private pendingBytes = 0;
  private readonly hash = createHash('sha256');
  private patched = false;
  private closed = false;

  private constructor(
    /** The final path. */
    readonly path: string,
    /** The temporary path the bytes go to until `commit()`. */
    readonly temp: string,
    private readonly handle: FileHandle,
  ) {}

  /** Creates the temporary of `path` (which must not exist yet). */
  static async create(path: string): Promise<AtomicFile> {
    const temp = partialPath(path);
    const handle = await open(temp, 'wx+').catch((error: unknown) => { // + : a patched file is read back to hash it
      throw withPath(error, path);
    });
    return new AtomicFile(path, temp, handle);
  }

  /** Bytes written so far. */
  get size(): number {
    return this.length;
  }

  /** Appends `bytes`. The caller may reuse `bytes` once the promise settles. */
  async write(bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new InternalError(`${this.temp} is closed`);
    this.hash.update(bytes);
    if (this.pendingBytes + bytes.length > GATHER_BYTES) await this.flush();
    if (bytes.length < GATHER_BYTES) {
      this.pending ??= new Uint8Array(GATHER_BYTES);
      this.pending.set(bytes, this.pendingBytes);
      this.pendingBytes += bytes.length;
      this.length += bytes.length;
      return;
    }
    await this.writeAt(bytes, this.length);
    this.length += bytes.length;
    await this.flushInBackground();
  }

  /** Overwrites bytes already written at offset `at` (a header whose count is known only at the end). */
  async patch(at: number, bytes: Uint8Array): Promise<void> {
    if (at + bytes.length > this.length) {
      throw new OptionError(`Expected a patch inside the ${this.length} bytes written but received ${bytes.length} bytes at ${at}`);
    }
    await this.flush();
    await this.writeAt(bytes, at);
    this.patched = true;
  }

  /**
   * Every `FLUSH_BYTES` written, starts a `datasync` of the file without waiting for it (the
   * previous one must have ended first): a big file reaches the disk while it is written, instead
   * of all at once in `commit()`, and never fills the kernel's dirty-page budget, past which the
   * kernel would stall every write (a 6 GB export was a fifth slower for it).
   */
  private async flushInBackground(): Promise<void> {
    if (this.length - this.flushedAt < FLUSH_BYTES) return;
    await this.flushing;
    this.flushedAt = this.length;
    this.flushing = this.handle.datasync().catch((error: unknown) => {
      throw withPath(error, this.path);
    });
    this.flushing.catch(() => undefined); // reported by the next write or by commit()
  }

  /** Flushes, fsyncs, closes and renames into place; returns the size and SHA-256 of the contents. */
  async commit(): Promise<{ bytes: number; sha256: string }> {
    await this.flush();
    await this.flushing;
    const sha256 = this.patched ? await this.rehash() : this.hash.digest('hex');
    try {
      await this.handle.sync();
      await this.close();
      await rename(this.temp, this.path);
    } catch (error) {
      throw withPath(error, this.path);
    }
    return { bytes: this.length, sha256 };
  }

  /** Flushes and closes the temporary without renaming it, for a caller that reads it back. */
  async close(): Promise<void> {
    await this.flush();
    this.closed = true;
    await this.handle.close();
  }

  /** Closes and deletes the temporary. Safe to call after any failure, and more than once. */
  async abort(): Promise<void> {
    await this.flushing?.catch(() => undefined);
    this.pending = undefined;
    this.pendingBytes = 0;
    if (!this.closed) {
      this.closed = true;
      await this.handle.close().catch(() => undefined);
    }
    await rm(this.temp, { force: true });
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const bytes = this.pending!.subarray(0, this.pendingBytes);
    await this.writeAt(bytes, this.length - this.pendingBytes);
    this.pendingBytes = 0;
  }

  private async writeAt(bytes: Uint8Array, at: number): Promise<void> {
    try {
      for (let done = 0; done < bytes.length; ) {
        const { bytesWritten } = await this.handle.write(bytes, done, bytes.length - done, at + done);
        done += bytesWritten;
      }
    } catch (error) {
      throw withPath(error, this.path);
    }
  }

  private async rehash(): Promise<string> {
    const hash = createHash('sha256');
    const buffer = new Uint8Array(1 << 20);
    for (let at = 0; at < this.length; ) {
      const { bytesRead } = await this.handle.read(buffer, 0, Math.min(buffer.length, this.length - at), at);
      if (bytesRead === 0) throw new FileChangedError({ file: this.temp, offset: at, expected: `${this.length} bytes to hash`, found: 'the end of the file' });
      hash.update(buffer.subarray(0, bytesRead));
      at += bytesRead;
    }
    return hash.digest('hex');
  }
}
