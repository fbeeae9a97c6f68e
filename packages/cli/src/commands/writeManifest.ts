import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ExportRefusedError, ManifestError, manifestName, writeManifest, type Manifest } from '@idxflow/sinks/internal';

/** Checks that each file `whole` lists is in `dir` with its size, then writes `dir/manifest.json` (not over one, unless `force`). */
export async function writeManifestFileInto(dir: string, whole: Manifest, force: boolean): Promise<{ sha256: string }> {
  for (const file of whole.files) {
    const size = await stat(join(dir, file.name)).then((s) => s.size, () => undefined);
    if (size !== file.bytes) throw new ManifestError({ file: join(dir, file.name), expected: `a file of ${file.bytes} bytes, as its part manifest lists`, found: size === undefined ? 'no such file' : `${size} bytes` });
  }
  await refuseManifestOver(dir, force);
  const { files, count, shape, dtype, seed, pipeline, format, idxflow } = whole;
  return writeManifest(dir, { dir, files, count, shape, dtype }, { version: idxflow, format: format ?? undefined, seed: seed ?? undefined, pipeline: pipeline ?? undefined });
}

/** Refuses (exit 2, as export's refusals: nothing was written) a `dir` that holds a manifest.json already, unless `force`. */
export async function refuseManifestOver(dir: string, force: boolean): Promise<void> {
  const existing = await stat(join(dir, manifestName())).then(() => true, () => false);
  if (existing && !force) throw new ExportRefusedError({ file: join(dir, manifestName()), expected: 'no manifest.json yet (--force replaces it)', found: 'one' });
}
