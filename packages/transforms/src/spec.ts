// Augmentation options as users write them, and the normalised form the kernels run.

import { received, type Chance, type Factor, type Range } from './ranges.js';
import { perspectiveStepOf, resizedCropStepOf, stepsOf, type PerspectiveStep, type ResizedCropStep, type Step } from './specGeometry.js';
import { pixelStepsOf, type PixelSteps } from './specPixels.js';
import { OptionError } from '@idxflow/core';

export type { Chance, Factor, Range } from './ranges.js';
export type { AffineStep, ElasticStep, PerspectiveStep, ResizedCropStep, Step } from './specGeometry.js';
export type { BlurStep, EraseStep, PixelSteps } from './specPixels.js';

/** Mirroring probabilities; each default 0. */
export interface FlipOptions {
  /** Probability of mirroring a sample left-right (torchvision's `hflip`). Default 0. */
  horizontal?: number;
  /** Probability of mirroring a sample top-bottom (torchvision's `vflip`). Default 0. */
  vertical?: number;
}

/** Random erasing as torchvision's `RandomErasing(p, scale, ratio, value)`, in one box per sample. */
export interface EraseOptions {
  /** Probability that a sample gets a box. Default 1 (torchvision's default is 0.5: write `p: 0.5`). */
  p?: number;
  /** Share of the image's area to erase, uniform in `[min, max]`. Default `[0.02, 0.33]`. */
  scale?: readonly [number, number];
  /** Aspect ratio (height / width) of the box, log-uniform in `[min, max]`. Default `[0.3, 3.3]`. */
  ratio?: readonly [number, number];
  /**
   * The value written into the box, in the input's pixel units before any normalisation: a byte
   * 0 to 255 for byte images (rounded and clamped), a value in [0, 1] for Float32 ones. Default 0
   * (black). torchvision, which erases after `Normalize`, writes 0 in normalised units instead.
   */
  value?: number;
}

/** A step without parameters (autocontrast, equalize, invert): `{}` for every sample, `{ p }` for a share. */
export interface ToggleOptions {
  /** Probability that a sample gets the step. Default 1 (torchvision's `RandomInvert` and the like default to 0.5: write `p: 0.5`). */
  p?: number;
}

/**
 * Gaussian blur as torchvision's `GaussianBlur(kernel_size, sigma)`: one sigma per sample,
 * uniform in `sigma`, for both axes; reflect padding; bytes rounded half to even.
 */
export interface BlurOptions {
  /** Kernel size, odd: one number for a square kernel, or `[width, height]`. At most `2 * side - 1` of the image. */
  kernelSize: number | readonly [number, number];
  /** Standard deviation range in pixels, e.g. `[0.1, 2]`; one number s means exactly s. Default `[0.1, 2]` (torchvision's). */
  sigma?: Factor;
  /** Probability that a sample is blurred. Default 1 (torchvision's `GaussianBlur` always blurs; compose `RandomApply` for less). */
  p?: number;
}

/**
 * torchvision's `RandomResizedCrop(size, scale, ratio)` with `size` the image's own (28 x 28 for
 * MNIST): a box of a drawn area share and aspect ratio (ten tries, then the centre crop, as
 * torchvision's `get_params`), resized back to the full image. Alone on a byte sample, its bytes
 * are torchvision 0.14's `F.resized_crop` (bilinear without antialias, its default for tensors).
 */
export interface ResizedCropOptions {
  /** Share of the image's area the box covers, uniform in `[min, max]`. Default `[0.08, 1]` (torchvision's). */
  scale?: readonly [number, number];
  /** Aspect ratio (width / height) of the box, log-uniform in `[min, max]`. Default `[3/4, 4/3]` (torchvision's). */
  ratio?: readonly [number, number];
  /** Probability that a sample is cropped. Default 1 (torchvision's `RandomResizedCrop` always crops). */
  p?: number;
}

