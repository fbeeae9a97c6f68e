// The flags of `idxflow export`, their rules and its --help, apart from the export itself
// (export.ts), which commandTable.ts imports only when an export runs.
import { EXPORT_FORMATS, type ExportFormat } from '@idxflow/sinks';
import { onlyWith, usageOf, type CommandLine, type FlagRule, type FlagSpec } from '../flags.js';
import { integerIn, shown } from '../numbers.js';
import { DATA_FLAGS, DATA_RULES, dataUsage, MAX_SAMPLES, NORMALIZE_FLAG, WORKERS_FLAG } from '../options.js';
import { UsageError } from '../usageError.js';
import { partOf } from './exportPart.js';
import { MIX_FLAGS, MIX_RULES } from '../mixFlags.js';
import { TASK_FLAGS, TASK_RULES } from '../taskFlags.js';
import { CORRUPT_FLAGS, CORRUPT_RULES, SUITE_FLAGS, SUITE_RULES } from '../corruptFlags.js';

const EXPORT_SPLIT: FlagSpec = {
  type: 'string',
  arg: 'train|val|test|all',
  default: 'train',
  help: "split; all: both, train augmented as the flags say, test as is, laid out as readers expect (idx: MNIST's raw names, npz: Keras' mnist.npz, png and wds: train/, test/)",
  check: (t) => {
    if (!['train', 'val', 'test', 'all'].includes(t)) throw new UsageError(`Expected train, val, test or all for --split but received ${shown(t)}`);
  },
};

export const MAX_SHARD_SIZE = 1_000_000;
const MAX_PARTS = 1_000_000;

/** The flags of the export itself. */
const OWN_FLAGS = {
  copies: {
    type: 'string',
    arg: 'N',
    default: '1',
    help: `augmented passes over the split (epochs 0..N-1), 1 to ${MAX_SAMPLES}, and N x the split's samples at most ${MAX_SAMPLES}`,
    check: (t) => integerIn('copies', t, 1, MAX_SAMPLES),
  },
  shuffle: { type: 'boolean', help: 'shuffle each pass (seeded by --seed)' },
  normalize: { ...NORMALIZE_FLAG, help: `${NORMALIZE_FLAG.help}; npy and npz only` },
  format: { type: 'string', arg: EXPORT_FORMATS.join('|'), default: 'idx', help: 'file format', check: (t) => formatOf(t) },
  workers: WORKERS_FLAG,
  out: { type: 'string', arg: 'DIR', help: 'output directory: new, empty, or holding this same export (required)', path: true },
  'shard-size': {
    type: 'string',
    arg: 'N',
    help: `samples per WebDataset shard, 1 to ${MAX_SHARD_SIZE} (wds only; default 10000)`,
    check: (t) => integerIn('shard-size', t, 1, MAX_SHARD_SIZE),
  },
  overwrite: { type: 'boolean', help: 'replace an earlier idxflow export in --out (removes the files its manifest lists)' },
  ...CORRUPT_FLAGS,
  ...SUITE_FLAGS,
} as const satisfies Record<string, FlagSpec>;

/** The flags of one part of an export that many machines share. */
const PART_FLAGS = {
  shard: {
    type: 'string',
    arg: 'I/N',
    help: `this machine's part, 0 <= I < N <= ${MAX_PARTS} (wins over the environment); without it, from the scheduler's environment: JOB_COMPLETION_INDEX (Kubernetes; N from --shards N or IDXFLOW_SHARDS), SLURM_ARRAY_TASK_ID (the part itself with --shards N or IDXFLOW_SHARDS; else (ID - MIN) / STEP of SLURM_ARRAY_TASK_COUNT), or RANK/WORLD_SIZE`,
    check: (t) => partOf({ shard: t }, {}),
  },
  shards: { type: 'string', arg: 'N', help: `the part count (1 to ${MAX_PARTS}), as IDXFLOW_SHARDS does: with JOB_COMPLETION_INDEX, SLURM_ARRAY_TASK_ID (then the task ID is the part: --array=0-(N-1)) or RANK`, check: (t) => integerIn('shards', t, 1, MAX_PARTS) },
} as const satisfies Record<string, FlagSpec>;

export const EXPORT_FLAGS = { ...DATA_FLAGS, split: EXPORT_SPLIT, ...OWN_FLAGS, ...TASK_FLAGS, ...MIX_FLAGS, ...PART_FLAGS } as const satisfies Record<string, FlagSpec>;

const format = (line: CommandLine): string => String(line.values.format);

export const EXPORT_RULES: readonly FlagRule[] = [
  ({ given }) => {
    if (!given.has('out')) throw new UsageError('Expected --out DIR (idxflow help export lists the options)');
  },
  onlyWith('shard-size', (line) => format(line) === 'wds', '--format wds', (line) => `--format ${format(line)}`),
  onlyWith('normalize', (line) => ['npy', 'npz'].includes(format(line)), '--format npy or npz', (line) => `--format ${format(line)}`),
  ({ given, values }) => {
    const file = ['images', 'images-dir', 'parquet', 'npz', 'npy', 'csv'].find((f) => given.has(f));
    const named = file === 'images' ? '--images and --labels give' : `--${file} gives`;
    if (values.split === 'all' && file) throw new UsageError(`Expected a named --dataset with --split all (${named} one split)`);
  },
  ({ values }) => {
    if (partOf(values, process.env) && values.split === 'all') throw new UsageError('Expected one split (train or test) for a part of an export: run the parts of each split on their own');
  },
  ...MIX_RULES,
  ...TASK_RULES,
  ...CORRUPT_RULES,
  ...SUITE_RULES,
  ...DATA_RULES,
];

export const exportUsage = `Usage: idxflow export --out DIR [options]

Writes the (augmented) dataset in a format other tools read, with a manifest.json.

${dataUsage(EXPORT_SPLIT)}
${usageOf('Export', OWN_FLAGS)}
${usageOf('Continual-learning tasks (each task made from the source first, then augmented and written as the other flags say)', TASK_FLAGS)}
${usageOf('Mixing (after the augmentation and --normalize, in groups of --mix-batch; the train split only with --split all)', MIX_FLAGS)}
${usageOf('Many machines (each writes part I of N and its own manifest; see merge-manifests)', PART_FLAGS)}
A rerun with the same flags resumes an interrupted export: complete files are kept; Ctrl-C
stops one, keeping its complete files. Progress goes to stderr: a bar on a terminal, else a
line every IDXFLOW_PROGRESS_SECONDS seconds (default 5).`;

export function formatOf(text: string): ExportFormat {
  if (!(EXPORT_FORMATS as readonly string[]).includes(text)) throw new UsageError(`Expected one of ${EXPORT_FORMATS.join(', ')} for --format but received ${shown(text)}`);
  return text as ExportFormat;
}
