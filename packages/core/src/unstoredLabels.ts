// The label fields that only some consumers hold: ChestMNIST's label matrix and Kuzushiji-Kanji's
// class ids. A sink that stores images and one byte a label refuses a block carrying either,
// with a typed error, rather than write it without them.
import { labelMatrixColumns, type Block } from './block.js';
import { BlockMismatchError } from './errors.js';

/**
 * Throws a `BlockMismatchError` naming `sink` when `block` carries a label matrix or class ids,
 * which a sink of images and one byte a label would lose.
 *
 * ## Example
 * ```ts
 * refuseUnstoredLabels('npz export', block); // BlockMismatchError: npz export: expected one label per sample ...
 * ```
 */
export function refuseUnstoredLabels(sink: string, block: Block): void {
  if (block.classIds !== undefined) {
    throw new BlockMismatchError({ file: sink, expected: 'labels of at most 256 classes (it stores one byte a label; class ids past 255 would be lost)', found: 'class ids (Block.classIds) of a dataset with more classes' });
  }
  if (block.labelMatrix !== undefined) {
    throw new BlockMismatchError({ file: sink, expected: 'one label per sample (it stores images and a label each; a multi-label matrix would be lost)', found: `a label matrix of ${labelMatrixColumns(block)} columns` });
  }
}
