// What augment() drew for one sample, from the functions that draw for augmentImages: for
// tools that show a user why a sample looks as it does (idxflow explore).
import { streamKey } from '@idxflow/core/internal';
import { drawPlan, PixelScratch } from './samplePixels.js';
import { affineParamsOf, flipsOf, GeometryScratch, sampleField, sampleMatrix, streamTags } from './sampleGeometry.js';
import type { AugmentSpec, ElasticStep } from './spec.js';
import { imageCorners, ProjectiveScratch, sampleProjective, type WarpKind } from './sampleProjective.js';

/** Which sample of which augmentation stage: what keys its random draws. */
export interface SampleKey {
  /** The stage's seed (`augment()`'s `run.seed`). */
  seed: number;
  /** The block's `randomStages` count when the stage draws: 0 for the first random stage of a pipeline. Default 0. */
  stage?: number;
  /** The pass over the data. */
  epoch: number;
  /** The sample's index in its source file. */
  index: number;
}

/** An erasing box: rows `[top, top + height)`, columns `[left, left + width)`. */
export interface EraseBox {
  /** First erased row. */
  top: number;
  /** First erased column. */
  left: number;
  /** Erased rows. */
  height: number;
  /** Erased columns. */
  width: number;
}

/** What one augmentation stage drew for one sample; neutral values where a step is off or its chance failed. */
export interface SampleDraws {
  /** Mirrored left-right, before the rest of the geometry. */
  flipHorizontal: boolean;
  /** Mirrored top-bottom, before the rest of the geometry. */
  flipVertical: boolean;
  /** Degrees, counter-clockwise as displayed (0: none). */
  angle: number;
  /** Pixels right (0: none). */
  shiftX: number;
  /** Pixels down (0: none). */
  shiftY: number;
  /** Factor about the centre (1: none). */
  scale: number;
  /** Degrees along x (0: none). */
  shear: number;
  /** Degrees along y (0: none). */
  shearY: number;
  /** The composed output-to-input map of the flips and affine steps `[a, b, c, d, e, f]`: x_in = a x + b y + c, y_in = d x + e y + f. */
  matrix: number[];
  /**
   * The resized crop's box (torchvision's `RandomResizedCrop.get_params`: `top`, `left`,
   * `height`, `width`), resized to the whole image, or undefined when the sample is not cropped.
   */
  resizedCrop: EraseBox | undefined;
  /**
   * The perspective's corners (torchvision's `RandomPerspective.get_params`: `start` the image's
   * corners, `end` where they go, each top-left, top-right, bottom-right, bottom-left as [x, y])
   * and its coefficients (input from output, as `_get_perspective_coeffs`), or undefined when
   * the sample gets none. Coefficients undefined: the end points leave torchvision's eight
   * equations singular (two on one point, or a horizon through the origin; seen at distortion 1),
   * and the sample is left undistorted.
   */
  perspective: { start: number[][]; end: number[][]; coefficients: number[] | undefined } | undefined;
  /**
   * Which kernel resamples the sample: `'affine'` (`matrix` and `elastic`), `'crop'` or
   * `'perspective'` (torchvision's own, that step alone or with flips only: the crop then its
   * mirror image, or the mirror image then the perspective), or `'projective'`: by `projective`.
   * Said for byte images; Float32 images take `'projective'` wherever this says `'crop'` or
   * `'perspective'` (torchvision's kernels are for bytes).
   */
  resampling: WarpKind;
  /**
   * With `resampling` `'projective'`, the one output-to-input map `[a, b, c, d, e, f, g, h, i]`
   * (crop, then `matrix`, then the perspective): x_in = (a x + b y + c) / (g x + h y + i), after
   * the elastic displacement; else undefined.
   */
  projective: number[] | undefined;
  /** The elastic displacement of each output pixel, added before `matrix` (see `warpResample`), or undefined when the sample gets none. */
  elastic: { dx: Float32Array; dy: Float32Array } | undefined;
  /** Stroke radius in pixels: > 0 dilates, < 0 erodes (0: none; a drawn radius under 1 in size is 0). */
  thickness: number;
  /** Brightness factor, or undefined when the step is off for this sample. */
  brightness: number | undefined;
  /** Contrast factor, or undefined when off. */
  contrast: number | undefined;
  /** Gamma, or undefined when off. */
  gamma: number | undefined;
  /** Noise standard deviation in units of the full range (0: none). */
  noise: number;
  /** The erased box, or undefined when the sample gets none. */
  erase: EraseBox | undefined;
  /** Gaussian blur's kernel width and height and its sigma, or undefined when off. */
  blur: { kernelSize: [number, number]; sigma: number } | undefined;
  /** Sharpness factor, or undefined when off. */
  sharpness: number | undefined;
  /** Bits posterize keeps, or undefined when off. */
  posterize: number | undefined;
  /** Solarize threshold in byte levels, or undefined when off. */
  solarize: number | undefined;
  /** Whether autocontrast applies. */
  autocontrast: boolean;
  /** Whether equalize applies. */
  equalize: boolean;
  /** Whether invert applies. */
  invert: boolean;
}

