import { basename, join } from 'node:path';
import { labelMatrixColumns, makeFolders, softLabelClasses, type Block } from '@idxflow/core/internal';
import type { Observable } from 'rxjs';
import { AtomicFile } from './atomic.js';
import { countError } from './errors.js';
import { npyDescr, npyHeader } from './npy.js';
import { ExportShape } from './exportShape.js';
import { checkSinkOptions, positiveInteger } from './options.js';
import { pngBlocks, type PngBlock } from './pngBlocks.js';
import { tarEnd, tarMemberBytes, writeTarMember } from './tar.js';
import type { ExportedFile, ExportSummary, FileSinkOptions } from './types.js';
import { writeBlocks, type BlockWriter } from './writeBlocks.js';
import { OptionError } from '@idxflow/core';

/** Options of `toWebDataset()`. */
export interface WebDatasetOptions extends FileSinkOptions {
  /** Samples per shard. Default 10,000. */
  shardSize?: number;
  /** Threads that encode the PNGs; 0 encodes on the main thread. Default 0. */
  workers?: number;
}

const encoder = new TextEncoder();

/** The name of shard `k`: `shard-000000.tar`, ... */
export function shardName(k: number): string {
  return `shard-${String(k).padStart(6, '0')}.tar`;
}

/** The `.cls` member of each label byte (and `.task.cls` of each task): the value as decimal ASCII. */
const CLASS_TEXT = Array.from({ length: 256 }, (_, label) => encoder.encode(String(label)));

/** The `.cls` text of sample `i`: its class id (`Block.classIds`, Kuzushiji-Kanji) or its label. */
const classText = (block: Block, i: number): Uint8Array => (block.classIds === undefined ? CLASS_TEXT[block.labels[i]] : encoder.encode(String(block.classIds[i])));

/**
 * A per-sample NPY member of a block's rows of `values` (`columns` each, of `descr`): an NPY v1.0
 * array `(columns,)`, sample `i`'s row; undefined for a block without them.
 */
function rowMembers(values: Float32Array | Uint8Array | undefined, columns: number, descr: string): ((i: number) => Uint8Array) | undefined {
  if (values === undefined) return undefined;
  const header = npyHeader(descr, [columns]);
  const width = columns * values.BYTES_PER_ELEMENT;
  const rows = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
  const body = new Uint8Array(header.length + width);
  body.set(header);
  return (i) => {
    body.set(rows.subarray(i * width, (i + 1) * width), header.length);
    return body;
  };
}

/** The tar members of samples `[from, to)` of a block, as one array, keys counted from `position`. */
function members(encoded: PngBlock, from: number, to: number, position: number): Uint8Array {
  const { block, pngs } = encoded;
  const soft = rowMembers(block.softLabels, softLabelClasses(block), npyDescr('float32'));
  const matrix = rowMembers(block.labelMatrix, labelMatrixColumns(block), '|u1');
  const rowBytes = (soft ? tarMemberBytes(soft(from).length) : 0) + (matrix ? tarMemberBytes(matrix(from).length) : 0);
  const { tasks } = block;
  let size = 0;
  for (let i = from; i < to; i++) size += tarMemberBytes(pngs.offsets[i + 1] - pngs.offsets[i]) + tarMemberBytes(classText(block, i).length) + rowBytes + (tasks ? tarMemberBytes(CLASS_TEXT[tasks[i]].length) : 0);
  const out = new Uint8Array(size);
  let at = 0;
  for (let i = from; i < to; i++) {
    const key = String(position + i - from).padStart(9, '0');
    at = writeTarMember(out, at, `${key}.png`, pngs.bytes.subarray(pngs.offsets[i], pngs.offsets[i + 1]));
    at = writeTarMember(out, at, `${key}.cls`, classText(block, i));
    if (soft) at = writeTarMember(out, at, `${key}.soft.npy`, soft(i));
    if (matrix) at = writeTarMember(out, at, `${key}.labels.npy`, matrix(i));
    if (tasks) at = writeTarMember(out, at, `${key}.task.cls`, CLASS_TEXT[tasks[i]]);
  }
  return out;
}

