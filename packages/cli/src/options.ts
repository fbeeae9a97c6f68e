// Command-line flags shared by preview, export and serve: which data, which augmentation.
import { CATALOG, datasetEntry, idx, type Block, type DatasetProgress, type Split } from '@idxflow/core';
import type { AugmentOptions, Chance } from '@idxflow/transforms';
import type { Observable } from 'rxjs';
import { UsageError } from './commands/info.js';
import { fileSourceOf } from './dataSources.js';

/** parseArgs option table of the data-selection and augmentation flags. */
export const DATA_FLAGS = {
  dataset: { type: 'string', default: 'mnist' },
  split: { type: 'string', default: 'train' },
  images: { type: 'string' },
  labels: { type: 'string' },
  dir: { type: 'string' },
  'images-dir': { type: 'string' },
  'mnist-style': { type: 'boolean', default: false },
  parquet: { type: 'string' },
  npz: { type: 'string' },
  npy: { type: 'string' },
  orientation: { type: 'string' },
  rotate: { type: 'string' },
  shift: { type: 'string' },
  scale: { type: 'string' },
  shear: { type: 'string' },
  'shear-y': { type: 'string' },
  elastic: { type: 'string' },
  hflip: { type: 'string' },
  vflip: { type: 'string' },
  thickness: { type: 'string' },
  brightness: { type: 'string' },
  contrast: { type: 'string' },
  gamma: { type: 'string' },
  noise: { type: 'string' },
  erase: { type: 'string' },
  'erase-scale': { type: 'string' },
  'erase-ratio': { type: 'string' },
  'erase-value': { type: 'string' },
  interpolation: { type: 'string', default: 'bilinear' },
  fill: { type: 'string', default: '0' },
  seed: { type: 'string', default: '0' },
  help: { type: 'boolean', default: false },
} as const;

export const DATA_USAGE = `Data:
  --dataset NAME           mnist (default), fashion-mnist, kmnist, qmnist, emnist-byclass,
                           emnist-bymerge, emnist-balanced, emnist-letters, emnist-digits, emnist-mnist
  --split train|test       split (default train)
  --dir DIR                look for the dataset's files in DIR only
  --orientation upright|stored   EMNIST: upright (default) or as stored (transposed)
Or one of these sources instead of --dataset:
  --images FILE --labels FILE    any IDX pair (raw, .gz or .xz)
  --images-dir DIR [--mnist-style]   DIR/<class>/<image>.png|.jpg; --mnist-style: MNIST's 20x20 fit, centred
  --parquet FILE[,FILE...]       Parquet in the Hugging Face layout (image struct<bytes, path>, label)
  --npz FILE                     an npz export (x, y) or Keras' mnist.npz (with --split)
  --npy IMAGES.npy,LABELS.npy    an npy export
Augmentation (all off by default; DEG, PX or R alone means -X:X, a factor F alone exactly F;
@P after a value applies it to a share P of the samples, e.g. --rotate 15@0.5):
  --rotate DEG|MIN:MAX[@P]     degrees, counter-clockwise
  --shift PX|MIN:MAX[@P]       pixels, right/down
  --scale F|MIN:MAX[@P]        factor about the centre
  --shear DEG|MIN:MAX[@P]      degrees along x
  --shear-y DEG|MIN:MAX[@P]    degrees along y
  --elastic ALPHA:SIGMA[@P]    Simard et al. 2003 (e.g. 34:4)
  --hflip P, --vflip P         mirror a share P of the samples, before the rest
  --thickness R|MIN:MAX[@P]    stroke: dilate (R > 0) or erode (R < 0) by a disk of radius R px
  --brightness F|MIN:MAX[@P]   torchvision's adjust_brightness factor (e.g. 0.8:1.2)
  --contrast F|MIN:MAX[@P]     torchvision's adjust_contrast factor
  --gamma G|MIN:MAX[@P]        torchvision's adjust_gamma exponent
  --noise SIGMA|MIN:MAX[@P]    Gaussian noise, SIGMA in units of the full range (0.1 = 25.5 levels)
  --erase P                    random erasing (torchvision's RandomErasing) of a share P
  --erase-scale MIN:MAX        its area share (default 0.02:0.33)
  --erase-ratio MIN:MAX        its aspect ratio (default 0.3:3.3)
  --erase-value V              its value, 0-255 (default 0)
  --interpolation bilinear|nearest  (default bilinear)
  --fill V                 value outside the image (default 0)
  --seed N                 seed of every random draw (default 0)`;

