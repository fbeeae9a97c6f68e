// What mixup() and cutmix() share: their options, the per-batch draws (the weight lambda from
// Beta(alpha, alpha), the partner of each sample), the soft labels they blend, and the batch
// step around their pixel work (mixBatch). No RxJS here.
import { checkBlock, checkRows, gatherRows, isRows, randomStagesOf, randomUniform, reusablePixels, softLabelClasses, stageTag, streamKey, validate, type Block, type Run } from '@idxflow/core/internal';
import { logGammaVariate } from './draws.js';
import { probability, received } from './ranges.js';
import { BlockMismatchError, OptionError } from '@idxflow/core';

/** Options of `mixup()` and `cutmix()`. */
export interface MixOptions {
  /** Both parameters of the Beta(alpha, alpha) distribution of the mixing weight. Default 1 (uniform), as torchvision's MixUp and CutMix. */
  alpha?: number;
  /** Number of classes: the width of the soft labels. Default 10. */
  classes?: number;
  /** Seed of the draws. Default 0. */
  seed?: number;
  /** Probability that a batch is mixed at all (else its soft labels are one-hot). Default 1. */
  p?: number;
}

/** Checked options, defaults applied. */
export interface MixSpec {
  alpha: number;
  classes: number;
  seed: number;
  p: number;
}

/** Checks `mixup()`'s or `cutmix()`'s options when the stage is built. */
export function mixSpecOf(options: MixOptions): MixSpec {
  if (typeof options !== 'object' || options === null) throw new OptionError(`Expected an object for options but received ${received(options)}`);
  const alpha = options.alpha ?? 1;
  if (typeof alpha !== 'number' || !(alpha > 0) || !Number.isFinite(alpha)) throw new OptionError(`Expected positive number for alpha but received ${received(alpha)}`);
  const classes = validate.integer('classes', options.classes ?? 10, 1, 1 << 16);
  return { alpha, classes, seed: validate.seed('seed', options.seed ?? 0), p: probability('p', options.p, 1) };
}

// Counters of a batch's stream: its chance, then the weight's draws (a rejection sampler reads
// as many as it needs, far fewer than PAIRING), then the pairing, then cutmix's box.
const CHANCE = 0;
const WEIGHT = 1;
export const PAIRING = 1 << 20;
export const BOX = 1 << 21;

/**
 * The draws of one batch for `mixup()` and `cutmix()`: whether it mixes, the weight lambda from
 * Beta(alpha, alpha) (Marsaglia and Tsang's Gamma sampler, read from a counter-based stream), and
 * the pairing. Exported so that the weight's distribution can be checked, or a trainer can
 * replay a batch's draws.
 *
 * ## Example
 * ```ts
 * declare const seed: number, epoch: number, firstIndex: number; // a batch's key
 * const draws = new BatchDraws(streamKey(seed, stageTag(RandomStage.mixup, 0), epoch, firstIndex));
 * const lambda = draws.beta(0.2);
 * const partner = draws.pairing(128);
 * ```
 */
export class BatchDraws {
  private counter = WEIGHT;

  /**
   * @param key The batch's stream: (seed, stage, epoch, source index of its first sample).
   */
  constructor(readonly key: number) {}

  /** The `counter`-th uniform of the batch's stream. */
  uniform(counter: number): number {
    return randomUniform(this.key, counter);
  }

  /** Whether the batch is mixed. */
  applies(p: number): boolean {
    return p >= 1 || (p > 0 && this.uniform(CHANCE) < p);
  }

  private readonly next = (): number => randomUniform(this.key, this.counter++);

  /** A Beta(alpha, alpha) draw, X / (X + Y) for X, Y ~ Gamma(alpha): the mixing weight lambda. */
  beta(alpha: number): number {
    const x = logGammaVariate(alpha, this.next);
    const y = logGammaVariate(alpha, this.next);
    return 1 / (1 + Math.exp(y - x));
  }

  /** The partner of each of `n` samples: a permutation (Fisher-Yates on the pairing counters). */
  pairing(n: number): Uint32Array {
    const order = Uint32Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.uniform(PAIRING + i) * (i + 1));
      const t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    return order;
  }
}

