import { BlockMismatchError, checkBlock, type Block } from '@idxflow/core/internal';
import { refuseUnstored, type SinkName } from '../stores.js';

/** The element type of a block's images, as NumPy names it. */
export function dtypeOf(images: Uint8Array | Float32Array): 'uint8' | 'float32' {
  return images instanceof Float32Array ? 'float32' : 'uint8';
}

/**
 * The sample shape and dtype of an export, fixed by its first block and checked against every
 * later one: an array file has one shape and one element type. A block that disagrees (or
 * whose arrays disagree with its own shape) is a `BlockMismatchError` naming both; a block with a
 * field the sink does not store (`SINK_STORES`) is an `UnstorableFieldError`.
 */
export class ExportShape {
  private like: Block | undefined;

  /**
   * @param sink The sink, for messages (e.g. `toNpy()`).
   * @param stores The sink's name in the contract (`SINK_STORES`): what its files keep.
   */
  constructor(
    private readonly sink: string,
    private readonly stores: SinkName,
  ) {}

  /** `[height, width]`, once the first block has been seen. */
  shape: [number, number] | undefined;
  /** Element type of the first block (uint8 until one is seen). */
  dtype: 'uint8' | 'float32' = 'uint8';

  /** Records the first block's shape (returning true) or checks a later block against it. */
  first(block: Block): boolean {
    checkBlock(this.sink, block, this.like);
    refuseUnstored(this.stores, this.sink, block);
    if (block.shape[1] < 1 || block.shape[2] < 1) {
      throw new BlockMismatchError({ file: this.sink, expected: 'images of at least 1 x 1 pixels', found: `${block.shape[1]} x ${block.shape[2]}` });
    }
    if (this.like) return false;
    this.like = block;
    this.shape = [block.shape[1], block.shape[2]];
    this.dtype = dtypeOf(block.images);
    return true;
  }
}