type Flags = { [K in keyof typeof DATA_FLAGS]?: string | boolean };

function number(flag: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) throw new UsageError(`Expected a number for --${flag} but received "${text}"`);
  return value;
}

/** "15" → 15 (meaning -15:15); "-5:10" → [-5, 10]. */
export function parseRange(flag: string, text: string): number | [number, number] {
  const parts = text.split(':');
  if (parts.length === 1) return number(flag, parts[0]);
  if (parts.length !== 2) throw new UsageError(`Expected N or MIN:MAX for --${flag} but received "${text}"`);
  const [min, max] = parts.map((p) => number(flag, p));
  if (min > max) throw new UsageError(`Expected MIN <= MAX for --${flag} but received "${text}"`);
  return [min, max];
}

export function parseInteger(flag: string, text: string, min = -Number.MAX_SAFE_INTEGER): number {
  const value = number(flag, text);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`Expected an integer >= ${min} for --${flag} but received "${text}"`);
  return value;
}

/** "TEXT@P" → TEXT and P (undefined without "@"). */
function withChance(flag: string, text: string): { text: string; p: number | undefined } {
  const at = text.lastIndexOf('@');
  if (at < 0) return { text, p: undefined };
  const p = Number(text.slice(at + 1));
  if (text.slice(at + 1).trim() === '' || !(p >= 0 && p <= 1)) throw new UsageError(`Expected a probability between 0 and 1 after @ for --${flag} but received "${text}"`);
  return { text: text.slice(0, at), p };
}

const chance = <R>(range: R, p: number | undefined): Chance<R> => (p === undefined ? range : { range, p });

/**
 * A range flag, "X" or "MIN:MAX" with "@P": `symmetric` flags take X >= 0 (meaning -X:X); every
 * value must lie within [low, high] (`what` says so in the message).
 */
function rangeFlag(flag: string, value: string, symmetric: boolean, [low, high, what]: [number, number, string]): Chance<number | [number, number]> {
  const { text, p } = withChance(flag, value);
  const range = parseRange(flag, text);
  const [min, max] = typeof range === 'number' ? (symmetric ? [-range, range] : [range, range]) : range;
  if (typeof range === 'number' && symmetric && range < 0) throw new UsageError(`Expected X >= 0 or MIN:MAX for --${flag} but received "${value}"`);
  if (!(min >= low && max <= high)) throw new UsageError(`Expected ${what} for --${flag} but received "${value}"`);
  return chance(range, p);
}

const ANY: [number, number, string] = [-Infinity, Infinity, 'numbers'];
const FACTOR: [number, number, string] = [0, Infinity, 'non-negative values'];
const SHEAR: [number, number, string] = [-89.999, 89.999, 'degrees within (-90, 90)'];

/** A probability flag, 0 to 1. */
function probabilityFlag(flag: string, text: string): number {
  const p = number(flag, text);
  if (!(p >= 0 && p <= 1)) throw new UsageError(`Expected a probability between 0 and 1 for --${flag} but received "${text}"`);
  return p;
}

/** MIN:MAX (both given) for a sub-option of --erase, within [low, high] (exclusive of 0 if `positive`). */
function pairFlag(flag: string, text: string, positive: boolean, high: number): [number, number] {
  const range = parseRange(flag, text);
  if (typeof range === 'number' || (positive ? !(range[0] > 0) : range[0] < 0) || range[1] > high) {
    throw new UsageError(`Expected MIN:MAX with ${positive ? '0 < MIN' : '0 <= MIN'} <= MAX <= ${high} for --${flag} but received "${text}"`);
  }
  return range;
}

function elasticFlag(value: string): AugmentOptions['elastic'] {
  const { text, p } = withChance('elastic', value);
  const parts = text.split(':');
  if (parts.length !== 2) throw new UsageError(`Expected ALPHA:SIGMA for --elastic but received "${value}"`);
  const [alpha, sigma] = parts.map((part) => number('elastic', part));
  if (alpha < 0 || sigma <= 0) throw new UsageError(`Expected ALPHA >= 0 and SIGMA > 0 for --elastic but received "${value}"`);
  return p === undefined ? { alpha, sigma } : { alpha, sigma, p };
}

