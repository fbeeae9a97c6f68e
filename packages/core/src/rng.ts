/*
 * Counter-based random numbers: every draw is a pure function of
 * (seed, stage, epoch, sample index, counter), never of call order. That is what makes
 * output byte-identical whatever the block size, worker count or machine: there is no
 * generator state to thread through blocks or workers.
 *
 * The mixer is Chris Wellons' "lowbias32" integer hash (bias 0.107, found by his
 * hash-prospector), applied to the key words in turn; all arithmetic is 32-bit
 * (Math.imul, >>>) so every JavaScript engine gives the same bits.
 */

/** Stage tags keep the streams of different stages independent under one seed. */
export const RandomStage = {
  shuffle: 0x5348,
  shuffleWindow: 0x5357,
  /** `augment()`'s affine parameters. */
  augment: 0x4147,
  /** `augment()`'s elastic fields. */
  elastic: 0x454c,
  /** `augment()`'s other per-sample draws: each option's probability, flips, thickness, photometric factors, erasing. */
  pixel: 0x5058,
  /** `augment()`'s Gaussian noise, one draw per pixel. */
  noise: 0x4e5a,
  /** The automatic policies' per-sample draws (`randAugment()`, `trivialAugment()`, `autoAugment()`, `augMix()`): ops, magnitudes, signs, mixing weights. */
  policy: 0x504c,
  /** `mixup()`'s per-batch draws: the mixing weight and the pairing. */
  mixup: 0x4d58,
  /** `cutmix()`'s per-batch draws: the weight, the box and the pairing. */
  cutmix: 0x4358,
  /** `permutedTasks()`' pixel permutations, one per task. */
  permutedTasks: 0x5054,
  /** `rotatedTasks()`' angles, one per task, when no angles are given. */
  rotatedTasks: 0x5254,
  /** `splitTasks()`' class order, when a seed is given and no order. */
  splitTasks: 0x5354,
} as const;

const GOLDEN = 0x9e3779b9;

/**
 * The stage word of a stream key for the `position`-th random stage of a pipeline (0 for the
 * first), of kind `kind` (one of `RandomStage`): `kind` itself for the first, a mix of both for
 * the others, so two stages of one kind never share a stream.
 *
 * @param kind One of `RandomStage`.
 * @param position The block's `randomStages` count when the stage draws.
 *
 * ## Example
 * ```ts
 * declare const seed: number, block: Block, epoch: number, index: number;
 * const key = streamKey(seed, stageTag(RandomStage.augment, block.randomStages ?? 0), epoch, index);
 * ```
 */
export function stageTag(kind: number, position: number): number {
  return position === 0 ? kind : mix32((kind ^ Math.imul(position, GOLDEN)) >>> 0);
}

/** lowbias32: a bijective 32-bit mix with good avalanche. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/**
 * The key of one sample's random stream.
 *
 * @param seed Any safe integer; its high and low 32 bits both matter.
 * @param stage One of `RandomStage`, or any integer tag of your own stage.
 * @param epoch The pass over the data.
 * @param index The sample's index in its source (or its position, for stream stages).
 */
export function streamKey(seed: number, stage: number, epoch: number, index: number): number {
  const lo = seed >>> 0;
  const hi = Math.floor(seed / 4294967296) >>> 0;
  let h = mix32(lo ^ GOLDEN);
  h = mix32((h + hi) ^ 0x85ebca6b);
  h = mix32((h + stage) ^ 0xc2b2ae35);
  h = mix32((h + epoch) ^ 0x27d4eb2f);
  return mix32((h + index) ^ 0x165667b1);
}

/** The `counter`-th 32-bit draw of the stream `key`. */
export function randomU32(key: number, counter: number): number {
  return mix32(key ^ Math.imul(counter + 1, GOLDEN));
}

/** The `counter`-th draw of the stream `key`, uniform on [0, 1) with 32-bit resolution. */
export function randomUniform(key: number, counter: number): number {
  return randomU32(key, counter) / 4294967296;
}

/** Uniform on [min, max). */
export function randomBetween(key: number, counter: number, min: number, max: number): number {
  return min + (max - min) * randomUniform(key, counter);
}

/**
 * A permutation of `0..n-1` from (seed, stage, epoch): Fisher-Yates where the draw for
 * position `i` is the `i`-th draw of the epoch's stream, so it does not depend on how the
 * data arrived.
 */
export function permutation(n: number, seed: number, stage: number, epoch: number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const key = streamKey(seed, stage, epoch, 0);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(randomUniform(key, i) * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}
