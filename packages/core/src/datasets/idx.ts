import type { OperatorFunction } from 'rxjs';
import { map, Observable as RxObservable, switchMap, toArray, zip } from '../rx.js';
import type { Observable } from 'rxjs';
import type { Block } from '../block.js';
import { DatasetMismatchError, IdxFormatError } from '../errors.js';
import { gunzip } from '../gunzip.js';
import type { InflateLimitOptions } from '../inflateLimit.js';
import { decodeIdx } from '../idx/decode.js';
import type { IdxHeader, IdxRecords } from '../idx/types.js';
import { operate } from '../operate.js';
import { fromFile } from '../sources/file.js';
import { fromUrl } from '../sources/url.js';
import { DEFAULT_CHUNK_SIZE } from '../sources/bytes.js';
import { unxz } from '../unxz.js';

/** Options of `idx()`. */
export interface IdxSourceOptions extends InflateLimitOptions {
  /** Path or http(s) URL of the images file: u8, three dimensions, raw, gzipped or xz. */
  images: string;
  /**
   * Path or http(s) URL of the labels file, raw, gzipped or xz: u8 with one dimension, or i32
   * with two (a table such as QMNIST's, whose column 0 is the label).
   */
  labels: string;
  /** Bytes read per chunk. Default 65,536. */
  chunkSize?: number;
}

/** One IDX file of a pair: its name (for messages) and a way to read its (compressed) bytes, afresh at each call. */
export interface IdxInput {
  /** Names the file in messages. */
  readonly name: string;
  /** Its bytes as stored (raw, gzipped or xz), read afresh at each call. */
  readonly bytes: () => Observable<Uint8Array>;
}

/** What a published dataset's split holds: a file that announces more, or other image sizes, is refused at its header. */
export interface PublishedShape {
  /** The dataset and split, for messages (`EMNIST digits train`). */
  readonly name: string;
  /** Samples of the split as published: the most a file may announce. */
  readonly count: number;
  /** Image height, in pixels. */
  readonly height: number;
  /** Image width, in pixels. */
  readonly width: number;
}

/** Options of `idxPair()`. */
export interface IdxPairOptions extends InflateLimitOptions {
  /** A named dataset's published shape, checked against both headers before anything else is read. */
  published?: PublishedShape;
}

function decoded(input: IdxInput, options: InflateLimitOptions): Observable<Uint8Array> {
  return input.bytes().pipe(gunzip({ file: input.name, maxInflateRatio: options.maxInflateRatio }), unxz({ file: input.name, maxInflateRatio: options.maxInflateRatio }));
}

/** Refuses a header announcing more samples than the dataset publishes, or images of another size. */
function checkPublished(file: string, header: IdxHeader, published: PublishedShape | undefined, images: boolean): void {
  if (!published) return;
  const [count, ...rest] = header.dims;
  const size = images ? ` of ${published.height} x ${published.width}` : '';
  if (count > published.count || (images && (rest[0] !== published.height || rest[1] !== published.width))) {
    throw new IdxFormatError({ file, offset: 4, expected: `at most ${published.count} ${images ? 'images' : 'labels'}${size} (${published.name} as published)`, found: `${count}${images ? ` of ${rest.join(' x ')}` : ''}` });
  }
}

/** The header of an IDX file: reads until it is decoded (a chunk or so), then stops reading. */
function headerOf(input: IdxInput, images: boolean, options: IdxPairOptions): Observable<IdxHeader> {
  return new RxObservable<IdxHeader>((subscriber) =>
    decoded(input, options)
      .pipe(
        decodeIdx({
          file: input.name,
          ...(images ? { type: 'u8' as const, ndims: 3 } : {}),
          onHeader(header) {
            checkPublished(input.name, header, options.published, images);
            subscriber.next(header);
            subscriber.complete(); // unsubscribes: the file is read no further
          },
        }),
      )
      .subscribe({ error: (error: unknown) => subscriber.error(error) }),
  );
}

function mismatch(imagesFile: string, labelsFile: string, images: number, labels: number): DatasetMismatchError {
  return new DatasetMismatchError({
    file: `${imagesFile} and ${labelsFile}`,
    expected: `as many images as labels (${labels} labels)`,
    found: `${images} images`,
  });
}

function checkLabelsHeader(file: string, header: IdxHeader): void {
  const table = header.type === 'i32' && header.dims.length === 2 && header.dims[1] >= 1;
  if (!table && !(header.type === 'u8' && header.dims.length === 1)) {
    throw new IdxFormatError({ file, offset: 2, expected: 'labels: u8 with 1 dimension, or an i32 table (n, columns) whose column 0 is the label', found: `${header.type} with dims ${header.dims.join(' x ')}` });
  }
}