function eraseFlags(flags: Flags): AugmentOptions['erase'] {
  const given = (['erase-scale', 'erase-ratio', 'erase-value'] as const).filter((f) => typeof flags[f] === 'string');
  if (typeof flags.erase !== 'string') {
    if (given.length > 0) throw new UsageError(`Expected --erase P with --${given[0]}`);
    return undefined;
  }
  const erase: NonNullable<AugmentOptions['erase']> = { p: probabilityFlag('erase', flags.erase) };
  if (typeof flags['erase-scale'] === 'string') erase.scale = pairFlag('erase-scale', flags['erase-scale'], false, 1);
  if (typeof flags['erase-ratio'] === 'string') erase.ratio = pairFlag('erase-ratio', flags['erase-ratio'], true, Infinity);
  if (typeof flags['erase-value'] === 'string') {
    const value = number('erase-value', flags['erase-value']);
    if (!(value >= 0 && value <= 255)) throw new UsageError(`Expected a value between 0 and 255 for --erase-value but received "${flags['erase-value']}"`);
    erase.value = value;
  }
  return erase;
}

/** The augmentation the flags ask for. */
export function augmentOptions(flags: Flags): AugmentOptions {
  const options: AugmentOptions = {};
  const text = (flag: keyof Flags): string | undefined => (typeof flags[flag] === 'string' ? (flags[flag] as string) : undefined);
  const range = (flag: keyof Flags, symmetric: boolean, bounds: [number, number, string]): Chance<number | [number, number]> | undefined => {
    const value = text(flag);
    return value === undefined ? undefined : rangeFlag(flag, value, symmetric, bounds);
  };
  const set = <K extends keyof AugmentOptions>(key: K, value: AugmentOptions[K] | undefined): void => {
    if (value !== undefined) options[key] = value;
  };
  set('rotate', range('rotate', true, ANY));
  set('shift', range('shift', true, ANY));
  set('scale', range('scale', false, [Number.MIN_VALUE, Infinity, 'positive factors']));
  set('shear', range('shear', true, SHEAR));
  set('shearY', range('shear-y', true, SHEAR));
  if (text('elastic') !== undefined) options.elastic = elasticFlag(text('elastic')!);
  const horizontal = text('hflip') === undefined ? undefined : probabilityFlag('hflip', text('hflip')!);
  const vertical = text('vflip') === undefined ? undefined : probabilityFlag('vflip', text('vflip')!);
  if (horizontal !== undefined || vertical !== undefined) options.flip = { horizontal, vertical };
  set('thickness', range('thickness', true, [-64, 64, 'radii within [-64, 64]']));
  set('brightness', range('brightness', false, FACTOR));
  set('contrast', range('contrast', false, FACTOR));
  set('gamma', range('gamma', false, FACTOR));
  set('noise', range('noise', false, FACTOR));
  set('erase', eraseFlags(flags));
  const interpolation = flags.interpolation ?? 'bilinear';
  if (interpolation !== 'bilinear' && interpolation !== 'nearest') {
    throw new UsageError(`Expected bilinear or nearest for --interpolation but received "${String(interpolation)}"`);
  }
  options.interpolation = interpolation;
  options.fill = number('fill', String(flags.fill ?? '0'));
  return options;
}

export function seedOf(flags: Flags): number {
  return parseInteger('seed', String(flags.seed ?? '0'));
}

/** The source the flags select, and a label for messages. */
export function sourceOf(flags: Flags, onProgress?: (event: DatasetProgress) => void): { source: Observable<Block<Uint8Array>>; name: string; split: Split } {
  const split = flags.split ?? 'train';
  if (split !== 'train' && split !== 'test') throw new UsageError(`Expected train or test for --split but received "${String(split)}"`);
  const file = fileSourceOf(flags, split);
  if (file) return { source: file.source, name: file.name, split };
  if (typeof flags.images === 'string' || typeof flags.labels === 'string') {
    if (typeof flags.images !== 'string' || typeof flags.labels !== 'string') throw new UsageError('Expected both --images FILE and --labels FILE');
    return { source: idx({ images: flags.images, labels: flags.labels }), name: flags.images, split };
  }
  const id = String(flags.dataset ?? 'mnist');
  const entry = datasetEntry(id);
  if (!entry) throw new UsageError(`Expected one of ${Object.keys(CATALOG).join(', ')} for --dataset but received "${id}"`);
  const dir = typeof flags.dir === 'string' ? flags.dir : undefined;
  const orientation = flags.orientation;
  if (orientation !== undefined && (!id.startsWith('emnist-') || (orientation !== 'upright' && orientation !== 'stored'))) throw new UsageError(`Expected --orientation upright or stored with an emnist-* --dataset but received "${String(orientation)}" with ${id}`);
  return { source: entry.open({ split, dir, onProgress, orientation: orientation as 'upright' | 'stored' | undefined }), name: `${id} ${split}`, split };
}
