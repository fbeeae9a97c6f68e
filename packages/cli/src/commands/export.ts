import { open } from 'node:fs/promises';
import { decodeNpy, fromBytes } from '@idxflow/core/internal';
import { asRows, batch, datasetEntry, epochs, shuffleRows, skipSamples, takeSamples, type Block, type Run, type Split, type WorkerPool } from '@idxflow/core';
import { EXPORT_FORMATS, ExportRefusedError, runExport, type ExportFormat, type ExportSection } from '@idxflow/sinks/internal';
import { loadUntilAborted } from '../interrupted.js';
import { hfDescription, npyFiles } from '../dataSources.js';
import { augment, augmentPool, corrupt, corruptPool, RECIPES, type CorruptOptions } from '@idxflow/transforms';
import { CORRUPT_FLAGS, CORRUPT_RULES, corruptionOf, SUITE_FLAGS, SUITE_RULES } from '../corruptFlags.js';
import { writeSuite } from './exportSuite.js';
import { lastValueFrom, of, type Observable } from 'rxjs';
import { onlyWith, usageOf, type CommandLine, type FlagRule, type FlagSpec } from '../flags.js';
import { integerIn, shown } from '../numbers.js';
import { augmentOptions, DATA_FLAGS, DATA_RULES, dataUsage, MAX_SAMPLES, NORMALIZE_FLAG, normalizeOf, seedOf, sourceOf, WORKERS_FLAG, workersOf } from '../options.js';
import { progressInterval, progressReporter } from '../progress.js';
import { VERSION } from '../version.js';
import { UsageError } from '../usageError.js';
import { partOf } from './exportPart.js';

const EXPORT_SPLIT: FlagSpec = {
  type: 'string',
  arg: 'train|test|all',
  default: 'train',
  help: "split; all: both, train augmented as the flags say, test as is, laid out as readers expect (idx: MNIST's raw names, npz: Keras' mnist.npz, png and wds: train/, test/)",
  check: (t) => {
    if (!['train', 'test', 'all'].includes(t)) throw new UsageError(`Expected train, test or all for --split but received ${shown(t)}`);
  },
};

const MAX_SHARD_SIZE = 1_000_000;
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

export const EXPORT_FLAGS = { ...DATA_FLAGS, split: EXPORT_SPLIT, ...OWN_FLAGS, ...PART_FLAGS } as const satisfies Record<string, FlagSpec>;

const format = (line: CommandLine): string => String(line.values.format);

export const EXPORT_RULES: readonly FlagRule[] = [
  ({ given }) => {
    if (!given.has('out')) throw new UsageError('Expected --out DIR (idxflow help export lists the options)');
  },
  onlyWith('shard-size', (line) => format(line) === 'wds', '--format wds', (line) => `--format ${format(line)}`),
  onlyWith('normalize', (line) => ['npy', 'npz'].includes(format(line)), '--format npy or npz', (line) => `--format ${format(line)}`),
  ({ given, values }) => {
    const file = ['images', 'images-dir', 'parquet', 'npz', 'npy'].find((f) => given.has(f));
    const named = file === 'images' ? '--images and --labels give' : `--${file} gives`;
    if (values.split === 'all' && file) throw new UsageError(`Expected a named --dataset with --split all (${named} one split)`);
  },
  ({ values }) => {
    if (partOf(values, process.env) && values.split === 'all') throw new UsageError('Expected one split (train or test) for a part of an export: run the parts of each split on their own');
  },
  ...CORRUPT_RULES,
  ...SUITE_RULES,
  ...DATA_RULES,
];

export const exportUsage = `Usage: idxflow export --out DIR [options]

Writes the (augmented) dataset in a format other tools read, with a manifest.json.

${dataUsage(EXPORT_SPLIT)}
${usageOf('Export', OWN_FLAGS)}
${usageOf('Many machines (each writes part I of N and its own manifest; see merge-manifests)', PART_FLAGS)}
A rerun with the same flags resumes an interrupted export: complete files are kept; Ctrl-C
stops one, keeping its complete files. Progress goes to stderr: a bar on a terminal, else a
line every IDXFLOW_PROGRESS_SECONDS seconds (default 5).`;

function formatOf(text: string): ExportFormat {
  if (!(EXPORT_FORMATS as readonly string[]).includes(text)) throw new UsageError(`Expected one of ${EXPORT_FORMATS.join(', ')} for --format but received ${shown(text)}`);
  return text as ExportFormat;
}