/** Column 0 of a decoded label file as bytes; a value outside 0-255 is an `IdxFormatError`. */
function labelColumn(file: string, groups: IdxRecords[]): Uint8Array {
  const count = groups.reduce((n, g) => n + g.count, 0); // what came, not what a header claims
  const labels = new Uint8Array(count);
  for (const { header, first, count: n, data } of groups) {
    const width = header.dims.length === 2 ? header.dims[1] : 1;
    for (let i = 0; i < n; i++) {
      const value = data[i * width];
      if (value < 0 || value > 255) throw new IdxFormatError({ file, offset: header.headerBytes + (first + i) * header.recordBytes, expected: `a label from 0 to 255 in column 0 of record ${first + i}`, found: String(value) });
      labels[first + i] = value;
    }
  }
  return labels;
}

/** The labels, read whole: only once the headers agree, so their count is the images' count. */
function labelsOf(input: IdxInput, options: InflateLimitOptions): Observable<Uint8Array> {
  return decoded(input, options).pipe(decodeIdx({ file: input.name }), toArray(), map((groups) => labelColumn(input.name, groups)));
}

function toBlocks(imagesFile: string, labelsFile: string, labels: Uint8Array): OperatorFunction<IdxRecords, Block<Uint8Array>> {
  return (source) =>
    new RxObservable<Block<Uint8Array>>((subscriber) => {
      // The headers were compared before; this guards against a file changed since.
      let checked = false;
      const check = (count: number): void => {
        if (count !== labels.length) throw mismatch(imagesFile, labelsFile, count, labels.length);
        checked = true;
      };
      return operate(source, subscriber, {
        next({ header, first, count, data }) {
          if (!checked) check(header.dims[0]);
          const indices = new Uint32Array(count);
          for (let i = 0; i < count; i++) indices[i] = first + i;
          subscriber.next({
            images: data as Uint8Array,
            labels: labels.subarray(first, first + count),
            indices,
            epoch: 0,
            shape: [count, header.dims[1], header.dims[2]],
          });
        },
        complete() {
          if (!checked) check(0);
          subscriber.complete();
        },
      });
    });
}

/**
 * Streams a pair of IDX files read from any byte source (a file, a URL, a zip member) as Blocks
 * of epoch 0; see `idx()`, which is this for paths and URLs.
 *
 * @param images The images file: u8 `[n, h, w]`, raw, gzipped or xz.
 * @param labels The labels file: u8 `[n]`, or an i32 table `[n, k]` whose column 0 is the label.
 * @param options See `IdxPairOptions`: `maxInflateRatio` for gunzip, a named dataset's `published` shape.
 *
 * ## Example
 * ```ts
 * import { fromZipMember } from '@idxflow/core';
 * const member = (name: string) => ({ name, bytes: () => fromZipMember('gzip.zip', name) });
 * idxPair(member('emnist-digits-test-images-idx3-ubyte.gz'), member('emnist-digits-test-labels-idx1-ubyte.gz'));
 * ```
 */
export function idxPair(images: IdxInput, labels: IdxInput, options: IdxPairOptions = {}): Observable<Block<Uint8Array>> {
  return zip(headerOf(labels, false, options), headerOf(images, true, options)).pipe(
    map(([labelsHeader, imagesHeader]) => {
      checkLabelsHeader(labels.name, labelsHeader);
      const count = imagesHeader.dims[0];
      if (labelsHeader.dims[0] !== count) throw mismatch(images.name, labels.name, count, labelsHeader.dims[0]);
      return count;
    }),
    switchMap(() => labelsOf(labels, options)),
    switchMap((labelValues) => decoded(images, options).pipe(decodeIdx({ file: images.name, type: 'u8', ndims: 3 }), toBlocks(images.name, labels.name, labelValues))),
  );
}

/** A path or http(s) URL as an `IdxInput`. */
export function idxInput(location: string, chunkSize = DEFAULT_CHUNK_SIZE): IdxInput {
  return { name: location, bytes: () => (/^https?:\/\//.test(location) ? fromUrl(location) : fromFile(location, { chunkSize })) };
}

/**
 * Streams any MNIST-style pair of IDX files (images u8 `[n, h, w]`, labels u8 `[n]` or an i32
 * table `[n, k]` whose column 0 is the label; each raw, gzipped or xz) as Blocks of epoch 0.
 *
 * Both headers are read first, and a pair whose counts differ fails with
 * `DatasetMismatchError` before either file is read further. The labels (one byte a sample)
 * are then read whole; the images stream chunk by chunk, on demand, so memory stays near one
 * chunk whatever the file size. Blocks follow the input's chunking; use `batch()` for fixed
 * sizes.
 *
 * @param options See `IdxSourceOptions`.
 *
 * ## Example
 * ```ts
 * import { idx, batch } from '@idxflow/core';
 * idx({ images: 'data/train-images-idx3-ubyte.gz', labels: 'data/train-labels-idx1-ubyte.gz' })
 *   .pipe(batch(128))
 *   .subscribe((b) => console.log(b.shape));
 * ```
 */
export function idx(options: IdxSourceOptions): Observable<Block<Uint8Array>> {
  const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  return idxPair(idxInput(options.images, chunkSize), idxInput(options.labels, chunkSize), { maxInflateRatio: options.maxInflateRatio });
}
