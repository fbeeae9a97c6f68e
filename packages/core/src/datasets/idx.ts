import { defer, from, lastValueFrom, Observable, switchMap, toArray, type OperatorFunction } from 'rxjs';
import type { Block } from '../block.js';
import { DatasetMismatchError } from '../errors.js';
import { gunzip } from '../gunzip.js';
import { decodeIdx } from '../idx/decode.js';
import type { IdxRecords } from '../idx/types.js';
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

async function readLabels(file: string, chunkSize: number): Promise<Uint8Array> {
  const groups = await lastValueFrom(
    bytesOf(file, chunkSize).pipe(gunzip({ file }), decodeIdx({ file, type: 'u8', ndims: 1 }), toArray()),
  );
  const labels = new Uint8Array(groups.reduce((n, g) => n + g.count, 0));
  let at = 0;
  for (const g of groups) {
    labels.set(g.data as Uint8Array, at);
    at += g.count;
  }
  return labels;
}

function toBlocks(imagesFile: string, labelsFile: string, labels: Uint8Array): OperatorFunction<IdxRecords, Block<Uint8Array>> {
  return (source) =>
    new Observable<Block<Uint8Array>>((subscriber) => {
      let checked = false;
      const check = (count: number): boolean => {
        if (count === labels.length) return (checked = true);
        subscriber.error(
          new DatasetMismatchError({
            file: `${imagesFile} and ${labelsFile}`,
            expected: `as many images as labels (${labels.length} labels)`,
            found: `${count} images`,
          }),
        );
        return false;
      };
      return source.subscribe({
        next({ header, first, count, data }) {
          if (!checked && !check(header.dims[0])) return;
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
        error: (error) => subscriber.error(error),
        complete() {
          if (checked || check(0)) subscriber.complete();
        },
      });
    });
}

/**
 * Streams any MNIST-style pair of IDX files (images u8 `[n, h, w]`, labels u8 `[n]`, each raw
 * or gzipped) as Blocks of epoch 0.
 *
 * The labels (one byte a sample) are read first; the images then stream chunk by chunk, on
 * demand, so memory stays near one chunk whatever the file size. Blocks follow the input's
 * chunking; use `batch()` for fixed sizes.
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
  return defer(() => from(readLabels(labels, chunkSize))).pipe(
    switchMap((labelValues) =>
      bytesOf(images, chunkSize).pipe(
        gunzip({ file: images }),
        decodeIdx({ file: images, type: 'u8', ndims: 3 }),
        toBlocks(images, labels, labelValues),
      ),
    ),
  );
}