/**
 * torchvision's `RandomPerspective(distortion_scale, p, interpolation, fill)`: each corner moves
 * inwards by a whole number of pixels up to `distortion` times half the side, drawn as
 * torchvision's `get_params` draws them. Alone on a byte sample, its bytes are torchvision
 * 0.14's `F.perspective` within the geometry's tolerance (torchvision solves for the map in
 * float32, idxflow exactly).
 */
export interface PerspectiveOptions {
  /** How far corners move, 0 to 1 (a share of half the side). Default 0.5 (torchvision's). */
  distortion?: number;
  /** Probability that a sample is distorted. Default 1 (torchvision's default is 0.5: write `p: 0.5`). */
  p?: number;
}

/** Elastic distortion (Simard et al. 2003). */
export interface ElasticOptions {
  /** Scale of the displacement in pixels (Simard et al.: 34 for MNIST). */
  alpha: number;
  /** Standard deviation of the smoothing Gaussian in pixels (Simard et al.: 4). */
  sigma: number;
  /** Probability that a sample is distorted. Default 1. */
  p?: number;
}

/**
 * Augmentation options; every field is optional and off by default. Every range may be
 * written `{ range, p }` to give the step to a share `p` of the samples only (see `Chance`).
 *
 * Per sample, in this order: the geometry (the resized crop, flips, then rotation, shift, scale
 * and shears, then the perspective, composed into one matrix, plus the elastic field) is
 * resampled ONCE; then, on the resampled
 * pixels, thickness, brightness, contrast, gamma, blur, sharpness, posterize, solarize,
 * autocontrast, equalize, invert, noise and erasing; then `normalize`. That is the order a
 * torchvision recipe composes them in: geometry, `ColorJitter`, `GaussianBlur` (as SimCLR and
 * BYOL put it after the colour steps), `RandomAdjustSharpness`, `RandomPosterize`,
 * `RandomSolarize`, `RandomAutocontrast`, `RandomEqualize` (RandAugment's op order),
 * `RandomInvert`, then `ToTensor`/`Normalize` and `RandomErasing`. Byte images follow
 * torchvision's uint8 semantics (torchvision 0.14's functional tensor code, the version Debian
 * ships: `adjust_brightness`, `adjust_contrast`, `adjust_gamma`, `adjust_sharpness`,
 * `autocontrast` truncated to bytes, `gaussian_blur` rounded, as its tensor code does); Float32
 * images are taken to be in [0, 1] (posterize and equalize take bytes only, as torchvision's).
 */
