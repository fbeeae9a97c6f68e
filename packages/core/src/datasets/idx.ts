import { map, Observable, switchMap, toArray, zip, type OperatorFunction } from 'rxjs';
import type { Block } from '../block.js';
import { DatasetMismatchError } from '../errors.js';
import { gunzip } from '../gunzip.js';
import { decodeIdx } from '../idx/decode.js';
import type { IdxHeader, IdxRecords } from '../idx/types.js';
import { operate } from '../operate.js';
import { fromFile } from '../sources/file.js';
import { fromUrl } from '../sources/url.js';
import { DEFAULT_CHUNK_SIZE } from '../sources/bytes.js';

/** Options of `idx()`. */
export interface IdxSourceOptions {
  /** Path or http(s) URL of the images file: u8, three dimensions, raw or gzipped. */
  images: string;
  /** Path or http(s) URL of the labels file: u8, one dimension, raw or gzipped. */
  labels: string;
  /** Bytes read per chunk. Default 65,536. */
  chunkSize?: number;
}

function bytesOf(location: string, chunkSize: number): Observable<Uint8Array> {
  return /^https?:\/\//.test(location) ? fromUrl(location) : fromFile(location, { chunkSize });
}

/** The header of an IDX file: reads until it is decoded (a chunk or so), then stops reading. */
function headerOf(file: string, chunkSize: number, ndims: number): Observable<IdxHeader> {
  return new Observable<IdxHeader>((subscriber) =>
    bytesOf(file, chunkSize)
      .pipe(
        gunzip({ file }),
        decodeIdx({
          file,
          type: 'u8',
          ndims,
          onHeader(header) {
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

/** The labels, read whole: only once the headers agree, so their count is the images' count. */
function labelsOf(file: string, chunkSize: number): Observable<Uint8Array> {
  return bytesOf(file, chunkSize).pipe(
    gunzip({ file }),
    decodeIdx({ file, type: 'u8', ndims: 1 }),
    toArray(),
    map((groups) => {
      const labels = new Uint8Array(groups.reduce((n, g) => n + g.count, 0)); // what came, not what a header claims
      let at = 0;
      for (const g of groups) {
        labels.set(g.data as Uint8Array, at);
        at += g.count;
      }
      return labels;
    }),
  );
}

function toBlocks(imagesFile: string, labelsFile: string, labels: Uint8Array): OperatorFunction<IdxRecords, Block<Uint8Array>> {
  return (source) =>
    new Observable<Block<Uint8Array>>((subscriber) => {
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
 * Streams any MNIST-style pair of IDX files (images u8 `[n, h, w]`, labels u8 `[n]`, each raw
 * or gzipped) as Blocks of epoch 0.
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
  const { images, labels } = options;
  return zip(headerOf(labels, chunkSize, 1), headerOf(images, chunkSize, 3)).pipe(
    map(([labelsHeader, imagesHeader]) => {
      const count = imagesHeader.dims[0];
      if (labelsHeader.dims[0] !== count) throw mismatch(images, labels, count, labelsHeader.dims[0]);
      return count;
    }),
    switchMap(() => labelsOf(labels, chunkSize)),
    switchMap((labelValues) =>
      bytesOf(images, chunkSize).pipe(
        gunzip({ file: images }),
        decodeIdx({ file: images, type: 'u8', ndims: 3 }),
        toBlocks(images, labels, labelValues),
      ),
    ),
  );
}
