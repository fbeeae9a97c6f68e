import type { Block } from '@idxflow/core';

/** The element type of a block's images, as NumPy names it. */
export function dtypeOf(images: Uint8Array | Float32Array): 'uint8' | 'float32' {
  return images instanceof Float32Array ? 'float32' : 'uint8';
}

/**
 * The sample shape and dtype of an export, fixed by its first block and checked against every
 * later one: an array file has one shape and one element type.
 */
export class ExportShape {
  /** `[height, width]`, once the first block has been seen. */
  shape: [number, number] | undefined;
  /** Element type of the first block (uint8 until one is seen). */
  dtype: 'uint8' | 'float32' = 'uint8';

  /** Records the first block's shape (returning true) or checks a later block against it. */
  first(block: Block): boolean {
    const [, h, w] = block.shape;
    const dtype = dtypeOf(block.images);
    if (!this.shape) {
      this.shape = [h, w];
      this.dtype = dtype;
      return true;
    }
    if (this.shape[0] !== h || this.shape[1] !== w || dtype !== this.dtype) {
      throw new TypeError(
        `Expected every block to hold ${this.dtype} images of ${this.shape[0]} x ${this.shape[1]} but received ${dtype} ${h} x ${w}`,
      );
    }
    return false;
  }
}
