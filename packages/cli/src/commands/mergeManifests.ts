import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { manifestName, mergeManifests, readManifest, type Manifest } from '@idxflow/sinks/internal';
import { writeManifestFileInto } from './writeManifest.js';
import { HELP_FLAG, usageOf, type FlagSpec } from '../flags.js';
import { UsageError } from '../usageError.js';

export const MERGE_FLAGS = {
  force: { type: 'boolean', help: 'replace an existing manifest.json' },
  help: HELP_FLAG,
} as const satisfies Record<string, FlagSpec>;

export const mergeUsage = `Usage: idxflow merge-manifests DIR [--force]

Joins the part manifests (manifest.part-NNNNN-of-NNNNN.json) that the parts of a split export
wrote into DIR into the manifest.json of the whole export: checks that every part is there,
complete and made with the same flags, that the parts cover every sample once, and that each
file they list is in DIR with its size. The result is the manifest one machine would have
written.
${usageOf('Options', MERGE_FLAGS)}`;

/** Merges DIR's part manifests into DIR/manifest.json; returns the summary line. */
export async function mergeCommand(dir: string | undefined, flags: { force?: boolean }): Promise<string> {
  if (dir === undefined) throw new UsageError('Expected DIR for idxflow merge-manifests (Usage: idxflow merge-manifests DIR [--force])');
  const names = (await readdir(dir)).filter((n) => /^manifest\.part-\d{5}-of-\d{5}\.json$/.test(n)).sort();
  if (names.length === 0) throw new UsageError(`Expected part manifests (manifest.part-NNNNN-of-NNNNN.json) in ${dir} but found none`);
  const parts: Manifest[] = [];
  for (const name of names) parts.push((await readManifest(join(dir, name)))!);
  const whole = mergeManifests(parts, dir);
  const written = await writeManifestFileInto(dir, whole, flags.force === true);
  return `merged ${parts.length} parts into ${join(dir, manifestName())}: ${whole.count} images, ${whole.files.length} files (${written.sha256.slice(0, 12)})`;
}
