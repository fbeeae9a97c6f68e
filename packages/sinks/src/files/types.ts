/** One file an export wrote. */
export interface ExportedFile {
  /** Path relative to the export directory, with `/` separators. */
  name: string;
  /** Size in bytes. */
  bytes: number;
  /** SHA-256 of the contents, lower-case hex. */
  sha256: string;
}

/** What an export wrote. */
export interface ExportSummary {
  /** The export directory, as given. */
  dir: string;
  /** The files written, in the order they were completed. */
  files: ExportedFile[];
  /** Number of samples written. */
  count: number;
  /** Height and width of every image (`[0, 0]` for an empty export). */
  shape: [number, number];
  /** Element type of the images. */
  dtype: 'uint8' | 'float32';
}

/** Options every file sink takes. */
export interface FileSinkOptions {
  /** Output directory; created if missing. Required. */
  dir: string;
  /** Names the files after the split (`train-...`, `val-...`, or `t10k-...` for IDX's test split). Default `'train'`. */
  split?: 'train' | 'val' | 'test';
  /**
   * Number of samples the pipeline will produce, when known. The export fails (and removes its
   * temporaries) if the count differs; IDX and NPY headers are then written once, up front, and
   * `.gz` IDX files are compressed while streaming. Default: unknown.
   */
  expectedCount?: number;
  /** Called with the number of samples written so far, in export order. Default: none. */
  onProgress?: (written: number) => void;
  /** Aborting it stops the export, unsubscribes from the source and removes temporaries. Default: none. */
  signal?: AbortSignal;
  /**
   * The export position of the first sample, when this sink writes a later stretch of a larger
   * export (a part of an export split across machines, or the rest of an interrupted one): PNG
   * file names, WebDataset keys and shards count from it. Default 0.
   */
  position?: number;
  /**
   * A tag put in the names of the files that hold this sink's samples as a whole (the arrays of
   * `idx`, `npy`, `npz`, and `labels.csv`/`SHA256SUMS` of `png`), before their extension:
   * `train-images.part-00001-of-00003.npy`. Default: none.
   */
  tag?: string;
  /**
   * Hand each block's pixel memory back (core's `recycle()`) once it is written, for a pipeline
   * whose blocks nothing else keeps: later blocks reuse it instead of fresh memory (fewer page
   * faults and collections). Only memory the pipeline's stages made is ever taken. Default false.
   */
  recycle?: boolean;
  /** Called with each file as soon as it is complete under its final name (to journal progress). Default: none. */
  onFile?: (file: ExportedFile) => void | Promise<void>;
}
