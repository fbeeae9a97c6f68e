// No export format holds a label matrix (ChestMNIST's 14 findings per image) or class ids past a
// byte (Kuzushiji-Kanji's 3,832 classes) yet: a block that carries either is refused with a typed
// error, never written without it.
import { refuseUnstoredLabels, type Block } from '@idxflow/core/internal';
import { map, type MonoTypeOperatorFunction } from 'rxjs';

/** Passes blocks through; one with a label matrix or class ids ends the stream with a `BlockMismatchError` naming the `format` export. */
export function refuseLabelMatrix<B extends Block>(format: string): MonoTypeOperatorFunction<B> {
  return map((block) => {
    refuseUnstoredLabels(`${format} export`, block);
    return block;
  });
}