/** The splits the flags ask for, each with its source (its first --limit samples) and input files. */
async function splitsOf(flags: Flags, signal?: AbortSignal): Promise<{ split: Split; data: Block<Uint8Array>; inputs: string[]; name: string }[]> {
  await refuseFloatNpy(flags);
  const splits: Split[] = flags.split === 'all' ? ['train', 'test'] : [flags.split === 'test' ? 'test' : 'train'];
  const out = [];
  for (const split of splits) {
    const { source, name, inputs: named } = sourceOf({ ...flags, split });
    const inputs = named ?? (await datasetEntry(String(flags.dataset))!.files({ split, dir: typeof flags.dir === 'string' ? flags.dir : undefined }));
    const data = await loadUntilAborted(source, name, signal, inputs.join(' and '));
    if (data.shape[1] < 1 || data.shape[2] < 1) throw new UsageError(`Expected images of at least 1 x 1 pixels in ${inputs[0]} but received ${data.shape[1]} x ${data.shape[2]}`);
    refuseFloatPixels(String(flags.format), (data as Block).images, inputs[0]);
    out.push({ split, data, inputs, name });
  }
  return out;
}

type Flags = Record<string, string | boolean | undefined>;

/** The formats that hold 8-bit PNG files (or IDX's bytes): float32 pixels (an npy/npz export of --normalize) cannot go there. */
const BYTE_FORMATS = ['png', 'wds', 'hf'];

/** The dtype an `--npy` images file's header declares (read from its first 64 KiB), undefined when it has no readable header. */
async function npyDescr(path: string): Promise<string | undefined> {
  const handle = await open(path).catch(() => undefined);
  if (!handle) return undefined;
  try {
    const { buffer, bytesRead } = await handle.read({ buffer: new Uint8Array(65_536), position: 0 });
    let descr: string | undefined;
    await lastValueFrom(fromBytes(buffer.subarray(0, bytesRead)).pipe(decodeNpy({ file: path, onHeader: (h) => (descr = h.descr) })), { defaultValue: undefined }).catch(() => undefined);
    return descr;
  } finally {
    await handle.close();
  }
}

/** Refuses float32 `--npy` images for a format of PNG files from the header alone, before the images are read. */
async function refuseFloatNpy(flags: Flags): Promise<void> {
  if (typeof flags.npy !== 'string' || !BYTE_FORMATS.includes(String(flags.format))) return;
  const [images] = npyFiles(flags.npy);
  const descr = await npyDescr(images);
  if (descr?.endsWith('f4') !== true) return;
  throw new ExportRefusedError({ file: images, expected: `uint8 images for --format ${String(flags.format)} (PNG files hold 8-bit pixels; export float32 images as npy or npz)`, found: `float32 images (descr '${descr}')` });
}

/** Refuses, before anything is written, float32 pixels for a format of PNG files. */
function refuseFloatPixels(format: string, images: Block['images'], input: string): void {
  if (!(images instanceof Float32Array) || !BYTE_FORMATS.includes(format)) return;
  throw new ExportRefusedError({ file: input, expected: `uint8 images for --format ${format} (PNG files hold 8-bit pixels; export float32 images as npy or npz)`, found: `float32 images (${images.length} values)` });
}
type Settings = ReturnType<typeof settingsOf>;
type Splits = Awaited<ReturnType<typeof splitsOf>>;

/** What the flags ask of the export, each converted (EXPORT_RULES checked them). */
function settingsOf(flags: Flags) {
  return {
    out: String(flags.out),
    format: formatOf(String(flags.format)),
    copies: integerIn('copies', String(flags.copies), 1, MAX_SAMPLES),
    workers: workersOf(flags),
    seed: seedOf(flags),
    options: augmentOptions(flags),
    normalize: normalizeOf(flags.normalize),
    shardSize: flags['shard-size'] === undefined ? undefined : integerIn('shard-size', String(flags['shard-size']), 1, MAX_SHARD_SIZE),
    limit: flags.limit === undefined ? undefined : Number(flags.limit),
    part: partOf(flags, process.env),
    corruption: typeof flags.corrupt === 'string' ? corruptionOf(flags.corrupt) : undefined,
  };
}

/** Passes over split k: --copies, but the test split of --split all once, exactly as it is. */
const passesOf = (flags: Flags, settings: Settings, k: number): number => (flags.split === 'all' && k === 1 ? 1 : settings.copies);

/** Refuses an export of more samples than 32-bit counts hold (and a disk, most likely). */
function checkTotal(flags: Flags, settings: Settings, splits: Splits): void {
  const total = splits.reduce((sum, { data }, k) => sum + data.shape[0] * passesOf(flags, settings, k), 0);
  if (total > MAX_SAMPLES) {
    const counts = `N x ${splits[0].data.shape[0]}${splits.length > 1 ? ` + ${splits[1].data.shape[0]}` : ''}`;
    throw new UsageError(`Expected --copies N with ${counts} samples at most ${MAX_SAMPLES} but received ${settings.copies} (${total} samples; --limit takes fewer)`);
  }
}

