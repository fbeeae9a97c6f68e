// The flags of `idxflow merge-manifests` and its --help, apart from the merge
// (mergeManifests.ts), which commandTable.ts imports only when it runs.
import { HELP_FLAG, usageOf, type FlagSpec } from '../flags.js';

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
