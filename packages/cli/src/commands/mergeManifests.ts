import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { JOINED_FORMATS, joinParts, manifestName, mergeManifests, readManifest, removeParts, type Manifest } from '@idxflow/sinks/internal';
import { refuseManifestOver, writeManifestFileInto } from './writeManifest.js';
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
written. WebDataset (wds) parts write the whole export's shards already. The parts of an idx,
idx.gz, npy or npz export, each a file set of its own (train-images.part-00000-of-00003.npy,
...), and the labels.csv and SHA256SUMS of each part of a png export, are joined into the files
one machine writes (train-images.npy, labels.csv, ...), byte for byte, streamed; once those and
manifest.json are in place, the part files and part manifests are removed. A join that fails
leaves the parts as they were.
${usageOf('Options', MERGE_FLAGS)}`;

/** Merges DIR's part manifests into DIR/manifest.json; returns the summary line. */
export async function mergeCommand(dir: string | undefined, flags: { force?: boolean }): Promise<string> {
  if (dir === undefined) throw new UsageError('Expected DIR for idxflow merge-manifests (Usage: idxflow merge-manifests DIR [--force])');
  const names = (await readdir(dir)).filter((n) => /^manifest\.part-\d{5}-of-\d{5}\.json$/.test(n)).sort();
  if (names.length === 0) throw new UsageError(`Expected part manifests (manifest.part-NNNNN-of-NNNNN.json) in ${dir} but found none`);
  const parts: Manifest[] = [];
  for (const name of names) parts.push((await readManifest(join(dir, name)))!);
  const whole = mergeManifests(parts, dir);
  const merged = `merged ${parts.length} parts into ${join(dir, manifestName())}`;
  if (whole.format === null || !JOINED_FORMATS.includes(whole.format)) {
    const written = await writeManifestFileInto(dir, whole, flags.force === true);
    return `${merged}: ${whole.count} images, ${whole.files.length} files (${written.sha256.slice(0, 12)})`;
  }
  return `${merged}${await joinInto(dir, parts, whole, flags.force === true)}`;
}

/** Joins the parts of an array-format export, writes manifest.json, then removes the parts; returns the end of the summary line. */
async function joinInto(dir: string, parts: Manifest[], whole: Manifest, force: boolean): Promise<string> {
  await refuseManifestOver(dir, force); // before the join: a refusal writes nothing
  const sorted = [...parts].sort((a, b) => a.part!.index - b.part!.index);
  const joined = await joinParts(dir, sorted, whole);
  let written: { sha256: string };
  try {
    written = await writeManifestFileInto(dir, joined, force);
  } catch (error) {
    // Without its manifest, the joined files are no export: the parts stay, to merge again.
    if (joined !== whole) await Promise.all(joined.files.map((f) => rm(join(dir, f.name), { force: true })));
    throw error;
  }
  const removed = joined === whole ? [] : await removeParts(dir, sorted, joined);
  const files = joined.files.map((f) => f.name).join(', ');
  return `: ${joined.count} images, ${joined.files.length} files (${written.sha256.slice(0, 12)}): ${files}${removed.length > 0 ? `; removed ${removed.length - sorted.length} part files and ${sorted.length} part manifests` : ''}`;
}
