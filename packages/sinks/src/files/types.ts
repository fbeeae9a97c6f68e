/** One file an export wrote. */
export interface ExportedFile {
  /** Path relative to the export directory. */
  name: string;
  bytes: number;
  sha256: string;
}

/** What an export wrote. */
export interface ExportSummary {
  dir: string;
  files: ExportedFile[];
  count: number;
  /** Height and width of every image. */
  shape: [number, number];
  dtype: 'uint8' | 'float32';
}

/** Options every file sink takes. */
export interface FileSinkOptions {
  /** Output directory; created if missing. */
  dir: string;
  /** Names the files as MNIST does: `train-...` or `t10k-...`. Default `'train'`. */
  split?: 'train' | 'test';
  /** Called with the number of images written so far. */
  onProgress?: (written: number) => void;
}

export function dtypeOf(images: Uint8Array | Float32Array): 'uint8' | 'float32' {
  return images instanceof Float32Array ? 'float32' : 'uint8';
}

/**
 * The sample shape and dtype of an export, fixed by its first block and checked against every
 * later one (an array file has one shape and one element type).
 */
export class ExportShape {
  shape: [number, number] | undefined;
  dtype: 'uint8' | 'float32' = 'uint8';

  /** Records the first block's shape (returning true) or checks a later block against it. */
  first(block: { images: Uint8Array | Float32Array; shape: readonly [number, number, number] }): boolean {
    const [, h, w] = block.shape;
    const dtype = dtypeOf(block.images);
    if (!this.shape) {
      this.shape = [h, w];
      this.dtype = dtype;
      return true;
    }
    if (this.shape[0] !== h || this.shape[1] !== w || dtype !== this.dtype) {
      throw new TypeError(`Expected every block to hold ${this.dtype} images of ${this.shape[0]} x ${this.shape[1]} but received ${dtype} ${h} x ${w}`);
    }
    return false;
  }
}