/**
 * Writes WebDataset shards `<dir>/shard-000000.tar`, ... of `shardSize` samples each. A sample is
 * two tar members sharing its key, the export position as 9 zero-padded digits: `<key>.png` (an
 * 8-bit grey PNG) and `<key>.cls` (the label as decimal ASCII, which webdataset decodes with
 * `int()`; for blocks with class ids, Kuzushiji-Kanji's, the class id); and, when the blocks
 * carry them, `<key>.soft.npy` (soft labels after `mixup()` or `cutmix()`, float32 `(classes,)`)
 * and `<key>.labels.npy` (a label matrix, ChestMNIST's findings, uint8 `(columns,)`), which
 * webdataset's `npy` decoder loads with numpy, and `<key>.task.cls` (the sample's task after
 * `permutedTasks()`, `rotatedTasks()` or `splitTasks()`, decimal ASCII, which webdataset decodes
 * with `int()` by its last extension, as the key `task.cls`). The tar files are POSIX ustar with a fixed mtime, so the same export gives the same
 * bytes, and a part of an export that starts at `position` (a multiple of `shardSize`) writes
 * exactly the shards the whole export would.
 *
 * PNGs are encoded on `workers` threads (`encodeGreyPngs` with `deflateRle`); the main thread
 * only frames and writes them. Each shard is written under a temporary name and renamed when
 * complete, then reported to `onFile`: an interrupted export leaves whole shards and one
 * temporary. Float32 blocks are rejected (PNG holds bytes).
 *
 * @param source The pipeline; uint8 blocks of one image shape.
 * @param options See `WebDatasetOptions`.
 * @returns What was written: every shard with its SHA-256.
 *
 * ## Example
 * ```ts
 * import { mnist } from '@idxflow/core';
 * import { toWebDataset } from '@idxflow/sinks';
 * await toWebDataset(mnist(), { dir: 'out/wds', shardSize: 5000, workers: 2 }); // 12 shards
 * // python: webdataset.WebDataset('out/wds/shard-{000000..000011}.tar').decode('pil').to_tuple('png', 'cls')
 * ```
 */
export async function toWebDataset(source: Observable<Block>, options: WebDatasetOptions): Promise<ExportSummary> {
  const { dir, expectedCount, onProgress, signal, position, onFile, written } = checkSinkOptions(options);
  const shardSize = positiveInteger('shardSize', options.shardSize, 10000);
  const workers = options.workers ?? 0;
  if (!Number.isInteger(workers) || workers < 0 || workers > 256) throw new OptionError(`Expected integer between 0 and 256 for workers but received ${String(workers)}`);
  if (position % shardSize !== 0) throw new OptionError(`Expected position to be a multiple of shardSize ${shardSize} but received ${position}`);
  await makeFolders(dir);
  const kind = new ExportShape('toWebDataset()', 'wds');
  const files: ExportedFile[] = [];
  let shard: AtomicFile | undefined;
  let count = 0;
  // The shard stays this writer's to abort until it is committed: a full disk at its last
  // write or its commit must not leave its temporary behind.
  const close = async (): Promise<void> => {
    if (!shard) return;
    await shard.write(tarEnd());
    const file = { name: basename(shard.path), ...(await shard.commit()) };
    shard = undefined;
    files.push(file);
    await onFile(file);
  };
  const writer: BlockWriter<void, PngBlock> = {
    async write(encoded) {
      kind.first(encoded.block);
      const n = encoded.block.shape[0];
      if (expectedCount !== undefined && count + n > expectedCount) throw countError(dir, expectedCount, count + n, true);
      for (let i = 0; i < n; ) {
        const at = position + count;
        if (at % shardSize === 0) {
          await close();
          shard = await AtomicFile.create(join(dir, shardName(at / shardSize)));
        }
        const take = Math.min(n - i, shardSize - (at % shardSize));
        await shard!.write(members(encoded, i, i + take, at));
        i += take;
        count += take;
      }
      onProgress(count);
    },
    async end() {
      if (expectedCount !== undefined && count !== expectedCount) throw countError(dir, expectedCount, count);
      await close();
    },
    async abort() {
      await shard?.abort();
    },
  };
  await writeBlocks(source.pipe(pngBlocks('toWebDataset()', workers)), writer, signal, (encoded) => written(encoded.block));
  return { dir, files, count, shape: kind.shape ?? [0, 0], dtype: 'uint8' };
}