/** New pixels (recycled memory when there is some) of `images`' type and length. */
export function pixelsLike(images: Block['images']): Block['images'] {
  return images instanceof Float32Array ? reusablePixels(Float32Array, images.length) : reusablePixels(Uint8Array, images.length);
}

/** The input as a Block, checked (Rows are gathered first). */
function blockOfRun(stage: string, input: Run): Block {
  if (isRows(input)) {
    checkRows(stage, input);
    return gatherRows(input);
  }
  checkBlock(stage, input);
  return input;
}

/** The draws of `block`, keyed by (seed, the stage's tag at its random-stage count, epoch, first sample's index). */
function drawsOf(block: Block, kind: number, seed: number): BatchDraws {
  const first = block.shape[0] > 0 ? block.indices[0] : 0;
  return new BatchDraws(streamKey(seed, stageTag(kind, randomStagesOf(block)), block.epoch, first));
}

/**
 * The block's soft labels, `n * classes`: its own when it has them (mixed again), else one-hot
 * rows of its labels. Throws a BlockMismatchError for a label outside the classes, or soft labels of
 * another width.
 */
function softLabelsOf(stage: string, block: Block, classes: number): Float32Array {
  const n = block.shape[0];
  if (block.softLabels !== undefined) {
    if (n > 0 && softLabelClasses(block) !== classes) {
      throw new BlockMismatchError(`${stage}: Expected soft labels of ${classes} classes (the classes option) but received ${softLabelClasses(block)} per sample`);
    }
    return block.softLabels;
  }
  const soft = new Float32Array(n * classes);
  for (let i = 0; i < n; i++) {
    const label = block.labels[i];
    if (label >= classes) throw new BlockMismatchError(`${stage}: Expected labels below classes (${classes}) but received ${label} at sample ${i} (index ${block.indices[i]})`);
    soft[i * classes + label] = 1;
  }
  return soft;
}

/** Row i of the result: `weight` times row i of `soft` plus `1 - weight` times row `partner[i]`. */
function blendRows(soft: Float32Array, classes: number, partner: Uint32Array, weight: number): Float32Array {
  const out = new Float32Array(soft.length);
  for (let i = 0; i < partner.length; i++) {
    const a = i * classes;
    const b = partner[i] * classes;
    for (let c = 0; c < classes; c++) out[a + c] = weight * soft[a + c] + (1 - weight) * soft[b + c];
  }
  return out;
}

/** What a mixing stage does to a batch's pixels, given each sample's partner and the weight lambda. */
export type Mix = (block: Block, partner: Uint32Array, lambda: number, draws: BatchDraws) => {
  images: Block['images'];
  /** The weight of each sample's own label (lambda, or what the pixels made of it). */
  weight: number;
};

/**
 * One batch through `mixup()` or `cutmix()` (`kind`: their `RandomStage`): the input checked (Rows gathered), its soft labels
 * (one-hot rows of its labels, or its own), the batch's draws; when the batch mixes, `mix` gives
 * the pixels and the labels are blended with the same partners and weight. Counts the stage as
 * a random stage either way.
 */
export function mixBatch(stage: string, kind: number, spec: MixSpec, input: Run, mix: Mix): Block {
  const block = blockOfRun(stage, input);
  if (block.labelMatrix !== undefined || block.classIds !== undefined) {
    // Mixed pixels with unmixed findings (or class ids its soft labels cannot hold) would be wrong labels.
    throw new BlockMismatchError({ file: stage, expected: 'samples with one label each (their soft labels are mixed)', found: block.labelMatrix !== undefined ? 'a label matrix (multi-label samples)' : 'class ids past 255 (Block.classIds)' });
  }
  const n = block.shape[0];
  const soft = softLabelsOf(stage, block, spec.classes);
  const randomStages = randomStagesOf(block) + 1;
  const draws = drawsOf(block, kind, spec.seed);
  if (n === 0 || !draws.applies(spec.p)) return { ...block, softLabels: soft, randomStages };
  // The weight, the pairing and cutmix's box read counters of their own: their order is free.
  const partner = draws.pairing(n);
  const { images, weight } = mix(block, partner, draws.beta(spec.alpha), draws);
  return { ...block, images, softLabels: blendRows(soft, spec.classes, partner, weight), randomStages };
}