export interface AugmentOptions {
  /** Rotation in degrees, counter-clockwise as displayed. `15` means uniform in [-15, 15]. */
  rotate?: Chance<Range>;
  /** Shift in pixels, the same range for x (right) and y (down). `2` means [-2, 2]. */
  shift?: Chance<Range>;
  /** Scale factor range about the image centre, e.g. `[0.9, 1.1]`. A single number s means [s, s]. */
  scale?: Chance<Factor>;
  /** Shear along x in degrees (torchvision's shear x). `10` means [-10, 10]. */
  shear?: Chance<Range>;
  /** Shear along y in degrees (torchvision's shear y: columns right of the centre move up). `10` means [-10, 10]. */
  shearY?: Chance<Range>;
  /** Mirroring, before the rest of the geometry, in the same matrix (no resampling of its own). Default none. */
  flip?: FlipOptions;
  /** Elastic distortion (Simard et al. 2003): `alpha` in pixels, `sigma` of the smoothing Gaussian, `p`. */
  elastic?: ElasticOptions;
  /** torchvision's `RandomResizedCrop` back to the image's size, FIRST of the geometry, in the same resampling; `{}` for its defaults. */
  resizedCrop?: ResizedCropOptions;
  /** torchvision's `RandomPerspective`, after the affine steps and before elastic, in the same resampling; `{}` for its defaults. */
  perspective?: PerspectiveOptions;
  /**
   * Stroke thickness: grey-level dilation (radius > 0, a thicker stroke) or erosion (radius < 0)
   * by a disk of the drawn radius in pixels: the maximum (minimum) over the pixels within that
   * distance. `1.5` means uniform in [-1.5, 1.5]; a radius under 1 in size changes nothing, 1 is
   * the 4 neighbours, 1.5 the 3 x 3 square, 2 a 13-pixel disk.
   */
  thickness?: Chance<Range>;
  /** Brightness factor, torchvision's `adjust_brightness`: `[0.8, 1.2]` (ColorJitter's brightness 0.2). One number f means exactly f. */
  brightness?: Chance<Factor>;
  /** Contrast factor, torchvision's `adjust_contrast` (a blend with the image's mean): `[0.8, 1.2]`. One number f means exactly f. */
  contrast?: Chance<Factor>;
  /** Gamma, torchvision's `adjust_gamma` (`255 (v / 255)^gamma`): `[0.7, 1.5]`. One number g means exactly g. */
  gamma?: Chance<Factor>;
  /**
   * Additive Gaussian noise: its standard deviation in units of the full range (0.1 is 25.5
   * levels of a byte), drawn per sample from the range, then one normal draw per pixel;
   * clamped to the range (bytes rounded). One number s means exactly s.
   */
  noise?: Chance<Factor>;
  /** Random erasing, torchvision's `RandomErasing` semantics; `{}` for its defaults (with `p` 1). */
  erase?: EraseOptions;
  /**
   * Gaussian blur, torchvision's `gaussian_blur`: `{ kernelSize: 5, sigma: [0.1, 2] }` is
   * `GaussianBlur(5, (0.1, 2.0))`; reflect padding, sigma drawn per sample.
   */
  blur?: BlurOptions;
  /** Sharpness factor, torchvision's `adjust_sharpness`: 0 smooths, 1 keeps, 2 sharpens. `2` means exactly 2; `{ range: 2, p: 0.5 }` is `RandomAdjustSharpness(2)`. */
  sharpness?: Chance<Factor>;
  /** Bits kept, torchvision's `posterize` (integers 0 to 8): `4` keeps 16 levels; `[2, 6]` draws an integer per sample; `{ range: 4, p: 0.5 }` is `RandomPosterize(4)`. Bytes only. */
  posterize?: Chance<Factor>;
  /**
   * Threshold in byte levels (0 to 256), torchvision's `solarize`: pixels at or above it are
   * inverted. `{ range: 128, p: 0.5 }` is `RandomSolarize(128)`. For Float32 images, compared
   * with `threshold / 255`.
   */
  solarize?: Chance<Factor>;
  /** torchvision's `autocontrast`: the darkest value to 0, the brightest to 255. `{ p: 0.5 }` is `RandomAutocontrast()`. */
  autocontrast?: ToggleOptions;
  /** torchvision's `equalize` (histogram equalisation). `{ p: 0.5 }` is `RandomEqualize()`. Bytes only. */
  equalize?: ToggleOptions;
  /** torchvision's `invert`: `255 - v`. `{ p: 0.5 }` is `RandomInvert()`. */
  invert?: ToggleOptions;
  /** Resampling. Default `'bilinear'`. */
  interpolation?: 'bilinear' | 'nearest';
  /** Value of pixels that come from outside the image. Default 0 (black). */
  fill?: number;
  /**
   * Standardise the output to Float32 `(v / 255 - mean) / std` in the same pass, as
   * torchvision's `ToTensor()` + `Normalize(mean, std)`; `{}` means MNIST's mean and std
   * (0.1307, 0.3081). Default: off (bytes out for bytes in).
   */
  normalize?: NormalizeOptions;
}

/** Options of `normalize()`, and of `augment()`'s `normalize`. */
export interface NormalizeOptions {
  /** Mean subtracted after scaling to [0, 1]. Default 0.1307 (MNIST's). */
  mean?: number;
  /** Standard deviation divided by. Default 0.3081 (MNIST's). */
  std?: number;
}

