// The pixel steps of one augment() call, normalised from its options: what runs on each sample
// after the resampling, in this order: thickness, brightness, contrast, gamma, blur, sharpness,
// posterize, solarize, autocontrast, equalize, invert, noise, erasing.
import { drawnOf, probability, received, toRange, type Drawn } from './ranges.js';
import type { AugmentOptions, BlurOptions, EraseOptions, ToggleOptions } from './spec.js';
import { OptionError } from '@idxflow/core';

/** Random erasing, normalised: torchvision's `RandomErasing` parameters. */
export interface EraseStep {
  p: number;
  /** Erased share of the image's area, uniform in this range. */
  scale: [number, number];
  /** Aspect ratio (height / width) of the box, log-uniform in this range. */
  ratio: [number, number];
  /** The value written into the box, in the input's pixel units. */
  value: number;
}

/** Everything after the resampling; absent fields are off. */
export interface PixelSteps {
  /** Disk radius in pixels: > 0 dilates (a thicker stroke), < 0 erodes. */
  thickness?: Drawn;
  brightness?: Drawn;
  contrast?: Drawn;
  gamma?: Drawn;
  /** Standard deviation of the noise, in units of the full intensity range (1 = 255 for bytes). */
  noise?: Drawn;
  erase?: EraseStep;
  /** Gaussian blur: kernel sizes and the sigma range. */
  blur?: BlurStep;
  /** torchvision's `adjust_sharpness` factor. */
  sharpness?: Drawn;
  /** Bits kept by posterize: an integer, uniform over the integers of the range. */
  posterize?: Drawn;
  /** Solarize threshold in byte levels. */
  solarize?: Drawn;
  /** Probability of autocontrast. */
  autocontrast?: number;
  /** Probability of equalize. */
  equalize?: number;
  /** Probability of invert. */
  invert?: number;
}

/** Gaussian blur, normalised: torchvision's `GaussianBlur(kernel_size, sigma)` with a probability. */
export interface BlurStep {
  /** Kernel width and height, odd. */
  kernel: [number, number];
  /** Sigma, uniform in this range. */
  sigma: [number, number];
  p: number;
}

function nonNegative(name: string, drawn: Drawn | undefined, written: unknown): Drawn | undefined {
  if (drawn !== undefined && drawn.range[0] < 0) throw new OptionError(`Expected non-negative values for ${name} but received ${received(written)}`);
  return drawn;
}

function pair(name: string, value: readonly [number, number] | undefined, fallback: [number, number], positive: boolean): [number, number] {
  if (value === undefined) return fallback;
  if (!Array.isArray(value)) throw new OptionError(`Expected [min, max] for ${name} but received ${received(value)}`);
  const range = toRange(name, value, false, 0);
  if (positive ? !(range[0] > 0) : range[0] < 0) throw new OptionError(`Expected ${positive ? 'positive' : 'non-negative'} [min, max] for ${name} but received ${received(value)}`);
  return range;
}

function eraseOf(erase: EraseOptions | undefined): EraseStep | undefined {
  if (erase === undefined) return undefined;
  if (typeof erase !== 'object' || erase === null || Array.isArray(erase)) throw new OptionError(`Expected { p, scale, ratio, value } for erase but received ${received(erase)}`);
  const value = erase.value ?? 0;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new OptionError(`Expected finite number for erase.value but received ${received(value)}`);
  const scale = pair('erase.scale', erase.scale, [0.02, 0.33], false);
  if (scale[1] > 1) throw new OptionError(`Expected [min, max] within [0, 1] for erase.scale but received ${received(erase.scale)}`);
  return { p: probability('erase.p', erase.p, 1), scale, ratio: pair('erase.ratio', erase.ratio, [0.3, 3.3], true), value };
}

