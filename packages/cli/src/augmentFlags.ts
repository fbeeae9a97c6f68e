// The augmentation flags of preview, export and serve: each one's bounds, its --help line and
// its translation into augment() options, from one table.
import type { AugmentOptions, Chance } from '@idxflow/transforms';
import { UsageError } from './usageError.js';
import { onlyWith, type FlagRule, type FlagSpec } from './flags.js';
import { decimal, decimalIn, isDecimal, shown } from './numbers.js';

/** What a range flag's numbers mean and may be: each value within [min, max] (or (min, max) if `open`). */
interface RangeBounds {
  readonly min: number;
  readonly max: number;
  /** The numbers' meaning, plural: "degrees", "factors". */
  readonly what: string;
  /** X alone means -X:X (X >= 0); otherwise a value alone is exactly that value. */
  readonly symmetric: boolean;
  readonly open?: boolean;
}

// A full turn either way (0:360 is rotated MNIST); shear's tangent is infinite at 90 degrees;
// shift, scale and thickness beyond these leave nothing of a small image; the photometric
// factors saturate every pixel well before 10; noise is in units of the full range.
const ROTATE: RangeBounds = { min: -360, max: 360, what: 'degrees', symmetric: true };
const SHIFT: RangeBounds = { min: -1024, max: 1024, what: 'pixels', symmetric: true };
const SCALE: RangeBounds = { min: 0.1, max: 10, what: 'factors', symmetric: false };
const SHEAR: RangeBounds = { min: -90, max: 90, what: 'degrees', symmetric: true, open: true };
const THICKNESS: RangeBounds = { min: -64, max: 64, what: 'radii', symmetric: true };
const BRIGHTNESS: RangeBounds = { min: 0, max: 10, what: 'factors', symmetric: false };
const GAMMA: RangeBounds = { min: 0.1, max: 10, what: 'exponents', symmetric: false };
const NOISE: RangeBounds = { min: 0, max: 1, what: 'sigmas', symmetric: false };
// torchvision's own bounds: posterize keeps 0 to 8 bits; a threshold of 256 solarizes nothing;
// sharpness saturates every edge well before 10; a blur's sigma beyond 64 px is flat on any
// image whose kernel fits (its size at most 2 x side - 1).
const SHARPNESS: RangeBounds = { min: 0, max: 10, what: 'factors', symmetric: false };
const BITS: RangeBounds = { min: 0, max: 8, what: 'bits (integers)', symmetric: false };
const THRESHOLD: RangeBounds = { min: 0, max: 256, what: 'byte levels', symmetric: false };
const BLUR_SIGMA: RangeBounds = { min: 0.01, max: 64, what: 'pixels', symmetric: false };
const MAX_KERNEL = 511;
const ALPHA = [0, 1000] as const;
const SIGMA = [0.5, 32] as const; // the range the elastic kernel's accuracy is tested over
const ERASE_SCALE = [0, 1] as const;
const ERASE_RATIO = [0.01, 100] as const;
const BYTE = [0, 255] as const;
const CROP_SCALE = [0, 1] as const;
const CROP_RATIO = [0.01, 100] as const;
const DISTORTION = [0, 1] as const;
const FLOAT_FILL = 1_000_000;

const within = (b: RangeBounds): string => (b.open ? `within (${b.min}, ${b.max})` : `within [${b.min}, ${b.max}]`);

/** "TEXT@P" → TEXT and P (undefined without "@"). */
function withChance(flag: string, text: string): { text: string; p: number | undefined } {
  const at = text.lastIndexOf('@');
  if (at < 0) return { text, p: undefined };
  const p = Number(text.slice(at + 1));
  if (!isDecimal(text.slice(at + 1)) || !(p >= 0 && p <= 1)) {
    throw new UsageError(`Expected a probability from 0 to 1 after @ for --${flag} but received ${shown(text)}`);
  }
  return { text: text.slice(0, at), p };
}

const chance = <R>(range: R, p: number | undefined): Chance<R> => (p === undefined ? range : { range, p });

