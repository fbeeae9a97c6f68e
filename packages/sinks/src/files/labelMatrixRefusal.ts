// No export format holds a label matrix (ChestMNIST's 14 findings per image) yet: a block that
// carries one is refused with a typed error, never written without it.
import { BlockMismatchError, labelMatrixColumns, type Block } from '@idxflow/core/internal';
import { map, type MonoTypeOperatorFunction } from 'rxjs';

/** Passes blocks through; one with a label matrix ends the stream with a `BlockMismatchError` naming `sink`. */
export function refuseLabelMatrix<B extends Block>(sink: string): MonoTypeOperatorFunction<B> {
  return map((block) => {
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