/** The sections of the export: each split's samples as a function of their positions. */
function sectionsOf(flags: Flags, settings: Settings, splits: Splits, pool: WorkerPool | undefined, corruptions: WorkerPool | undefined): ExportSection[] {
  const { seed, options, normalize, corruption } = settings;
  return splits.map(({ split, data }, k) => {
    const test = flags.split === 'all' && k === 1;
    const passes = passesOf(flags, settings, k);
    return {
      split,
      total: data.shape[0] * passes,
      // The samples at export positions [first, first + count): every one a pure function of its position.
      source: (first: number, count: number): Observable<Block> => {
        const runs: Observable<Run> = of(data).pipe(epochs(passes), flags.shuffle && !test ? shuffleRows({ seed }) : asRows());
        const augmented = runs.pipe(skipSamples(first), takeSamples(count), batch(1024), augment(test ? { normalize } : { ...options, normalize }, { seed, pool }));
        return corruption ? augmented.pipe(corrupt(corruption, { seed, pool: corruptions })) : augmented;
      },
    };
  });
}

/** The flags that make an export what it is (not where or on how many threads it runs): its manifest's pipeline. */
function pipelineRecord(flags: Flags, { options, normalize, copies, shardSize, limit, corruption }: Settings, name: string): object {
  const record = { source: name, split: String(flags.split), copies, shuffle: Boolean(flags.shuffle), augment: options, normalize: normalize ?? null, shardSize: shardSize ?? null };
  const limited = limit === undefined ? record : { ...record, limit }; // exports made before --limit keep their record, to resume
  return corruption ? { ...limited, corrupt: corruptionRecord(corruption) } : limited;
}

/** The corruption as the manifest records it: its name and the severity it ran at. */
function corruptionRecord(corruption: CorruptOptions): object {
  const released = RECIPES[corruption.name].released;
  const severity = corruption.severity ?? released;
  return severity === undefined ? { name: corruption.name } : { name: corruption.name, severity };
}

export async function exportCommand(flags: Flags, signal?: AbortSignal): Promise<string> {
  if (typeof flags.suite === 'string') return writeSuite(flags, signal);
  const settings = settingsOf(flags);
  const splits = await splitsOf(flags, signal);
  checkTotal(flags, settings, splits);
  const pool = settings.workers > 0 ? augmentPool(settings.workers) : undefined;
  const corruptions = settings.workers > 0 && settings.corruption ? corruptPool(settings.workers) : undefined;
  try {
    return await writeExport(flags, settings, splits, sectionsOf(flags, settings, splits, pool, corruptions), signal);
  } finally {
    await Promise.all([pool?.destroy(), corruptions?.destroy()]);
  }
}

/** Runs the export of `sections` with a progress report; the summary line. */
async function writeExport(flags: Flags, settings: Settings, splits: Splits, sections: ExportSection[], signal: AbortSignal | undefined): Promise<string> {
  const { out, format, workers, seed, shardSize, part } = settings;
  const name = splits.map((s) => s.name).join(' + ');
  const progress = progressReporter(`export ${name}${part ? ` (part ${part.index + 1} of ${part.of})` : ''}`, process.stderr, progressInterval(process.env));
  const start = performance.now();
  try {
    const run = await runExport({
      dir: out,
      format,
      sections,
      part,
      shardSize,
      workers: format === 'png' || format === 'wds' ? workers : undefined,
      hf: format === 'hf' ? await hfDescription(flags) : undefined,
      manifest: { version: VERSION, seed, pipeline: pipelineRecord(flags, settings, name) },
      inputs: splits.flatMap((s) => s.inputs),
      overwrite: flags.overwrite === true,
      recycle: true, // nothing keeps the blocks once written: their memory serves the next ones
      onProgress: (done, of) => progress.update(done, of),
      onWait: (holder) => process.stderr.write(`idxflow: waiting for the run that holds this part of ${out} (${holder}): it may be alive on another host\n`),
      signal,
    });
    const seconds = (performance.now() - start) / 1000;
    if (run.alreadyComplete) return `${run.manifest} in ${out}: already complete (${run.summary.count} images, ${run.summary.files.length} files verified): nothing to do`;
    const made = run.summary.count - run.keptSamples;
    const resumed = run.kept.length > 0 ? `, kept ${run.kept.length} complete files (${run.keptSamples} images) of an interrupted run` : '';
    const removed = run.removed.length > 0 ? `, replaced an earlier export (${run.removed.length} files removed)` : '';
    return `exported ${made} images (${format}) to ${out} in ${seconds.toFixed(2)} s (${Math.round(made / seconds)} images/s)${resumed}${removed}; ${run.manifest}`;
  } finally {
    progress.finish();
  }
}