/** "X" or "MIN:MAX" (numbers within `b`), with "@P". */
function rangeFlag(flag: string, value: string, b: RangeBounds): Chance<number | [number, number]> {
  const { text, p } = withChance(flag, value);
  const parts = text.split(':');
  const single = b.symmetric ? 'X' : 'F';
  if (parts.length > 2) throw new UsageError(`Expected ${single} or MIN:MAX for --${flag} but received ${shown(value)}`);
  const numbers = parts.map((part) => decimal(flag, part, value));
  if (numbers.length === 1 && b.symmetric && numbers[0] < 0) throw new UsageError(`Expected X >= 0 (meaning -X:X) or MIN:MAX for --${flag} but received ${shown(value)}`);
  if (numbers.length === 2 && numbers[0] > numbers[1]) throw new UsageError(`Expected MIN <= MAX for --${flag} but received ${shown(value)}`);
  if (!numbers.every((n) => (b.open ? n > b.min && n < b.max : n >= b.min && n <= b.max))) {
    throw new UsageError(`Expected ${b.what} ${within(b)} for --${flag} but received ${shown(value)}`);
  }
  return chance(numbers.length === 1 ? numbers[0] : [numbers[0], numbers[1]], p);
}

/** A probability, 0 to 1. */
const probability = (flag: string, text: string): number => decimalIn(flag, text, [0, 1], 'a probability');

/** MIN:MAX, both given, within `bounds`. */
function pairFlag(flag: string, text: string, [low, high]: readonly [number, number]): [number, number] {
  const parts = text.split(':');
  if (parts.length !== 2) throw new UsageError(`Expected MIN:MAX for --${flag} but received ${shown(text)}`);
  const [min, max] = parts.map((part) => decimal(flag, part, text));
  if (!(low <= min && min <= max && max <= high)) throw new UsageError(`Expected MIN:MAX with ${low} <= MIN <= MAX <= ${high} for --${flag} but received ${shown(text)}`);
  return [min, max];
}

function elasticFlag(value: string): NonNullable<AugmentOptions['elastic']> {
  const { text, p } = withChance('elastic', value);
  const parts = text.split(':');
  if (parts.length !== 2) throw new UsageError(`Expected ALPHA:SIGMA for --elastic but received ${shown(value)}`);
  const alpha = decimalIn('elastic', parts[0], ALPHA, 'ALPHA (pixels)', value);
  const sigma = decimalIn('elastic', parts[1], SIGMA, 'SIGMA (pixels)', value);
  return p === undefined ? { alpha, sigma } : { alpha, sigma, p };
}

/** "K" or "WxH" (odd kernel sizes), with "@P". */
function blurFlag(value: string): { kernelSize: number | [number, number]; p?: number } {
  const { text, p } = withChance('blur', value);
  const match = /^(\d+)(?:x(\d+))?$/.exec(text);
  const sizes = match ? [Number(match[1]), Number(match[2] ?? match[1])] : [];
  if (!match || !sizes.every((k) => k % 2 === 1 && k <= MAX_KERNEL)) {
    throw new UsageError(`Expected K or WxH, odd kernel sizes from 1 to ${MAX_KERNEL} (each at most 2 x the image's side - 1), for --blur but received ${shown(value)}`);
  }
  const kernelSize = match[2] === undefined ? sizes[0] : (sizes as [number, number]);
  return p === undefined ? { kernelSize } : { kernelSize, p };
}

/** "D[@P]": RandomPerspective's distortion scale, 0 to 1, and its chance. */
function perspectiveFlag(value: string): NonNullable<AugmentOptions['perspective']> {
  const { text, p } = withChance('perspective', value);
  const distortion = decimalIn('perspective', text, DISTORTION, 'a distortion scale', value);
  return p === undefined ? { distortion } : { distortion, p };
}

/** --resized-crop P with its --resized-crop-scale and --resized-crop-ratio. */
function resizedCropFlags(flags: Flags): AugmentOptions['resizedCrop'] {
  const given = (['resized-crop-scale', 'resized-crop-ratio'] as const).filter((f) => typeof flags[f] === 'string');
  if (typeof flags['resized-crop'] !== 'string') {
    if (given.length > 0) throw new UsageError(`Expected --resized-crop P with --${given[0]}`);
    return undefined;
  }
  const crop: NonNullable<AugmentOptions['resizedCrop']> = { p: probability('resized-crop', flags['resized-crop']) };
  if (typeof flags['resized-crop-scale'] === 'string') crop.scale = cropScaleFlag(flags['resized-crop-scale']);
  if (typeof flags['resized-crop-ratio'] === 'string') crop.ratio = pairFlag('resized-crop-ratio', flags['resized-crop-ratio'], CROP_RATIO);
  return crop;
}

