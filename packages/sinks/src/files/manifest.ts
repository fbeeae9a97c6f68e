import { join } from 'node:path';
import { validate } from '@idxflow/core';
import { AtomicFile } from './atomic.js';
import type { ExportFormat } from './export.js';
import type { ExportedFile, ExportSummary } from './types.js';

/** What a manifest records besides the export's summary. */
export interface ManifestExtra {
  /** The seed the pipeline was built with. Default: none (written as null). */
  seed?: number;
  /** The options that built the pipeline, JSON-serialisable. Default: none (written as null). */
  pipeline?: object;
  /** The idxflow version that wrote the export. Required. */
  version: string;
  /** The export format. Default: none (written as null). */
  format?: ExportFormat;
}

/** Checks `extra` (throws TypeError or RangeError naming the field); run before an export starts. */
export function checkManifestExtra(extra: ManifestExtra): void {
  if (typeof extra?.version !== 'string' || extra.version.length === 0) {
    throw new TypeError(`Expected a non-empty string for version but received ${String(extra?.version)} of type ${typeof extra?.version}`);
  }
  if (extra.seed !== undefined) validate.seed('seed', extra.seed);
  if (extra.pipeline !== undefined && (typeof extra.pipeline !== 'object' || extra.pipeline === null)) {
    throw new TypeError(`Expected an object for pipeline but received ${String(extra.pipeline)} of type ${typeof extra.pipeline}`);
  }
}

/**
 * Writes `<dir>/manifest.json` atomically: the idxflow version, format, count, image shape,
 * dtype, seed, pipeline options, and the size and SHA-256 of every file of the export, so an
 * export can be reproduced and checked (`sha256sum`) later.
 *
 * @param dir The export directory.
 * @param summary What the sink returned.
 * @param extra Seed, pipeline options and version; see `ManifestExtra`.
 * @returns The manifest file's own entry.
 *
 * ## Example
 * ```ts
 * const summary = await toNpy(mnist(), { dir: 'out' });
 * await writeManifest('out', summary, { version: '0.1.0', seed: 7, pipeline: { rotate: 15 } });
 * ```
 */
export async function writeManifest(dir: string, summary: ExportSummary, extra: ManifestExtra): Promise<ExportedFile> {
  checkManifestExtra(extra);
  const manifest = {
    idxflow: extra.version,
    format: extra.format ?? null,
    count: summary.count,
    shape: summary.shape,
    dtype: summary.dtype,
    seed: extra.seed ?? null,
    pipeline: extra.pipeline ?? null,
    files: summary.files.map(({ name, bytes, sha256 }) => ({ name, bytes, sha256 })),
  };
  const bytes = new TextEncoder().encode(JSON.stringify(manifest, null, 2) + '\n');
  const file = await AtomicFile.create(join(dir, 'manifest.json'));
  try {
    await file.write(bytes);
    return { name: 'manifest.json', ...(await file.commit()) };
  } catch (error) {
    await file.abort();
    throw error;
  }
}
