// Augmentation options as users write them, and the normalised form the kernels run.

/** A number `x` meaning the range [-x, x], or an explicit `[min, max]`. */
export type Range = number | readonly [number, number];

/** Geometric augmentation options; every field is optional and off by default. */
export interface AugmentOptions {
  /** Rotation in degrees, counter-clockwise as displayed. `15` means uniform in [-15, 15]. */
  rotate?: Range;
  /** Shift in pixels, the same range for x (right) and y (down). `2` means [-2, 2]. */
  shift?: Range;
  /** Scale factor range about the image centre, e.g. `[0.9, 1.1]`. A single number s means [s, s]. */
  scale?: number | readonly [number, number];
  /** Shear along x in degrees. `10` means [-10, 10]. */
  shear?: Range;
  /** Elastic distortion (Simard et al. 2003): `alpha` in pixels, `sigma` of the smoothing Gaussian. */
  elastic?: { alpha: number; sigma: number };
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
  if (typeof options !== 'object' || options === null) throw new TypeError(`Expected an object for ${prefix || 'options'} but received ${received(options)}`);
  const mean = options.mean ?? 0.1307;
  const std = options.std ?? 0.3081;
  if (typeof mean !== 'number' || !Number.isFinite(mean)) throw new RangeError(`Expected finite number for ${name('mean')} but received ${received(mean)}`);
  if (typeof std !== 'number' || !Number.isFinite(std) || std === 0) throw new RangeError(`Expected finite non-zero number for ${name('std')} but received ${received(std)}`);
  return { mean, std };
}

/** One affine step of a fused chain: ranges to draw from. */
export interface AffineStep {
  kind: 'affine';
  rotate: [number, number];
  shift: [number, number];
  scale: [number, number];
  shear: [number, number];
}

/** One elastic step of a fused chain. */
export interface ElasticStep {
  kind: 'elastic';
  alpha: number;
  sigma: number;
}

export type Step = AffineStep | ElasticStep;

/** Everything a worker needs to augment a block, minus the pixels and the keys. */
export interface AugmentSpec {
  steps: Step[];
  interpolation: 'bilinear' | 'nearest';
  fill: number;
  /** Normalise the output to Float32 `(v / 255 - mean) / std` (for u8 input) in the same pass. */
  normalize?: { mean: number; std: number };
}

function received(value: unknown): string {
  return `${JSON.stringify(value)} of type ${Array.isArray(value) ? 'array' : typeof value}`;
}

/** Normalises a `Range` option, validating it. */
export function toRange(name: string, value: Range | undefined, symmetric: boolean, neutral: number): [number, number] {
  if (value === undefined) return [neutral, neutral];
  if (typeof value === 'number' && Number.isFinite(value)) {
    if (!symmetric) return [value, value];
    if (value < 0) throw new RangeError(`Expected non-negative number or [min, max] for ${name} but received ${received(value)}`);
    return [-value, value];
  }
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number' && Number.isFinite(v)) && value[0] <= value[1]) {
    return [value[0], value[1]];
  }
  throw new RangeError(`Expected ${symmetric ? 'number or ' : ''}[min, max] with min <= max for ${name} but received ${received(value)}`);
}

/** The steps for one `augment()` call: an affine step (if any) then an elastic step (if any). */
function stepsOf(options: AugmentOptions): Step[] {
  const steps: Step[] = [];
  const affine: AffineStep = {
    kind: 'affine',
    rotate: toRange('rotate', options.rotate, true, 0),
    shift: toRange('shift', options.shift, true, 0),
    scale: toRange('scale', options.scale, false, 1),
    shear: toRange('shear', options.shear, true, 0),
  };
  if (affine.scale[0] <= 0) throw new RangeError(`Expected positive factors for scale but received ${received(options.scale)}`);
  const isIdentity = [affine.rotate, affine.shift, affine.shear].every(([a, b]) => a === 0 && b === 0) && affine.scale[0] === 1 && affine.scale[1] === 1;
  if (!isIdentity) steps.push(affine);
  if (options.elastic !== undefined) {
    const { alpha, sigma } = options.elastic;
    if (!(typeof alpha === 'number' && alpha >= 0 && Number.isFinite(alpha))) throw new RangeError(`Expected non-negative number for elastic.alpha but received ${received(alpha)}`);
    if (!(typeof sigma === 'number' && sigma > 0 && Number.isFinite(sigma))) throw new RangeError(`Expected positive number for elastic.sigma but received ${received(sigma)}`);
    steps.push({ kind: 'elastic', alpha, sigma });
  }
  return steps;
}

/** The spec one `augment()` stage runs: its options checked, defaults applied. */
export function specOf(options: AugmentOptions): AugmentSpec {
  if (typeof options !== 'object' || options === null) throw new TypeError(`Expected an object for options but received ${received(options)}`);
  const spec: AugmentSpec = { steps: stepsOf(options), ...resamplingOf(options) };
  if (options.normalize !== undefined) spec.normalize = normalizationOf(options.normalize, 'normalize');
  return spec;
}

function resamplingOf(options: AugmentOptions): Pick<AugmentSpec, 'interpolation' | 'fill'> {
  const interpolation = options.interpolation ?? 'bilinear';
  if (interpolation !== 'bilinear' && interpolation !== 'nearest') {
    throw new TypeError(`Expected one of bilinear, nearest for interpolation but received ${received(interpolation)}`);
  }
  const fill = options.fill ?? 0;
  if (typeof fill !== 'number' || !Number.isFinite(fill)) throw new RangeError(`Expected finite number for fill but received ${received(fill)}`);
  return { interpolation, fill };
}