/**
 * Checks normalisation options and applies MNIST's defaults.
 *
 * @param prefix How the options are named in messages: `'normalize'` for `augment()`'s option
 *   (`normalize.std`), `''` for `normalize()`'s own (`std`).
 */
export function normalizationOf(options: NormalizeOptions, prefix: string): { mean: number; std: number } {
  const name = (field: string): string => (prefix ? `${prefix}.${field}` : field);
  if (typeof options !== 'object' || options === null) throw new OptionError(`Expected an object for ${prefix || 'options'} but received ${received(options)}`);
  const mean = options.mean ?? 0.1307;
  const std = options.std ?? 0.3081;
  if (typeof mean !== 'number' || !Number.isFinite(mean)) throw new OptionError(`Expected finite number for ${name('mean')} but received ${received(mean)}`);
  if (typeof std !== 'number' || !Number.isFinite(std) || std === 0) throw new OptionError(`Expected finite non-zero number for ${name('std')} but received ${received(std)}`);
  return { mean, std };
}

/**
 * One augmentation stage's options checked and resolved (`specOf()`): everything a worker needs
 * to augment a block, minus the pixels and the keys. Treat it as opaque: make it with
 * `specOf()`, hand it to `augmentImages()` and `sampleDraws()`.
 */
export interface AugmentSpec {
  /** The geometric steps in the order they compose (flips, affine, elastic). */
  steps: Step[];
  /** The resized crop, first of the geometry; absent when off. */
  resizedCrop?: ResizedCropStep;
  /** The perspective, after the affine steps; absent when off. */
  perspective?: PerspectiveStep;
  /** What runs on each sample after the resampling; absent when nothing does. */
  pixels?: PixelSteps;
  /** How the one resampling reads between pixels. */
  interpolation: 'bilinear' | 'nearest';
  /** The value of pixels that come from outside the image. */
  fill: number;
  /** Normalise the output to Float32 `(v / 255 - mean) / std` (for u8 input) in the same pass. */
  normalize?: { mean: number; std: number };
}

/**
 * The spec one `augment()` stage runs: its options checked (a `TypeError` or `RangeError`
 * naming the option), defaults applied. Build it once and pass it to `augmentImages()` to
 * augment images outside a pipeline, or to `sampleDraws()` to see what a sample drew.
 *
 * @param options The options `augment()` takes.
 *
 * ## Example
 * ```ts
 * import { sampleDraws, specOf } from '@idxflow/transforms';
 * const spec = specOf({ rotate: 15, elastic: { alpha: 34, sigma: 4 } });
 * console.log(sampleDraws(spec, { seed: 1, epoch: 0, index: 7 }, 28, 28).angle);
 * ```
 */
export function specOf(options: AugmentOptions): AugmentSpec {
  if (typeof options !== 'object' || options === null) throw new OptionError(`Expected an object for options but received ${received(options)}`);
  const spec: AugmentSpec = { steps: stepsOf(options), ...resamplingOf(options) };
  const resizedCrop = resizedCropStepOf(options.resizedCrop);
  if (resizedCrop) spec.resizedCrop = resizedCrop;
  const perspective = perspectiveStepOf(options.perspective);
  if (perspective) spec.perspective = perspective;
  const pixels = pixelStepsOf(options);
  if (pixels) spec.pixels = pixels;
  if (options.normalize !== undefined) spec.normalize = normalizationOf(options.normalize, 'normalize');
  return spec;
}

function resamplingOf(options: AugmentOptions): Pick<AugmentSpec, 'interpolation' | 'fill'> {
  const interpolation = options.interpolation ?? 'bilinear';
  if (interpolation !== 'bilinear' && interpolation !== 'nearest') {
    throw new OptionError(`Expected one of bilinear, nearest for interpolation but received ${received(interpolation)}`);
  }
  const fill = options.fill ?? 0;
  if (typeof fill !== 'number' || !Number.isFinite(fill)) throw new OptionError(`Expected finite number for fill but received ${received(fill)}`);
  return { interpolation, fill };
}
