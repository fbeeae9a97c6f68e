import { type Block, map, RandomStage, type Run } from '@idxflow/core/internal';
import type { OperatorFunction } from 'rxjs';
import { mixBatch, mixSpecOf, pixelsLike, type MixOptions } from './mixing.js';

/** `weight * a + (1 - weight) * b` per pixel: Float32 as computed, bytes rounded to nearest (ties up). */
function blendPixels(images: Block['images'], size: number, partner: Uint32Array, weight: number): Block['images'] {
  const out = pixelsLike(images);
  const bytes = images instanceof Uint8Array;
  for (let i = 0; i < partner.length; i++) {
    const a = i * size;
    const b = partner[i] * size;
    for (let k = 0; k < size; k++) {
      const v = weight * images[a + k] + (1 - weight) * images[b + k];
      out[a + k] = bytes ? v + 0.5 : v; // a convex blend of bytes stays in [0, 255]; the store truncates
    }
  }
  return out;
}

/**
 * MixUp (Zhang et al., "mixup: Beyond Empirical Risk Minimization", ICLR 2018), batch by batch:
 * each sample is blended with a partner from the same batch, `lambda x_i + (1 - lambda) x_j`, and
 * so are their labels, into soft labels (`Block.softLabels`, Float32 `n x classes`, rows summing
 * to 1). One lambda per batch, drawn from Beta(alpha, alpha); the partners are a random
 * permutation of the batch.
 *
 * A batch-level stage: put it after `batch()` (its batches are the groups that mix) and after
 * `augment()`. The draws are keyed by (seed, stage, epoch, the source index of the batch's first
 * sample), so a batch mixes the same way on every run; the stage counts as a random stage
 * (`randomStages + 1`). Byte images are rounded to the nearest byte; after
 * `augment({ ..., normalize: {} })` the Float32 values are blended exactly (normalisation is
 * linear, so blending before or after it is the same). `labels` keep each sample's own label;
 * blocks that already have soft labels (after `cutmix()`) have them blended.
 *
 * Trainers that expect soft targets read `softLabels` (e.g. PyTorch's `cross_entropy` accepts
 * class probabilities as its target); the network frames, `toTensors({ oneHot: true })` and the
 * npy, npz, wds and hf exports store them, and the sinks that cannot (idx, png) refuse them
 * (`SINK_STORES` and `UnstorableFieldError` in `@idxflow/sinks`).
 *
 * @param options `alpha` (default 1), `classes` (default 10), `seed` (default 0), `p` (default 1).
 *
 * ## Example
 * ```ts
 * declare const train: (images: PixelArray, softLabels: Float32Array) => void;
 * mnist().pipe(shuffleRows({ seed: 1 }), batch(128), augment({ rotate: 10, normalize: {} }, { seed: 1 }), mixup({ alpha: 0.2, seed: 1 }))
 *   .subscribe((b) => train(b.images, b.softLabels!)); // softLabels: 128 x 10
 * ```
 */
export function mixup(options: MixOptions = {}): OperatorFunction<Run, Block> {
  const spec = mixSpecOf(options);
  return map((input: Run): Block =>
    mixBatch('mixup()', RandomStage.mixup, spec, input, (block, partner, lambda) => ({
      images: blendPixels(block.images, block.shape[1] * block.shape[2], partner, lambda),
      weight: lambda,
    })),
  );
}
