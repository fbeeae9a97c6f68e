import { availableParallelism } from 'node:os';
import { batch, epochs, shuffleRows, type Block, type Run } from '@idxflow/core';
import { EXPORT_FORMATS, exportTo, type ExportFormat } from '@idxflow/sinks';
import { augment } from '@idxflow/transforms';
import type { Observable } from 'rxjs';
import { augmentOptions, DATA_FLAGS, DATA_USAGE, parseInteger, seedOf, sourceOf } from '../options.js';
import { progressBar } from '../progress.js';
import { UsageError } from './info.js';
import { VERSION } from '../version.js';

export const EXPORT_FLAGS = {
  ...DATA_FLAGS,
  copies: { type: 'string', default: '1' },
  shuffle: { type: 'boolean', default: false },
  normalize: { type: 'string' },
  format: { type: 'string', default: 'idx' },
  workers: { type: 'string' },
  out: { type: 'string' },
  'shard-size': { type: 'string', default: '10000' },
} as const;

// Every named dataset has 60,000 training and 10,000 test samples.
const SPLIT_SIZE = { train: 60000, test: 10000 } as const;

export const exportUsage = `Usage: idxflow export --out DIR [options]

Writes the (augmented) dataset in a format other tools read, with a manifest.json.

${DATA_USAGE}
Export:
  --copies N             N augmented passes over the split (epochs 0..N-1; default 1)
  --shuffle              shuffle each pass (seeded by --seed)
  --normalize MEAN:STD   float32 output (v/255 - MEAN)/STD; npy and npz only
  --format idx|idx.gz|npy|npz|png|wds   (default idx)
  --shard-size N         samples per WebDataset shard (default 10000)
  --workers N            augmentation threads (default: cores - 1, at least 1)
  --out DIR              output directory (required)`;

export async function exportCommand(flags: Record<string, string | boolean | undefined>): Promise<string> {
  if (typeof flags.out !== 'string') throw new UsageError(`Expected --out DIR\n\n${exportUsage}`);
  const format = String(flags.format) as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new UsageError(`Expected one of ${EXPORT_FORMATS.join(', ')} for --format but received "${format}"`);
  const copies = parseInteger('copies', String(flags.copies), 1);
  const workers = flags.workers === undefined ? Math.max(1, availableParallelism() - 1) : parseInteger('workers', String(flags.workers), 0);
  const seed = seedOf(flags);
  const options = augmentOptions(flags);
  let norm: { mean: number; std: number } | undefined;
  if (typeof flags.normalize === 'string') {
    if (format !== 'npy' && format !== 'npz') throw new UsageError(`Expected --format npy or npz with --normalize but received "${format}"`);
    const [mean, std] = flags.normalize.split(':').map(Number);
    if (!Number.isFinite(mean) || !Number.isFinite(std) || std === 0 || flags.normalize.split(':').length !== 2) {
      throw new UsageError(`Expected MEAN:STD with STD != 0 for --normalize but received "${flags.normalize}"`);
    }
    norm = { mean, std };
  }
  const { source, split, name } = sourceOf(flags);
  const named = typeof flags.images !== 'string';
  const expectedCount = named ? SPLIT_SIZE[split] * copies : undefined;

  // The documented fast pipeline: with --shuffle the workers gather the shuffled samples
  // themselves (shuffleRows), and normalisation runs in the augmentation's pass.
  const passes = source.pipe(epochs(copies));
  const runs: Observable<Run> = flags.shuffle ? passes.pipe(shuffleRows({ seed }), batch(1024)) : passes.pipe(batch(1024));
  const pipeline: Observable<Block> = runs.pipe(augment({ ...options, normalize: norm }, { seed, workers }));

  const bar = progressBar(`export ${name}`, expectedCount);
  const start = performance.now();
  const summary = await exportTo(pipeline, {
    format,
    dir: flags.out,
    split,
    expectedCount,
    shardSize: parseInteger('shard-size', String(flags['shard-size']), 1),
    manifest: {
      seed,
      version: VERSION,
      pipeline: { source: name, copies, shuffle: Boolean(flags.shuffle), augment: options, normalize: norm ?? null, format, workers },
    },
    onProgress: (written) => bar.update(written),
  });
  bar.finish();
  const seconds = (performance.now() - start) / 1000;
  return `exported ${summary.count} images (${format}) to ${summary.dir} in ${seconds.toFixed(2)} s (${Math.round(summary.count / seconds)} images/s)`;
}