/** The crop's area share MIN:MAX, within [0, 1], MAX above 0. */
function cropScaleFlag(text: string): [number, number] {
  const scale = pairFlag('resized-crop-scale', text, CROP_SCALE);
  if (!(scale[1] > 0)) throw new UsageError(`Expected MAX above 0 for --resized-crop-scale but received ${shown(text)}`);
  return scale;
}

/** "S" or "MIN:MAX", without "@P" (the chance is --blur's). */
function blurSigmaFlag(value: string): number | [number, number] {
  if (value.includes('@')) throw new UsageError(`Expected S or MIN:MAX for --blur-sigma (its chance is --blur K@P) but received ${shown(value)}`);
  return rangeFlag('blur-sigma', value, BLUR_SIGMA) as number | [number, number];
}

/** A range of posterize bits: whole numbers only. */
function bitsFlag(value: string): Chance<number | [number, number]> {
  const bits = rangeFlag('posterize', value, BITS);
  const range = typeof bits === 'object' && !Array.isArray(bits) ? bits.range : bits;
  if (![range].flat().every(Number.isInteger)) throw new UsageError(`Expected whole numbers of bits from 0 to 8 for --posterize but received ${shown(value)}`);
  return bits;
}

const rangeSpec = (flag: string, arg: string, help: string, b: RangeBounds, after = ''): FlagSpec => ({
  type: 'string',
  arg: `${arg}|MIN:MAX[@P]`,
  help: `${help}, ${within(b)}${after}`,
  check: (text) => rangeFlag(flag, text, b),
});

function interpolationOf(text: string): 'bilinear' | 'nearest' {
  if (text !== 'bilinear' && text !== 'nearest') throw new UsageError(`Expected bilinear or nearest for --interpolation but received ${shown(text)}`);
  return text;
}

