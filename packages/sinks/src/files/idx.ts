import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { idxBody, idxHeader, makeFolders, type Block, type IdxType } from '@idxflow/core/internal';
import type { Observable } from 'rxjs';
import { AtomicFile } from './atomic.js';
import { countError } from './errors.js';
import { ExportShape } from './exportShape.js';
import { GzipFile, gzipFile } from './gzipFile.js';
import { checkSinkOptions, taggedName } from './options.js';
import type { ExportedFile, ExportSummary, FileSinkOptions } from './types.js';
import { writeBlocks } from './writeBlocks.js';
import { OptionError } from '@idxflow/core';

/** Options of `toIdx()`. */
export interface IdxSinkOptions extends FileSinkOptions {
  /** Gzip the files (`.gz`), as the MNIST mirrors publish them. Default false. */
  gzip?: boolean;
}

/**
 * MNIST's file names for a split (`train-images-idx3-ubyte`, `t10k-labels-idx1-ubyte.gz`, ...):
 * what torchvision's `MNIST` raw folder and Keras-style loaders look for.
 */
export function mnistFileNames(split: 'train' | 'val' | 'test', gzip: boolean): { images: string; labels: string } {
  const prefix = split === 'test' ? 't10k' : split; // MedMNIST's val: val-images-idx3-ubyte
  const gz = gzip ? '.gz' : '';
  return { images: `${prefix}-images-idx3-ubyte${gz}`, labels: `${prefix}-labels-idx1-ubyte${gz}` };
}

function bigEndian32(value: number): Uint8Array {
  const bytes = new Uint8Array(4);
  new DataView(bytes.buffer).setUint32(0, value, false);
  return bytes;
}

/**
 * One IDX file being written. Its header holds `expectedCount` (or 0 when unknown) and is
 * patched at the end if the count differs. A gzipped file with a known count is compressed
 * while streaming; with an unknown count the raw file is written first (its header cannot be
 * patched once compressed) and gzipped at the end.
 */
class IdxOutput {
  private constructor(
    private readonly path: string,
    private readonly sink: AtomicFile | GzipFile,
    private readonly headerCount: number,
    private readonly gzipAtEnd: boolean,
  ) {}

  static async create(path: string, gzip: boolean, expectedCount: number | undefined): Promise<IdxOutput> {
    if (gzip && expectedCount !== undefined) return new IdxOutput(path, await GzipFile.create(path), expectedCount, false);
    const raw = gzip ? path.slice(0, -'.gz'.length) : path;
    return new IdxOutput(path, await AtomicFile.create(raw), expectedCount ?? 0, gzip);
  }

  /** Writes the header: `dims` with the first (the count) replaced by the header's count. */
  header(type: IdxType, dims: readonly number[]): Promise<void> {
    return this.sink.write(idxHeader(type, [this.headerCount, ...dims.slice(1)]));
  }

  write(bytes: Uint8Array): Promise<void> {
    return this.sink.write(bytes);
  }

  /** Completes the file for `count` records and renames it into place. */
  async finish(count: number): Promise<{ bytes: number; sha256: string }> {
    if (this.sink instanceof GzipFile) return this.sink.commit(); // the count was checked: the header holds it
    if (count !== this.headerCount) await this.sink.patch(4, bigEndian32(count));
    if (!this.gzipAtEnd) return this.sink.commit();
    await this.sink.close();
    try {
      return await gzipFile(this.sink.temp, this.path);
    } finally {
      await rm(this.sink.temp, { force: true });
    }
  }

  abort(): Promise<void> {
    return this.sink.abort();
  }
}

/**
 * Writes a pipeline as an IDX pair named as MNIST names it (`train-images-idx3-ubyte`,
 * `train-labels-idx1-ubyte`, or `t10k-...` for the test split; `.gz` when gzipped), so MNIST
 * loaders read the export unchanged.
 *
 * Byte images give IDX type 0x08, Float32 images (after `normalize()`) type 0x0D, big-endian as
 * the format requires. The record count is known only at the end: it is patched into the raw
 * header, or, for `.gz`, written up front when `expectedCount` is given (and then checked).
 * Files appear under their final names only when complete.
 *
 * @param source The pipeline; every block must have the same image shape and pixel type.
 * @param options See `IdxSinkOptions`.
 * @returns What was written, with the SHA-256 of each file.
 *
 * ## Example
 * ```ts
 * import { mnist } from '@idxflow/core';
 * import { toIdx } from '@idxflow/sinks';
 * await toIdx(mnist({ split: 'test' }), { dir: 'out/mnist', split: 'test', gzip: true, expectedCount: 10000 });
 * ```
 */
export async function toIdx(source: Observable<Block>, options: IdxSinkOptions): Promise<ExportSummary> {
  const { dir, split, expectedCount, onProgress, signal, tag, onFile, written } = checkSinkOptions(options);
  const gzip = options.gzip ?? false;
  if (typeof gzip !== 'boolean') throw new OptionError(`Expected a boolean for gzip but received ${String(gzip)} of type ${typeof gzip}`);
  await makeFolders(dir);
  const mnistNames = mnistFileNames(split, gzip);
  const names = { images: taggedName(mnistNames.images, tag), labels: taggedName(mnistNames.labels, tag) };
  const images = await IdxOutput.create(join(dir, names.images), gzip, expectedCount);
  const labels = await IdxOutput.create(join(dir, names.labels), gzip, expectedCount).catch(async (error: unknown) => {
    await images.abort();
    throw error;
  });
  const kind = new ExportShape('toIdx()', gzip ? 'idx.gz' : 'idx');
  let count = 0;
  return writeBlocks(
    source,
    {
      async write(block) {
        const [n, h, w] = block.shape;
        if (expectedCount !== undefined && count + n > expectedCount) throw countError(join(dir, names.images), expectedCount, count + n, true);
        if (kind.first(block)) {
          await images.header(kind.dtype === 'uint8' ? 'u8' : 'f32', [n, h, w]);
          await labels.header('u8', [n]);
        }
        await images.write(idxBody(block.images));
        await labels.write(block.labels);
        count += n;
        onProgress(count);
      },
      async end() {
        if (expectedCount !== undefined && count !== expectedCount) throw countError(join(dir, names.images), expectedCount, count);
        if (!kind.shape) {
          // An empty pipeline still gives well-formed files of 0 records.
          await images.header('u8', [0, 0, 0]);
          await labels.header('u8', [0]);
        }
        const files: ExportedFile[] = [];
        files.push({ name: names.images, ...(await images.finish(count)) });
        files.push({ name: names.labels, ...(await labels.finish(count)) });
        for (const file of files) await onFile(file);
        return { dir, files, count, shape: kind.shape ?? [0, 0], dtype: kind.dtype };
      },
      async abort() {
        await Promise.all([images.abort(), labels.abort()]);
      },
    },
    signal,
    written,
  );
}
