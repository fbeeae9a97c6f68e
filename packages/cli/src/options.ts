// Command-line flags shared by preview, export and serve: which data, which augmentation.
import { DATASETS, datasetById, idx, type Block, type DatasetProgress, type Split } from '@idxflow/core';
import type { AugmentOptions } from '@idxflow/transforms';
import type { Observable } from 'rxjs';
import { UsageError } from './commands/info.js';

/** parseArgs option table of the data-selection and augmentation flags. */
export const DATA_FLAGS = {
  dataset: { type: 'string', default: 'mnist' },
  split: { type: 'string', default: 'train' },
  images: { type: 'string' },
  labels: { type: 'string' },
  dir: { type: 'string' },
  rotate: { type: 'string' },
  shift: { type: 'string' },
  scale: { type: 'string' },
  shear: { type: 'string' },
  elastic: { type: 'string' },
  interpolation: { type: 'string', default: 'bilinear' },
  fill: { type: 'string', default: '0' },
  seed: { type: 'string', default: '0' },
  help: { type: 'boolean', default: false },
} as const;

export const DATA_USAGE = `Data:
  --dataset mnist|fashion-mnist|kmnist   named dataset (default mnist)
  --split train|test                     split (default train)
  --images FILE --labels FILE            any IDX pair instead (raw or .gz)
  --dir DIR                              look for the dataset's files in DIR only
Augmentation (all off by default; DEG alone means -DEG:DEG):
  --rotate DEG|MIN:MAX     degrees, counter-clockwise
  --shift PX|MIN:MAX       pixels, right/down
  --scale MIN:MAX          factor about the centre
  --shear DEG|MIN:MAX      degrees along x
  --elastic ALPHA:SIGMA    Simard et al. 2003 (e.g. 34:4)
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

/** The augmentation the flags ask for. */
export function augmentOptions(flags: Flags): AugmentOptions {
  const options: AugmentOptions = {};
  if (typeof flags.rotate === 'string') options.rotate = parseRange('rotate', flags.rotate);
  if (typeof flags.shift === 'string') options.shift = parseRange('shift', flags.shift);
  if (typeof flags.shear === 'string') options.shear = parseRange('shear', flags.shear);
  if (typeof flags.scale === 'string') {
    const scale = parseRange('scale', flags.scale);
    if ((typeof scale === 'number' ? scale : scale[0]) <= 0) throw new UsageError(`Expected positive factors for --scale but received "${flags.scale}"`);
    options.scale = scale;
  }
  if (typeof flags.elastic === 'string') {
    const parts = flags.elastic.split(':');
    if (parts.length !== 2) throw new UsageError(`Expected ALPHA:SIGMA for --elastic but received "${flags.elastic}"`);
    const [alpha, sigma] = parts.map((p) => number('elastic', p));
    if (alpha < 0 || sigma <= 0) throw new UsageError(`Expected ALPHA >= 0 and SIGMA > 0 for --elastic but received "${flags.elastic}"`);
    options.elastic = { alpha, sigma };
  }
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
  if (typeof flags.images === 'string' || typeof flags.labels === 'string') {
    if (typeof flags.images !== 'string' || typeof flags.labels !== 'string') throw new UsageError('Expected both --images FILE and --labels FILE');
    return { source: idx({ images: flags.images, labels: flags.labels }), name: flags.images, split };
  }
  const id = String(flags.dataset ?? 'mnist');
  if (!(id in DATASETS)) throw new UsageError(`Expected one of ${Object.keys(DATASETS).join(', ')} for --dataset but received "${id}"`);
  const dir = typeof flags.dir === 'string' ? flags.dir : undefined;
  return { source: datasetById(id as keyof typeof DATASETS, { split, dir, onProgress }), name: `${id} ${split}`, split };
}
