import { availableParallelism } from 'node:os';
import { asRows, batch, datasetEntry, epochs, loadBlock, shuffleRows, skipSamples, takeSamples, type Block, type Run, type Split } from '@idxflow/core';
import { EXPORT_FORMATS, runExport, type ExportFormat, type ExportSection } from '@idxflow/sinks/internal';
import { augment, augmentPool, type AugmentOptions } from '@idxflow/transforms';
import { of, type Observable } from 'rxjs';
import { augmentOptions, DATA_FLAGS, DATA_USAGE, parseInteger, seedOf, sourceOf } from '../options.js';
import { progressInterval, progressReporter } from '../progress.js';
import { VERSION } from '../version.js';
import { UsageError } from './info.js';
import { partOf } from './exportPart.js';
import { fileSourceOf, hfDescription } from '../dataSources.js';

export const EXPORT_FLAGS = {
  ...DATA_FLAGS,
  split: { type: 'string', default: 'train' },
  copies: { type: 'string', default: '1' },
  shuffle: { type: 'boolean', default: false },
  normalize: { type: 'string' },
  format: { type: 'string', default: 'idx' },
  workers: { type: 'string' },
  out: { type: 'string' },
  'shard-size': { type: 'string' },
  shard: { type: 'string' },
  shards: { type: 'string' },
  overwrite: { type: 'boolean', default: false },
} as const;

export const exportUsage = `Usage: idxflow export --out DIR [options]

Writes the (augmented) dataset in a format other tools read, with a manifest.json.

${DATA_USAGE}
  --split all            both splits: train augmented as the flags say, test as is, laid out
                         as readers expect (idx: MNIST's raw names, npz: Keras' mnist.npz,
                         png and wds: train/ and test/)
Export:
  --copies N             N augmented passes over the split (epochs 0..N-1; default 1)
  --shuffle              shuffle each pass (seeded by --seed)
  --normalize MEAN:STD   float32 output (v/255 - MEAN)/STD; npy and npz only
  --format idx|idx.gz|npy|npz|png|wds|hf   (default idx; hf: Hugging Face Parquet + README.md card)
  --shard-size N         samples per WebDataset shard (wds only; default 10000)
  --workers N            augmentation (and PNG) threads (default: cores - 1, at least 1)
  --out DIR              output directory: new, empty, or holding this same export (default: none)
  --overwrite            replace an earlier idxflow export in --out (removes the files its manifest lists)
Many machines (each writes part I of N and its own manifest; see merge-manifests):
  --shard I/N            this machine's part; without it, from the scheduler's environment:
                         JOB_COMPLETION_INDEX (Kubernetes; N from --shards N or IDXFLOW_SHARDS),
                         SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, or RANK/WORLD_SIZE
  --shards N             the part count, with JOB_COMPLETION_INDEX
A rerun with the same flags resumes an interrupted export: complete files are kept; Ctrl-C
stops one, keeping its complete files. Progress goes to stderr: a bar on a terminal, else a
line every IDXFLOW_PROGRESS_SECONDS seconds (default 5).`;

/** The flags that make an export what it is (not where or on how many threads it runs): its manifest's pipeline. */
function pipelineRecord(flags: Record<string, unknown>, options: AugmentOptions, normalize: object | undefined, copies: number, split: string, name: string): object {
  return { source: name, split, copies, shuffle: Boolean(flags.shuffle), augment: options, normalize: normalize ?? null, shardSize: flags['shard-size'] === undefined ? null : Number(flags['shard-size']) };
}

function parseNormalize(text: unknown, format: ExportFormat): { mean: number; std: number } | undefined {
  if (typeof text !== 'string') return undefined;
  if (format !== 'npy' && format !== 'npz') throw new UsageError(`Expected --format npy or npz with --normalize but received "${format}"`);
  const parts = text.split(':');
  const [mean, std] = parts.map(Number);
  if (parts.length !== 2 || !Number.isFinite(mean) || !Number.isFinite(std) || std === 0) throw new UsageError(`Expected MEAN:STD with STD != 0 for --normalize but received "${text}"`);
  return { mean, std };
}

