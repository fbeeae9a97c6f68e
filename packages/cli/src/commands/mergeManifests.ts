import { join } from 'node:path';
import { manifestName, mergeExportParts } from '@idxflow/sinks';
import { HELP_FLAG, usageOf, type FlagSpec } from '../flags.js';
import { progressInterval, progressReporter } from '../progress.js';
import { UsageError } from '../usageError.js';

export const MERGE_FLAGS = {
  force: { type: 'boolean', help: 'replace an existing manifest.json that differs from the merge' },
  help: HELP_FLAG,
} as const satisfies Record<string, FlagSpec>;

export const mergeUsage = `Usage: idxflow merge-manifests DIR [--force]

Joins the part manifests (manifest.part-NNNNN-of-NNNNN.json) that the parts of a split export
wrote into DIR into the manifest.json of the whole export: checks that every part is there,
complete and made with the same flags (a missing part is named, with whether it is running or
was interrupted), that the parts cover every sample once with no file listed twice, and that
every file they list is in DIR with its size and SHA-256. The result is the manifest one
machine would have written. WebDataset (wds) and hf parts write the whole export's files
already. The parts of an idx, idx.gz, npy or npz export, each a file set of its own
(train-images.part-00000-of-00003.npy, ...), and the labels.csv and SHA256SUMS of each part of a
png export, are joined into the files one machine writes (train-images.npy, labels.csv, ...),
byte for byte, streamed; once those and manifest.json are in place, the part files and part
manifests are removed. A join that fails leaves the parts as they were. Run again, it finds
its manifest.json and writes nothing (exit 0).
${usageOf('Options', MERGE_FLAGS)}`;

/** Merges DIR's part manifests into DIR/manifest.json; returns the summary line. */
export async function mergeCommand(dir: string | undefined, flags: { force?: boolean }): Promise<string> {
  if (dir === undefined) throw new UsageError('Expected DIR for idxflow merge-manifests (Usage: idxflow merge-manifests DIR [--force])');
  const progress = progressReporter(`merge-manifests ${dir}: checking files`, process.stderr, progressInterval(process.env), 'bytes');
  try {
    const run = await mergeExportParts(dir, { force: flags.force === true, onProgress: (done, total) => progress.update(done, total) });
    const { count, files } = run.manifest;
    const path = join(dir, manifestName());
    if (run.alreadyMerged) return `${path}: already merged (${count} images, ${files.length} files verified): nothing to do`;
    const merged = `merged ${run.parts} parts into ${path}: ${count} images, ${files.length} files (${run.file.sha256.slice(0, 12)})`;
    if (run.joined.length === 0) return merged;
    return `${merged}: ${files.map((f) => f.name).join(', ')}; removed ${run.removed.length - run.parts} part files and ${run.parts} part manifests`;
  } finally {
    progress.finish();
  }
}