function blurOf(blur: BlurOptions | undefined): BlurStep | undefined {
  if (blur === undefined) return undefined;
  if (typeof blur !== 'object' || blur === null || Array.isArray(blur)) throw new OptionError(`Expected { kernelSize, sigma, p } for blur but received ${received(blur)}`);
  const size = blur.kernelSize;
  const sizes = typeof size === 'number' ? [size, size] : size;
  const odd = (k: unknown): boolean => typeof k === 'number' && Number.isInteger(k) && k >= 1 && k <= MAX_KERNEL && k % 2 === 1;
  if (!Array.isArray(sizes) || sizes.length !== 2 || !sizes.every(odd)) {
    throw new OptionError(`Expected an odd integer from 1 to ${MAX_KERNEL}, or [width, height] of them, for blur.kernelSize but received ${received(size)}`);
  }
  const sigma = blur.sigma === undefined ? ([0.1, 2] as [number, number]) : toRange('blur.sigma', blur.sigma, false, 1);
  if (!(sigma[0] > 0)) throw new OptionError(`Expected positive values for blur.sigma but received ${received(blur.sigma)}`);
  return { kernel: [sizes[0], sizes[1]], sigma, p: probability('blur.p', blur.p, 1) };
}

/** The largest blur kernel: 2 x 255 - 1, reflect padding of a 256-pixel side. Smaller images are checked when they come. */
export const MAX_KERNEL = 511;

function toggleOf(name: string, toggle: ToggleOptions | undefined): number | undefined {
  if (toggle === undefined) return undefined;
  if (typeof toggle !== 'object' || toggle === null || Array.isArray(toggle)) throw new OptionError(`Expected { p } (or {} for every sample) for ${name} but received ${received(toggle)}`);
  return probability(`${name}.p`, toggle.p, 1);
}

function within(name: string, drawn: Drawn | undefined, written: unknown, [min, max]: [number, number], integers = false): Drawn | undefined {
  if (drawn === undefined) return undefined;
  const [low, high] = drawn.range;
  if (!(low >= min && high <= max) || (integers && !(Number.isInteger(low) && Number.isInteger(high)))) {
    throw new OptionError(`Expected ${integers ? 'integers' : 'values'} within [${min}, ${max}] for ${name} but received ${received(written)}`);
  }
  return drawn;
}

/** The pixel steps of the options, or undefined when there are none (then nothing changes). */
export function pixelStepsOf(options: AugmentOptions): PixelSteps | undefined {
  const steps: PixelSteps = {};
  const set = <K extends keyof PixelSteps>(key: K, value: PixelSteps[K] | undefined): void => {
    if (value !== undefined) steps[key] = value;
  };
  const thickness = drawnOf('thickness', options.thickness, true, 0);
  if (thickness && !(thickness.range[0] >= -64 && thickness.range[1] <= 64)) throw new OptionError(`Expected radii within [-64, 64] for thickness but received ${received(options.thickness)}`);
  set('thickness', thickness);
  set('brightness', nonNegative('brightness', drawnOf('brightness', options.brightness, false, 1), options.brightness));
  set('contrast', nonNegative('contrast', drawnOf('contrast', options.contrast, false, 1), options.contrast));
  set('gamma', nonNegative('gamma', drawnOf('gamma', options.gamma, false, 1), options.gamma));
  set('noise', nonNegative('noise', drawnOf('noise', options.noise, false, 0), options.noise));
  set('erase', eraseOf(options.erase));
  set('blur', blurOf(options.blur));
  set('sharpness', nonNegative('sharpness', drawnOf('sharpness', options.sharpness, false, 1), options.sharpness));
  set('posterize', within('posterize', drawnOf('posterize', options.posterize, false, 8), options.posterize, [0, 8], true));
  set('solarize', within('solarize', drawnOf('solarize', options.solarize, false, 256), options.solarize, [0, 256]));
  set('autocontrast', toggleOf('autocontrast', options.autocontrast));
  set('equalize', toggleOf('equalize', options.equalize));
  set('invert', toggleOf('invert', options.invert));
  return Object.keys(steps).length > 0 ? steps : undefined;
}