/** The splits the flags ask for, each with its source and input files. */
async function splitsOf(flags: Record<string, string | boolean | undefined>): Promise<{ split: Split; data: Block<Uint8Array>; inputs: string[]; name: string }[]> {
  const which = String(flags.split);
  if (which !== 'train' && which !== 'test' && which !== 'all') throw new UsageError(`Expected train, test or all for --split but received "${which}"`);
  if (which === 'all' && (typeof flags.images === 'string' || fileSourceOf(flags, 'train'))) throw new UsageError('Expected a named --dataset with --split all (--images and --labels, or a file source, give one split)');
  const splits: Split[] = which === 'all' ? ['train', 'test'] : [which];
  const out = [];
  for (const split of splits) {
    const { source, name } = sourceOf({ ...flags, split });
    const file = fileSourceOf(flags, split);
    const inputs = file
      ? file.inputs
      : typeof flags.images === 'string'
        ? [flags.images, String(flags.labels)]
        : await datasetEntry(String(flags.dataset))!.files({ split, dir: typeof flags.dir === 'string' ? flags.dir : undefined });
    const data = await loadBlock(source);
    if (data.shape[1] < 1 || data.shape[2] < 1) throw new UsageError(`Expected images of at least 1 x 1 pixels in ${inputs[0]} but received ${data.shape[1]} x ${data.shape[2]}`);
    out.push({ split, data, inputs, name });
  }
  return out;
}

export async function exportCommand(flags: Record<string, string | boolean | undefined>, signal?: AbortSignal): Promise<string> {
  if (typeof flags.out !== 'string') throw new UsageError(`Expected --out DIR\n\n${exportUsage}`);
  const format = String(flags.format) as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`Expected one of ${EXPORT_FORMATS.join(', ')} for --format but received "${format}"`);
  const copies = parseInteger('copies', String(flags.copies), 1);
  const workers = flags.workers === undefined ? Math.max(1, availableParallelism() - 1) : parseInteger('workers', String(flags.workers), 0);
  const seed = seedOf(flags);
  const options = augmentOptions(flags);
  const normalize = parseNormalize(flags.normalize, format);
  if (flags['shard-size'] !== undefined && format !== 'wds') throw new UsageError(`Expected --shard-size only with --format wds but received --format ${format}`);
  const shardSize = flags['shard-size'] === undefined ? undefined : parseInteger('shard-size', String(flags['shard-size']), 1);
  const part = partOf(flags, process.env);
  if (part && flags.split === 'all') throw new UsageError('Expected one split (train or test) for a part of an export: run the parts of each split on their own');
  const splits = await splitsOf(flags);
  const pool = workers > 0 ? augmentPool(workers) : undefined;
  const sections: ExportSection[] = splits.map(({ split, data }, k) => {
    const test = flags.split === 'all' && k === 1; // --split all: the test split exactly as it is
    const passes = test ? 1 : copies;
    return {
      split,
      total: data.shape[0] * passes,
      // The samples at export positions [first, first + count): every one a pure function of its position.
      source: (first: number, count: number): Observable<Block> => {
        const runs: Observable<Run> = of(data).pipe(epochs(passes), flags.shuffle && !test ? shuffleRows({ seed }) : asRows());
        return runs.pipe(skipSamples(first), takeSamples(count), batch(1024), augment(test ? { normalize } : { ...options, normalize }, { seed, pool }));
      },
    };
  });
  const label = `export ${splits.map((s) => s.name).join(' + ')}${part ? ` (part ${part.index + 1} of ${part.of})` : ''}`;
  const progress = progressReporter(label, process.stderr, progressInterval(process.env));
  const start = performance.now();
  try {
    const run = await runExport({
      dir: flags.out,
      format,
      sections,
      part,
      shardSize,
      workers: format === 'png' || format === 'wds' ? workers : undefined,
      hf: format === 'hf' ? await hfDescription(flags) : undefined,
      manifest: { version: VERSION, seed, pipeline: pipelineRecord(flags, options, normalize, copies, String(flags.split), splits.map((s) => s.name).join(' + ')) },
      inputs: splits.flatMap((s) => s.inputs),
      overwrite: flags.overwrite === true,
      recycle: true, // nothing keeps the blocks once written: their memory serves the next ones
      onProgress: (done, of) => progress.update(done, of),
      signal,
    });
    const seconds = (performance.now() - start) / 1000;
    if (run.alreadyComplete) return `${run.manifest} in ${flags.out}: already complete (${run.summary.count} images, ${run.summary.files.length} files verified): nothing to do`;
    const made = run.summary.count - run.keptSamples;
    const resumed = run.kept.length > 0 ? `, kept ${run.kept.length} complete files (${run.keptSamples} images) of an interrupted run` : '';
    const removed = run.removed.length > 0 ? `, replaced an earlier export (${run.removed.length} files removed)` : '';
    return `exported ${made} images (${format}) to ${flags.out} in ${seconds.toFixed(2)} s (${Math.round(made / seconds)} images/s)${resumed}${removed}; ${run.manifest}`;
  } finally {
    progress.finish();
    await pool?.destroy();
  }
}