/** The augmentation flags; each `check` is the conversion augmentOptions() runs, so bounds live once. */
export const AUGMENT_FLAGS = {
  rotate: rangeSpec('rotate', 'DEG', 'degrees, counter-clockwise', ROTATE),
  shift: rangeSpec('shift', 'PX', 'pixels, right/down', SHIFT),
  scale: rangeSpec('scale', 'F', 'factor about the centre', SCALE, ': F alone scales every sample by exactly F (a fixed zoom), MIN:MAX draws a factor per sample'),
  shear: rangeSpec('shear', 'DEG', 'degrees along x', SHEAR),
  'shear-y': rangeSpec('shear-y', 'DEG', 'degrees along y', SHEAR),
  'resized-crop': { type: 'string', arg: 'P', help: "torchvision's RandomResizedCrop back to the image's size for a share P (0 to 1), first of the geometry", check: (t) => probability('resized-crop', t) },
  'resized-crop-scale': { type: 'string', arg: 'MIN:MAX', help: `its area share, within [${CROP_SCALE.join(', ')}] (default 0.08:1)`, check: cropScaleFlag },
  'resized-crop-ratio': { type: 'string', arg: 'MIN:MAX', help: `its aspect ratio w/h, within [${CROP_RATIO.join(', ')}] (default 0.75:1.333)`, check: (t) => pairFlag('resized-crop-ratio', t, CROP_RATIO) },
  perspective: { type: 'string', arg: 'D[@P]', help: `torchvision's RandomPerspective: distortion scale D within [${DISTORTION.join(', ')}] (torchvision's default 0.5), after the affine steps`, check: perspectiveFlag },
  elastic: { type: 'string', arg: 'ALPHA:SIGMA[@P]', help: `Simard et al. 2003 (e.g. 34:4), ALPHA within [${ALPHA.join(', ')}] px, SIGMA within [${SIGMA.join(', ')}] px`, check: elasticFlag },
  hflip: { type: 'string', arg: 'P', help: 'mirror a share P (0 to 1) of the samples left-right, before the rest', check: (t) => probability('hflip', t) },
  vflip: { type: 'string', arg: 'P', help: 'mirror a share P (0 to 1) top-bottom', check: (t) => probability('vflip', t) },
  thickness: rangeSpec('thickness', 'R', 'stroke: dilate (R > 0) or erode (R < 0) by a disk of radius R px', THICKNESS),
  brightness: rangeSpec('brightness', 'F', "torchvision's adjust_brightness factor (e.g. 0.8:1.2)", BRIGHTNESS),
  contrast: rangeSpec('contrast', 'F', "torchvision's adjust_contrast factor", BRIGHTNESS),
  gamma: rangeSpec('gamma', 'G', "torchvision's adjust_gamma exponent", GAMMA),
  blur: { type: 'string', arg: 'K|WxH[@P]', help: "torchvision's GaussianBlur: odd kernel size(s) in px, reflect padding", check: blurFlag },
  'blur-sigma': { type: 'string', arg: 'S|MIN:MAX', help: `its sigma, drawn per sample, ${within(BLUR_SIGMA)} px (default 0.1:2, torchvision's)`, check: blurSigmaFlag },
  sharpness: rangeSpec('sharpness', 'F', "torchvision's adjust_sharpness factor (0 smooths, 2 sharpens)", SHARPNESS),
  posterize: { type: 'string', arg: 'BITS|MIN:MAX[@P]', help: `torchvision's posterize: the bits kept, whole numbers ${within(BITS)}`, check: bitsFlag },
  solarize: rangeSpec('solarize', 'T', "torchvision's solarize: invert the levels >= T", THRESHOLD),
  autocontrast: { type: 'string', arg: 'P', help: "torchvision's autocontrast (darkest to 0, brightest to 255) for a share P", check: (t) => probability('autocontrast', t) },
  equalize: { type: 'string', arg: 'P', help: "torchvision's equalize (histogram equalisation) for a share P", check: (t) => probability('equalize', t) },
  invert: { type: 'string', arg: 'P', help: "torchvision's invert (255 - v) for a share P", check: (t) => probability('invert', t) },
  noise: rangeSpec('noise', 'SIGMA', 'Gaussian noise in units of the full range (0.1 = 25.5 levels)', NOISE),
  erase: { type: 'string', arg: 'P', help: "random erasing (torchvision's RandomErasing) of a share P (0 to 1)", check: (t) => probability('erase', t) },
  'erase-scale': { type: 'string', arg: 'MIN:MAX', help: `its area share, within [${ERASE_SCALE.join(', ')}] (default 0.02:0.33)`, check: (t) => pairFlag('erase-scale', t, ERASE_SCALE) },
  'erase-ratio': { type: 'string', arg: 'MIN:MAX', help: `its aspect ratio, within [${ERASE_RATIO.join(', ')}] (default 0.3:3.3)`, check: (t) => pairFlag('erase-ratio', t, ERASE_RATIO) },
  'erase-value': { type: 'string', arg: 'V', help: 'its value, 0 to 255 (default 0)', check: (t) => decimalIn('erase-value', t, BYTE, 'a value') },
  interpolation: { type: 'string', arg: 'bilinear|nearest', default: 'bilinear', help: 'resampling of the steps that move pixels', check: interpolationOf },
  fill: { type: 'string', arg: 'V', default: '0', help: `value outside the image, 0 to 255 (with --normalize any within [-${FLOAT_FILL}, ${FLOAT_FILL}], in the same units, before normalising)`, check: (t) => decimalIn('fill', t, [-FLOAT_FILL, FLOAT_FILL], 'a value') },
} as const satisfies Record<string, FlagSpec>;

/** The flags of the steps that resample: --fill and --interpolation apply only with one of them. */
const MOVING = ['rotate', 'shift', 'scale', 'shear', 'shear-y', 'resized-crop', 'perspective', 'elastic'] as const;

