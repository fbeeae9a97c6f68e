import type { Observable } from 'rxjs';
import { lastValueFrom, toArray } from './rx.js';
import { checkBlock, joinBlocks, type Block, type PixelArray } from './block.js';
import { BlockMismatchError } from './errors.js';

/**
 * Reads a whole source into one Block, in shared memory: data to keep and replay, such as a
 * dataset that a server streams to many clients (`of(block).pipe(shuffleRows(...), ...)` per
 * client copies nothing: every client's epoch is this block, which worker threads read in place).
 *
 * @param source A finite source of blocks of one sample shape (a dataset source, say).
 * @param options `name` names the source (its file, say) in the error for a source with no
 *   samples (default `'loadBlock()'`).
 * @returns One block of every sample, epoch 0.
 * @throws BlockMismatchError for a source of no samples (a file of zero records), naming it.
 *
 * ## Example
 * ```ts
 * const train = await loadBlock(mnist({ split: 'train' }));
 * console.log(train.shape); // [60000, 28, 28]
 * ```
 */
export async function loadBlock<P extends PixelArray>(source: Observable<Block<P>>, options: { name?: string } = {}): Promise<Block<P>> {
  const blocks = await lastValueFrom(source.pipe(toArray()));
  if (blocks.length === 0) throw new BlockMismatchError({ file: options.name ?? 'loadBlock()', expected: 'at least one sample', found: 'none (an empty source: a file of zero records?)' });
  blocks.forEach((block) => checkBlock('loadBlock()', block, blocks[0]));
  return joinBlocks(blocks, { ...blocks[0], epoch: 0 });
}
