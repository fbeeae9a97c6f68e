// The optional per-sample arrays of an array export (NPY files, NPZ members), written beside the
// images and labels when the blocks carry them: soft labels (after mixup() or cutmix()), a label
// matrix (ChestMNIST's 14 findings), class ids (Kuzushiji-Kanji's 3,832 classes) and tasks (a
// continual-learning stream's, after permutedTasks() and the like). One table
// names each one's files and element type, for the sinks, resumed runs and joined parts alike.
import { labelMatrixColumns, softLabelClasses, type Block } from '@idxflow/core/internal';
import { AtomicFile } from './atomic.js';
import { npyHeader, type NpyPair } from './npy.js';
import type { BlockWriter } from './writeBlocks.js';

// Float32 and uint16 arrays are written in the host's byte order, which the header says.
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** An optional array of a Block as an array export writes it. */
export interface ExtraArray {
  /** The Block field. */
  readonly field: 'softLabels' | 'labelMatrix' | 'classIds' | 'tasks';
  /** What it is, for messages. */
  readonly words: string;
  /** The NPY file's name after `<split>-`: `<split>-soft-labels.npy`. */
  readonly file: string;
  /** The NPZ member's name (`soft_labels.npy`); Keras' `mnist.npz` adds `_train`, `_test` before `.npy`. */
  readonly member: string;
  /** The NPY dtype (host byte order). */
  readonly descr: string;
  /** Bytes per element. */
  readonly bytes: number;
  /** Columns per sample, or undefined for a 1-D array `(n,)`. */
  readonly columns: ((block: Block) => number) | undefined;
}

/** The optional arrays, in the order they are written. */
export const EXTRA_ARRAYS: readonly ExtraArray[] = [
  { field: 'softLabels', words: 'soft labels', file: 'soft-labels.npy', member: 'soft_labels.npy', descr: HOST_LITTLE_ENDIAN ? '<f4' : '>f4', bytes: 4, columns: softLabelClasses },
  { field: 'labelMatrix', words: 'a label matrix', file: 'label-matrix.npy', member: 'label_matrix.npy', descr: '|u1', bytes: 1, columns: labelMatrixColumns },
  { field: 'classIds', words: 'class ids', file: 'class-ids.npy', member: 'class_ids.npy', descr: HOST_LITTLE_ENDIAN ? '<u2' : '>u2', bytes: 2, columns: undefined },
  { field: 'tasks', words: 'tasks', file: 'tasks.npy', member: 'tasks.npy', descr: '|u1', bytes: 1, columns: undefined },
];

/** The NPY header of an optional array of `n` samples and `columns` columns (ignored for a 1-D array). */
export function extraHeader(extra: ExtraArray, n: number, columns: number): Uint8Array {
  return npyHeader(extra.descr, extra.columns === undefined ? [n] : [n, columns]);
}

/** An optional array written, and its number of columns (0 for a 1-D array). */
export interface ExtraFile {
  readonly extra: ExtraArray;
  readonly file: AtomicFile;
  readonly columns: number;
}

/** The NPY pair, and the optional arrays the blocks had, in `EXTRA_ARRAYS`' order. */
export type NpyFiles = NpyPair & { extras: ExtraFile[] };

/**
 * Wraps the writer of an NPY pair so that blocks with optional arrays (`EXTRA_ARRAYS`) also
 * write each to an atomic file at `pathOf(extra)`: an NPY v1.0 array `(n, columns)` or `(n,)`,
 * its count patched at the end unless `expectedCount` gave it. Which arrays blocks carry is fixed
 * by the first one: the pair's writer refuses a later block that differs (`BlockMismatchError`).
 *
 * @param pair The images and labels writer (`npyPairWriter`).
 * @param pathOf Where each array goes (renamed there on commit).
 * @param expectedCount The count for the header up front, if known.
 */
export function withExtraArrays(pair: BlockWriter<NpyPair>, pathOf: (extra: ExtraArray) => string, expectedCount: number | undefined): BlockWriter<NpyFiles> {
  const headerCount = expectedCount ?? 0;
  const open = new Map<ExtraArray, { file: AtomicFile; columns: number; headed: boolean }>();
  let count = 0;
  return {
    async write(block: Block) {
      await pair.write(block);
      const n = block.shape[0];
      for (const extra of EXTRA_ARRAYS) {
        const values = block[extra.field];
        if (values === undefined) continue;
        let out = open.get(extra);
        if (out === undefined) open.set(extra, (out = { file: await AtomicFile.create(pathOf(extra)), columns: 0, headed: false }));
        if (!out.headed && n > 0) {
          out.columns = extra.columns?.(block) ?? 0;
          out.headed = true;
          await out.file.write(extraHeader(extra, headerCount, out.columns));
        }
        await out.file.write(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      }
      count += n;
    },
    async end() {
      const written = await pair.end();
      const extras: ExtraFile[] = [];
      for (const [extra, out] of open) {
        const header = extraHeader(extra, count, out.columns);
        if (!out.headed) await out.file.write(header);
        else if (count !== headerCount) await out.file.patch(0, header);
        extras.push({ extra, file: out.file, columns: out.columns });
      }
      return { ...written, extras };
    },
    async abort() {
      await Promise.all([pair.abort(), ...[...open.values()].map((out) => out.file.abort())]);
    },
  };
}
