import { join } from 'node:path';
import { manifestName, mergeExportParts } from '@idxflow/sinks';
import { progressInterval, progressReporter } from '../progress.js';
import { UsageError } from '../usageError.js';

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
