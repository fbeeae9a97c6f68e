// The sources beyond named datasets and IDX pairs: a folder of images, Parquet files in the Hub's
// layout, and the NPY/NPZ exports read back. Each is chosen by its own flag; at most one source.
import { COLLECTION_ENTRIES, csv, datasetEntry, imageFolder, imageFolderClasses, npy, npz, parquet, parquetClassNames, type Block, type CatalogEntry, type DatasetCard } from '@idxflow/core';
import type { Observable } from 'rxjs';
import { resolvePath } from './flags.js';
import { shown } from './numbers.js';
import { UsageError } from './usageError.js';

type Flags = Record<string, string | boolean | undefined>;

/** The flags that choose a file source, each alone (DATA_RULES refuses two). */
export const FILE_SOURCES = ['images-dir', 'parquet', 'npz', 'npy', 'csv', 'images'] as const;

/** The parquet files of `--parquet`, comma-separated, each from the directory the command was run from. */
export function parquetFiles(value: unknown): string[] {
  const list = String(value).split(',');
  if (list.some((f) => f === '')) throw new UsageError(`Expected one or more comma-separated files for --parquet FILE[,FILE...] but received ${shown(String(value))}`);
  return list.map((f) => resolvePath(f));
}

/** The images and labels files of `--npy IMAGES.npy,LABELS.npy`. */
export function npyFiles(value: unknown): [string, string] {
  const parts = String(value).split(',');
  if (parts.length !== 2 || parts.some((p) => p === '')) throw new UsageError(`Expected IMAGES.npy,LABELS.npy for --npy but received ${shown(String(value))}`);
  return [resolvePath(parts[0]), resolvePath(parts[1])];
}

/** The source of `--images-dir`, `--parquet`, `--npz`, `--npy` or `--csv` (DATA_RULES let one through), or undefined when none is given. */
export function fileSourceOf(flags: Flags, split: 'train' | 'test', maxInflateRatio?: number): { source: Observable<Block<Uint8Array>>; name: string; inputs: string[] } | undefined {
  const flag = FILE_SOURCES.find((f) => flags[f] !== undefined);
  if (flag === undefined || flag === 'images') return undefined;
  const maxImagePixels = flags['max-image-pixels'] === undefined ? undefined : Number(flags['max-image-pixels']);
  if (flag === 'images-dir') {
    const root = String(flags['images-dir']);
    return { source: imageFolder({ root, mnistStyle: flags['mnist-style'] === true, maxImagePixels }), name: root, inputs: [root] };
  }
  if (flag === 'parquet') {
    const files = parquetFiles(flags.parquet);
    return { source: parquet({ files, maxImagePixels }), name: files.join(','), inputs: files };
  }
  if (flag === 'csv') {
    const path = String(flags.csv);
    return { source: csv({ path }), name: path, inputs: [path] };
  }
  if (flag === 'npz') {
    const path = String(flags.npz);
    return { source: npz({ path, split, maxInflateRatio }) as Observable<Block<Uint8Array>>, name: path, inputs: [path] };
  }
  const parts = npyFiles(flags.npy);
  return { source: npy({ images: parts[0], labels: parts[1] }) as Observable<Block<Uint8Array>>, name: parts[0], inputs: parts };
}

/** The named dataset the flags read (none when a file flag names the data). */
export function namedEntryOf(flags: Flags): CatalogEntry | undefined {
  if (typeof flags.images === 'string' || FILE_SOURCES.some((f) => flags[f] !== undefined)) return undefined;
  return datasetEntry(String(flags.dataset ?? 'mnist'));
}

/** The class names a manifest records: those of the collections (`COLLECTION_ENTRIES`; the datasets before them keep their manifests as they were, so their exports resume). */
export function manifestClasses(flags: Flags): { classes?: readonly string[] } {
  const entry = namedEntryOf(flags);
  return entry && !entry.wideClasses && COLLECTION_ENTRIES.some((e) => e.name === entry.name) ? { classes: entry.classes } : {};
}

/** What an hf export names: its config folder, class names and card, from the source flags. */
export async function hfDescription(flags: Flags): Promise<{ config: string; classes?: readonly string[]; card?: DatasetCard }> {
  if (typeof flags['images-dir'] === 'string') return { config: 'data', classes: await imageFolderClasses(flags['images-dir']) };
  if (flags.parquet !== undefined) return { config: 'data', classes: await parquetClassNames(parquetFiles(flags.parquet)) };
  if (flags.npz !== undefined || flags.npy !== undefined || flags.csv !== undefined || flags.images !== undefined) return { config: 'data' };
  const entry = datasetEntry(String(flags.dataset ?? 'mnist'));
  if (!entry) return { config: 'data' };
  // A dataset of more classes than a byte holds (Kuzushiji-Kanji) names them from its files: the label column holds its class ids.
  const classes = entry.wideClasses && entry.classNames ? await entry.classNames({ dir: typeof flags.dir === 'string' ? flags.dir : undefined }) : entry.classes;
  return { config: entry.name, classes, card: entry.card };
}
