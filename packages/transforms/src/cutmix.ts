import { type Block, map, RandomStage, type Run } from '@idxflow/core/internal';
import type { OperatorFunction } from 'rxjs';
import { BOX, mixBatch, mixSpecOf, pixelsLike, type BatchDraws, type MixOptions } from './mixing.js';

/** The pasted box `[x1, y1, x2, y2)` (columns, rows) and the share of each image it leaves. */
export interface CutBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  /** 1 - box area / image area: the weight of the sample's own label. */
  weight: number;
}

/**
 * torchvision's CutMix box (transforms/v2/_augment.py) for the weight `lambda`: a centre uniform
 * over the pixels, half-sides `int(0.5 sqrt(1 - lambda) * W)` and `... * H`, clipped to the image;
 * the weight is then recomputed from the clipped area.
 *
 * @param draws The batch's draws (the centre is read from its box counters).
 * @param lambda The Beta draw.
 * @param height Image height.
 * @param width Image width.
 *
 * ## Example
 * ```ts
 * declare const key: number; // streamKey(seed, stage, epoch, the batch's first index)
 * const draws = new BatchDraws(key);
 * const { x1, y1, x2, y2, weight } = cutBox(draws, draws.beta(1), 28, 28);
 * ```
 */
export function cutBox(draws: BatchDraws, lambda: number, height: number, width: number): CutBox {
  const cx = Math.floor(draws.uniform(BOX) * width);
  const cy = Math.floor(draws.uniform(BOX + 1) * height);
  const r = 0.5 * Math.sqrt(1 - lambda);
  const halfW = Math.trunc(r * width);
  const halfH = Math.trunc(r * height);
  const x1 = Math.max(cx - halfW, 0);
  const y1 = Math.max(cy - halfH, 0);
  const x2 = Math.min(cx + halfW, width);
  const y2 = Math.min(cy + halfH, height);
  return { x1, y1, x2, y2, weight: 1 - ((x2 - x1) * (y2 - y1)) / (width * height) };
}

/** Each image with the box `[x1, x2) x [y1, y2)` copied from its partner. */
function pasteBoxes(images: Block['images'], height: number, width: number, partner: Uint32Array, box: CutBox): Block['images'] {
  const out = pixelsLike(images);
  out.set(images);
  const size = height * width;
  for (let i = 0; i < partner.length; i++) {
    for (let y = box.y1; y < box.y2; y++) {
      const from = partner[i] * size + y * width;
      out.set(images.subarray(from + box.x1, from + box.x2), i * size + y * width + box.x1);
    }
  }
  return out;
}

/**
 * CutMix (Yun et al., "CutMix: Regularization Strategy to Train Strong Classifiers with
 * Localizable Features", ICCV 2019), batch by batch, as torchvision's `v2.CutMix`: one box per
 * batch is cut from each sample's partner (a random permutation of the batch) and pasted over
 * it, and the labels are mixed in proportion to the area: soft labels (`Block.softLabels`,
 * Float32 `n x classes`, rows summing to 1), weight `1 - box area / image area` for the sample's
 * own label. The box comes from lambda ~ Beta(alpha, alpha): see `cutBox`.
 *
 * A batch-level stage, keyed like `mixup()` (by seed, stage, epoch and the batch's first source
 * index) and counted as a random stage. Pixels are copied, never blended: bytes stay exact.
 *
 * @param options `alpha` (default 1), `classes` (default 10), `seed` (default 0), `p` (default 1).
 *
 * ## Example
 * ```ts
 * mnist().pipe(batch(128), cutmix({ alpha: 1, seed: 1 }), mixup({ alpha: 0.2, seed: 1 })); // soft labels blended twice
 * ```
 */
export function cutmix(options: MixOptions = {}): OperatorFunction<Run, Block> {
  const spec = mixSpecOf(options);
  return map((input: Run): Block =>
    mixBatch('cutmix()', RandomStage.cutmix, spec, input, (block, partner, lambda, draws) => {
      const [, height, width] = block.shape;
      const box = cutBox(draws, lambda, height, width);
      return { images: pasteBoxes(block.images, height, width, partner, box), weight: box.weight };
    }),
  );
}
