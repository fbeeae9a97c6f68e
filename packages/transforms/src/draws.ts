// Which counter of a sample's RandomStage.pixel stream each option reads. Every option owns a
// fixed slice, so adding an option (or a parameter) never changes the draws of the others, and
// options that existed before this stream keep their own streams (RandomStage.augment and
// .elastic) untouched.
import { randomBetween, randomUniform } from '@idxflow/core/internal';

/** Counters of the pixel stream: a probability draw, then the option's own draws. */
export const PIXEL_DRAWS = {
  /** Whether rotate, shift, scale, shear and shearY apply: counters 0 to 4. */
  affineChance: 0,
  flipHorizontal: 5,
  flipVertical: 6,
  elasticChance: 7,
  /** Chance, then radius. */
  thickness: 8,
  /** Chance, then factor. */
  brightness: 16,
  contrast: 24,
  gamma: 32,
  /** Chance, then sigma (the per-pixel draws have a stream of their own, RandomStage.noise). */
  noise: 40,
  /** Chance, then four draws per attempt (ERASE_ATTEMPTS of them): counters 48 to 88. */
  erase: 48,
  /** Chance, then sigma. */
  blur: 96,
  /** Chance, then factor. */
  sharpness: 104,
  /** Chance, then bits. */
  posterize: 112,
  /** Chance, then threshold. */
  solarize: 120,
  /** Chance. */
  autocontrast: 128,
  equalize: 136,
  invert: 144,
  /** Chance, then two draws per try (area share, log ratio) for RESIZED_CROP_TRIES tries, then top and left: counters 152 to 174. */
  resizedCrop: 152,
  /** Chance, then the eight corner coordinates in torchvision's order: counters 176 to 184. */
  perspective: 176,
} as const;

/** Whether a step of probability `p` applies to the sample: the `counter`-th draw of `key` is below `p` (no draw needed for 0 or 1). */
export function applies(key: number, counter: number, p: number): boolean {
  return p >= 1 || (p > 0 && randomUniform(key, counter) < p);
}

/** An option's value for this sample, uniform in `range`: draw `counter + 1` of its slice. */
export function valueDraw(key: number, counter: number, range: readonly [number, number]): number {
  return randomBetween(key, counter + 1, range[0], range[1]);
}

/** An option's value for this sample if its chance (draw `counter`) comes up, else `neutral`. */
export function drawnValue(key: number, counter: number, drawn: { range: [number, number]; p: number }, neutral: number): number {
  return applies(key, counter, drawn.p) ? valueDraw(key, counter, drawn.range) : neutral;
}

/** An integer for this sample, uniform over the integers of `range` (draw `counter + 1`). */
export function integerDraw(key: number, counter: number, range: readonly [number, number]): number {
  const [low, high] = range;
  return Math.min(high, low + Math.floor(randomUniform(key, counter + 1) * (high - low + 1)));
}

/**
 * The logarithm of a Gamma(alpha, 1) variate, from the uniforms on [0, 1) that `next` reads one
 * after another: Marsaglia and Tsang's method ("A simple method for generating gamma variables",
 * ACM TOMS 26(3), 2000) with its squeeze for alpha >= 1, normals by Box-Muller; for alpha < 1,
 * Gamma(alpha + 1) * U^(1 / alpha) (their section 6), in logarithms so that a tiny alpha cannot
 * underflow to 0. The number of uniforms a variate reads varies (rejections), but each is a pure
 * function of its counter, so the variate is too. mixup's and cutmix's Beta weight and AugMix's
 * Dirichlet weights both come from here.
 */
export function logGammaVariate(alpha: number, next: () => number): number {
  if (alpha < 1) return logGammaVariate(alpha + 1, next) + Math.log(1 - next()) / alpha;
  const d = alpha - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - next();
    if (u < 1 - 0.0331 * x ** 4 || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return Math.log(d * v);
  }
}
