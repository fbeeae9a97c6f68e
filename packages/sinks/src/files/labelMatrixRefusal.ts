// No export format holds a label matrix (ChestMNIST's 14 findings per image) or class ids past a
// byte (Kuzushiji-Kanji's 3,832 classes) yet: a block that carries either is refused with a typed
// error, never written without it.
import { BlockMismatchError, labelMatrixColumns, type Block } from '@idxflow/core/internal';
import { map, type MonoTypeOperatorFunction } from 'rxjs';

/** Passes blocks through; one with a label matrix or class ids ends the stream with a `BlockMismatchError` naming `sink`. */
export function refuseLabelMatrix<B extends Block>(sink: string): MonoTypeOperatorFunction<B> {
  return map((block) => {
    if (block.classIds !== undefined) {
      throw new BlockMismatchError({
        file: `${sink} export`,
        expected: 'labels of at most 256 classes (it stores one byte a label; class ids past 255 would be lost)',
        found: 'class ids (Block.classIds) of a dataset with more classes',
      });
    }
    if (block.labelMatrix !== undefined) {
      throw new BlockMismatchError({
        file: `${sink} export`,
        expected: 'one label per sample (it stores images and a label each; a multi-label matrix would be lost)',
        found: `a label matrix of ${labelMatrixColumns(block)} columns`,
      });
    }
    return block;
  });
}