const defined = (value: number): number | undefined => (Number.isNaN(value) ? undefined : value);

/**
 * The parameters an augmentation stage draws for one sample, from the very functions
 * `augmentImages` draws with: resampling the sample by `matrix` and `elastic`, then applying
 * the pixel steps with these values, in `AugmentOptions`' order, gives the stage's bytes. For inspection, not for speed: it
 * allocates its result.
 *
 * @param spec The stage's spec, `specOf(options)`.
 * @param key Seed, stage, epoch and source index of the sample.
 * @param width Image width (the elastic field and the erasing box depend on the size).
 * @param height Image height.
 *
 * ## Example
 * ```ts
 * const spec = specOf({ rotate: 15, elastic: { alpha: 34, sigma: 4 } });
 * const draws = sampleDraws(spec, { seed: 1, epoch: 0, index: 7 }, 28, 28);
 * console.log(draws.angle, draws.elastic?.dx[0]); // the angle and field sample 7 gets in epoch 0
 * ```
 */
export function sampleDraws(spec: AugmentSpec, key: SampleKey, width: number, height: number): SampleDraws {
  const { seed, epoch, index } = key;
  const tags = streamTags(key.stage ?? 0);
  const pixelKey = streamKey(seed, tags.pixel, epoch, index);
  const affineKey = streamKey(seed, tags.affine, epoch, index);
  const k = spec.steps.findIndex((s) => s.kind === 'affine');
  const step = spec.steps[k];
  const params = step?.kind === 'affine' ? affineParamsOf(step, k, affineKey, pixelKey) : { angle: 0, shiftX: 0, shiftY: 0, scale: 1, shear: 0, shearY: 0 };
  const flips = step?.kind === 'affine' ? flipsOf(step, pixelKey) : 0;
  const matrix = Array.from(sampleMatrix(spec, affineKey, pixelKey, width, height, new GeometryScratch()));
  const elastic = spec.steps.find((s): s is ElasticStep => s.kind === 'elastic');
  const dx = new Float32Array(width * height);
  const dy = new Float32Array(width * height);
  const warped = sampleField(elastic, pixelKey, streamKey(seed, tags.elastic, epoch, index), width, height, dx, dy);
  const projective = new ProjectiveScratch();
  const resampling = sampleProjective(spec, pixelKey, width, height, Float64Array.from(matrix), warped, true, projective);
  const pairs = (flat: ArrayLike<number>): number[][] => [0, 1, 2, 3].map((k) => [flat[2 * k], flat[2 * k + 1]]);
  const draws: SampleDraws = {
    flipHorizontal: (flips & 1) !== 0,
    flipVertical: (flips & 2) !== 0,
    ...params,
    matrix,
    resizedCrop: projective.cropped ? { ...projective.box } : undefined,
    perspective: projective.drawn
      ? { start: pairs(imageCorners(width, height)), end: pairs(projective.end), coefficients: projective.distorted ? Array.from(projective.coefficients) : undefined }
      : undefined,
    resampling,
    projective: resampling === 'projective' ? Array.from(projective.matrix) : undefined,
    elastic: warped ? { dx, dy } : undefined,
    thickness: 0,
    brightness: undefined,
    contrast: undefined,
    gamma: undefined,
    noise: 0,
    erase: undefined,
    blur: undefined,
    sharpness: undefined,
    posterize: undefined,
    solarize: undefined,
    autocontrast: false,
    equalize: false,
    invert: false,
  };
  if (!spec.pixels) return draws;
  const scratch = new PixelScratch();
  const plan = drawPlan(spec.pixels, pixelKey, width, height, scratch);
  const [top, left, boxHeight, boxWidth] = scratch.box;
  return {
    ...draws,
    thickness: plan.radius,
    brightness: defined(plan.brightness),
    contrast: defined(plan.contrast),
    gamma: defined(plan.gamma),
    noise: plan.sigma,
    erase: plan.erase ? { top, left, height: boxHeight, width: boxWidth } : undefined,
    blur: plan.blurSigma > 0 ? { kernelSize: [...spec.pixels.blur!.kernel], sigma: plan.blurSigma } : undefined,
    sharpness: defined(plan.sharpness),
    posterize: plan.bits >= 0 ? plan.bits : undefined,
    solarize: defined(plan.threshold),
    autocontrast: plan.autocontrast,
    equalize: plan.equalize,
    invert: plan.invert,
  };
}
