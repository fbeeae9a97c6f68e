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