/** --fill and --interpolation only with a step that moves pixels; --fill 0 to 255 unless the output is float (--normalize). */
export const AUGMENT_RULES: readonly FlagRule[] = [
  onlyWith('fill', (line) => MOVING.some((f) => line.given.has(f)), `a step that moves pixels (--${MOVING.join(', --')})`, () => 'none of them'),
  onlyWith('interpolation', (line) => MOVING.some((f) => line.given.has(f)), `a step that moves pixels (--${MOVING.join(', --')})`, () => 'none of them'),
  onlyWith('blur-sigma', (line) => line.given.has('blur'), '--blur K', () => 'no --blur'),
  ...(['resized-crop-scale', 'resized-crop-ratio'] as const).map((flag) => onlyWith(flag, (line) => line.given.has('resized-crop'), '--resized-crop P', () => 'no --resized-crop')),
  ...(['erase-scale', 'erase-ratio', 'erase-value'] as const).map((flag) => onlyWith(flag, (line) => line.given.has('erase'), '--erase P', () => 'no --erase')),
  (line) => {
    if (line.given.has('fill') && !line.given.has('normalize')) decimalIn('fill', String(line.values.fill), BYTE, 'a byte value (without --normalize)');
  },
];

type Flags = { [K in keyof typeof AUGMENT_FLAGS]?: string | boolean };

function eraseFlags(flags: Flags): AugmentOptions['erase'] {
  const given = (['erase-scale', 'erase-ratio', 'erase-value'] as const).filter((f) => typeof flags[f] === 'string');
  if (typeof flags.erase !== 'string') {
    if (given.length > 0) throw new UsageError(`Expected --erase P with --${given[0]}`);
    return undefined;
  }
  const erase: NonNullable<AugmentOptions['erase']> = { p: probability('erase', flags.erase) };
  if (typeof flags['erase-scale'] === 'string') erase.scale = pairFlag('erase-scale', flags['erase-scale'], ERASE_SCALE);
  if (typeof flags['erase-ratio'] === 'string') erase.ratio = pairFlag('erase-ratio', flags['erase-ratio'], ERASE_RATIO);
  if (typeof flags['erase-value'] === 'string') erase.value = decimalIn('erase-value', flags['erase-value'], BYTE, 'a value');
  return erase;
}

/** The augmentation the flags ask for. */
export function augmentOptions(flags: Flags): AugmentOptions {
  const options: AugmentOptions = {};
  const text = (flag: keyof Flags): string | undefined => (typeof flags[flag] === 'string' ? (flags[flag] as string) : undefined);
  const range = (flag: keyof Flags, bounds: RangeBounds): Chance<number | [number, number]> | undefined => {
    const value = text(flag);
    return value === undefined ? undefined : rangeFlag(flag, value, bounds);
  };
  const set = <K extends keyof AugmentOptions>(key: K, value: AugmentOptions[K] | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  set('rotate', range('rotate', ROTATE));
  set('shift', range('shift', SHIFT));
  set('scale', range('scale', SCALE));
  set('shear', range('shear', SHEAR));
  set('shearY', range('shear-y', SHEAR));
  set('resizedCrop', resizedCropFlags(flags));
  if (text('perspective') !== undefined) options.perspective = perspectiveFlag(text('perspective')!);
  if (text('elastic') !== undefined) options.elastic = elasticFlag(text('elastic')!);
  const horizontal = text('hflip') === undefined ? undefined : probability('hflip', text('hflip')!);
  const vertical = text('vflip') === undefined ? undefined : probability('vflip', text('vflip')!);
  if (horizontal !== undefined || vertical !== undefined) options.flip = { horizontal, vertical };
  set('thickness', range('thickness', THICKNESS));
  set('brightness', range('brightness', BRIGHTNESS));
  set('contrast', range('contrast', BRIGHTNESS));
  set('gamma', range('gamma', GAMMA));
  if (text('blur') !== undefined) {
    options.blur = blurFlag(text('blur')!);
    if (text('blur-sigma') !== undefined) options.blur.sigma = blurSigmaFlag(text('blur-sigma')!);
  } else if (text('blur-sigma') !== undefined) throw new UsageError('Expected --blur K with --blur-sigma');
  set('sharpness', range('sharpness', SHARPNESS));
  if (text('posterize') !== undefined) options.posterize = bitsFlag(text('posterize')!);
  set('solarize', range('solarize', THRESHOLD));
  for (const flag of ['autocontrast', 'equalize', 'invert'] as const) if (text(flag) !== undefined) options[flag] = { p: probability(flag, text(flag)!) };
  set('noise', range('noise', NOISE));
  set('erase', eraseFlags(flags));
  options.interpolation = interpolationOf(String(flags.interpolation ?? 'bilinear'));
  options.fill = decimal('fill', String(flags.fill ?? '0'));
  return options;
}
