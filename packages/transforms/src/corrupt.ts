import {
  BlockMismatchError,
  checkBlock,
  checkRows,
  gatherRows,
  isRows,
  reusablePixels,
  WorkerPool,
  type Block,
  type Run,
  type TaskStaging,
} from '@idxflow/core/internal';
import type { OperatorFunction } from 'rxjs';
import { pixelBlockOf, pixelJobOf, pixelStage, sharedPixelJob, type PixelJob } from './pixelStage.js';
import type { RunOptions } from './augment.js';
import { corruptImages, type CorruptJob } from './corruptions/corruptImages.js';
import { corruptSpecOf, sizeRefusal, type CorruptOptions, type CorruptSpec } from './corruptions/spec.js';

const WORKER = new URL('./corruptions/worker.js', import.meta.url);

/** The input as a Block of bytes of a size the corruption allows (Rows gathered here). */
function byteBlock(input: Run, spec: CorruptSpec): Block<Uint8Array> {
  if (isRows(input)) checkRows('corrupt()', input);
  else checkBlock('corrupt()', input);
  const block = isRows(input) ? gatherRows(input) : input;
  if (!(block.images instanceof Uint8Array)) {
    throw new BlockMismatchError({ file: 'corrupt()', expected: 'uint8 images (the recipes work on bytes: put corrupt() before normalising)', found: `float32 images (${block.images.length} values)` });
  }
  const refusal = sizeRefusal(spec.name, block.shape[1], block.shape[2]);
  if (refusal) throw new BlockMismatchError({ file: 'corrupt()', expected: refusal, found: `${block.shape[1]} x ${block.shape[2]}` });
  return block as Block<Uint8Array>;
}

// byteBlock has gathered Rows and refused Float32 images.
const jobOf = (block: Block<Uint8Array>, spec: CorruptSpec, seed: number): CorruptJob => ({ ...(pixelJobOf(block, seed) as PixelJob<Uint8Array>), spec });

const sharedJobOf = (block: Block<Uint8Array>, spec: CorruptSpec, seed: number, staging: TaskStaging): CorruptJob =>
  sharedPixelJob(block, jobOf(block, spec, seed), reusablePixels(Uint8Array, block.images.length), staging);

/**
 * One corruption of MNIST-C (Mu and Gilmer, "MNIST-C: A Robustness Benchmark for Computer
 * Vision", 2019) applied to every sample: shot and impulse noise, glass and motion blur, shear,
 * scale, rotate, brightness, translate, stripe, fog, spatter, dotted line, zigzag and Canny
 * edges, plus the recipe's other grey-image corruptions idxflow has (Gaussian and speckle
 * noise, Gaussian, zoom and defocus blur, contrast, quantize, pixelate, JPEG compression,
 * elastic transform, line, inverse). Each at severity 1 to 5 where its recipe has severities,
 * with the published generator's parameters; the default severity is the generator's default
 * (for the fifteen, the one the released dataset used). docs/mnist-c.md lists each one's
 * parameters and where idxflow differs.
 *
 * Byte images in, byte images out (the recipe's float result clipped to [0, 255] and truncated,
 * as the released uint8 files hold it). Every random draw comes from (seed, stage, epoch,
 * source index), the stage being the block's `randomStages` count: output is byte-identical
 * whatever the block size or worker count. The deterministic corruptions (inverse, stripe,
 * quantize, brightness, contrast, scale, Gaussian, zoom and defocus blur, pixelate, JPEG
 * compression, Canny edges) depend on the pixels alone;
 * shear, rotate and translate draw only their direction, which `direction` can force.
 *
 * @param options `name` (required), `severity` (default: the released one), `direction`; see `CorruptOptions`.
 * @param run Seed and worker threads, as for `augment()`; a pool must come from `corruptPool()`.
 *
 * ## Example
 * ```ts
 * import { mnist } from '@idxflow/core';
 * import { corrupt } from '@idxflow/transforms';
 * mnist({ split: 'test' }).pipe(corrupt({ name: 'fog' }, { seed: 1 })).subscribe((b) => console.log(b.shape));
 * mnist({ split: 'test' }).pipe(corrupt({ name: 'rotate', severity: 5, direction: 1 }, { workers: 2 }));
 * ```
 */
export function corrupt(options: CorruptOptions, run: RunOptions = {}): OperatorFunction<Run, Block> {
  const spec = corruptSpecOf(options);
  return pixelStage(
    {
      worker: WORKER,
      poolMaker: 'corruptPool',
      accept: (input) => byteBlock(input, spec),
      job: (block, seed) => jobOf(block, spec, seed),
      sharedJob: (block, seed, staging) => sharedJobOf(block, spec, seed, staging),
      images: corruptImages,
      blockOf: pixelBlockOf,
    },
    run,
  );
}

/**
 * A worker pool for `corrupt()` (its `pool` option), shared by several corruption streams (the
 * sixteen of an MNIST-C suite).
 *
 * @param workers Threads. Default: one less than the cores, at least 1.
 *
 * ## Example
 * ```ts
 * declare const source: Observable<Block>;
 * const pool = corruptPool(2);
 * const fogged = source.pipe(corrupt({ name: 'fog' }, { seed: 1, pool }));
 * await lastValueFrom(fogged);
 * await pool.destroy();
 * ```
 */
export function corruptPool(workers?: number): WorkerPool {
  return new WorkerPool({ filename: WORKER, workers });
}
