// The tasks of an NPY or NPZ export (after permutedTasks(), rotatedTasks() or splitTasks()):
// `<split>-tasks.npy` (or an NPZ's member `tasks.npy`), uint8 (n,), written beside the images
// and labels when the blocks carry them.
import type { Block } from '@idxflow/core/internal';
import { AtomicFile } from './atomic.js';
import { npyHeader } from './npy.js';
import type { BlockWriter } from './writeBlocks.js';

/**
 * Wraps a writer of NPY arrays so that blocks with tasks also write them to an atomic file at
 * `path`: an NPY v1.0 uint8 array `(n,)`, its count patched at the end unless `expectedCount`
 * gave it. The inner writer sees each block first, so a sink that refuses tasks does so before
 * anything of them is written; blocks with and without tasks are never joined (`checkBlock`).
 *
 * @param inner The images and labels (and soft labels) writer.
 * @param path Where the tasks go (renamed there on commit).
 * @param expectedCount The count for the header up front, if known.
 */
export function withTasks<T extends object>(inner: BlockWriter<T>, path: string, expectedCount: number | undefined): BlockWriter<T & { tasks?: AtomicFile }> {
  const headerCount = expectedCount ?? 0;
  let file: AtomicFile | undefined;
  let count = 0;
  return {
    async write(block: Block) {
      await inner.write(block);
      if (block.tasks === undefined) return;
      if (file === undefined) {
        file = await AtomicFile.create(path);
        await file.write(npyHeader('|u1', [headerCount]));
      }
      await file.write(new Uint8Array(block.tasks.buffer, block.tasks.byteOffset, block.tasks.byteLength));
      count += block.shape[0];
    },
    async end() {
      const written = await inner.end();
      if (file === undefined) return written;
      if (count !== headerCount) await file.patch(0, npyHeader('|u1', [count]));
      return { ...written, tasks: file };
    },
    async abort() {
      await Promise.all([inner.abort(), file?.abort()]);
    },
  };
}
