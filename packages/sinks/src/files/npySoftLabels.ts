// The soft labels of an NPY export (after mixup() or cutmix()): `<split>-soft-labels.npy`,
// float32 (n, classes), written beside the images and labels when the blocks carry them.
import { softLabelClasses, type Block } from '@idxflow/core/internal';
import { AtomicFile } from './atomic.js';
import { npyDescr, npyHeader, type NpyPair } from './npy.js';
import type { BlockWriter } from './writeBlocks.js';

/** The NPY pair, and the soft-label file when the blocks had soft labels. */
export type NpyFiles = NpyPair & { softLabels?: AtomicFile };

/**
 * Wraps the writer of an NPY pair so that blocks with soft labels also write them to an atomic
 * file at `path`: an NPY v1.0 float32 array `(n, classes)`, its count patched at the end unless
 * `expectedCount` gave it. Whether blocks have soft labels is fixed by the first one: the pair's
 * writer refuses a later block that differs (`BlockMismatchError`).
 *
 * @param pair The images and labels writer (`npyPairWriter`).
 * @param path Where the soft labels go (renamed there on commit).
 * @param expectedCount The count for the header up front, if known.
 */
export function withSoftLabels(pair: BlockWriter<NpyPair>, path: string, expectedCount: number | undefined): BlockWriter<NpyFiles> {
  const headerCount = expectedCount ?? 0;
  let file: AtomicFile | undefined;
  let classes = 0; // known from the first block with samples
  let count = 0;
  return {
    async write(block: Block) {
      await pair.write(block);
      if (block.softLabels === undefined) return;
      file ??= await AtomicFile.create(path);
      if (classes === 0 && block.shape[0] > 0) {
        classes = softLabelClasses(block);
        await file.write(npyHeader(npyDescr('float32'), [headerCount, classes]));
      }
      const soft = block.softLabels;
      await file.write(new Uint8Array(soft.buffer, soft.byteOffset, soft.byteLength));
      count += block.shape[0];
    },
    async end() {
      const written = await pair.end();
      if (file === undefined) return written;
      const header = npyHeader(npyDescr('float32'), [count, classes]);
      if (classes === 0) await file.write(header);
      else if (count !== headerCount) await file.patch(0, header);
      return { ...written, softLabels: file };
    },
    async abort() {
      await Promise.all([pair.abort(), file?.abort()]);
    },
  };
}
