// The sources beyond named datasets and IDX pairs: a folder of images, Parquet files in the Hub's
// layout, and the NPY/NPZ exports read back. Each is chosen by its own flag; at most one source.
// sourceOf() is the source any data flags select, these or a named dataset or an IDX pair.
import { COLLECTION_ENTRIES, csv, DATASET_CARDS, DATASETS, datasetEntry, imageFolder, mnistC, mnistCFiles, imageFolderClasses, npy, npz, parquet, parquetClassNames, type Block, type CatalogEntry, type DatasetCard } from '@idxflow/core';
import type { Observable } from 'rxjs';
import { UsageError } from './usageError.js';
import { choice, datasetIds, FILE_SOURCES, MAX_SAMPLES, npyFiles, parquetFiles } from './options.js';
import { inflateRatioOf } from './inflateRatioFlag.js';
import { integerIn, shown } from './numbers.js';
import { idx, takeSamples, type DatasetProgress, type Split } from '@idxflow/core';

type Flags = Record<string, string | boolean | undefined>;

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
  if (flags.dataset === 'mnist-c') return { config: 'mnist-c', classes: DATASETS.mnist.classes, card: DATASET_CARDS['mnist-c'] };
  const entry = datasetEntry(String(flags.dataset ?? 'mnist'));
  if (!entry) return { config: 'data' };
  // A dataset of more classes than a byte holds (Kuzushiji-Kanji) names them from its files: the label column holds its class ids.
  const classes = entry.wideClasses && entry.classNames ? await entry.classNames({ dir: typeof flags.dir === 'string' ? flags.dir : undefined }) : entry.classes;
  return { config: entry.name, classes, card: entry.card };
}

/**
 * The source the flags select (its first --limit samples), a label for messages, and the files
 * it reads: known here for files named by the flags, left to the dataset's `files()` (which
 * resolves them) for a named dataset.
 */
export function sourceOf(flags: Record<string, unknown>, onProgress?: (event: DatasetProgress) => void): { source: Observable<Block<Uint8Array>>; name: string; split: Split; inputs?: string[]; skipped?: string[] } {
  const split = choice('split', String(flags.split ?? 'train'), ['train', 'val', 'test']) as Split;
  if (split !== 'train' && split !== 'test' && (typeof flags.images === 'string' || FILE_SOURCES.some((f) => flags[f] !== undefined))) {
    throw new UsageError(`Expected --split train or test with files named by flags but received ${shown(split)}`);
  }
  const limit = flags.limit === undefined ? undefined : integerIn('limit', String(flags.limit), 1, MAX_SAMPLES);
  const first = (source: Observable<Block<Uint8Array>>): Observable<Block<Uint8Array>> => (limit === undefined ? source : source.pipe(takeSamples(limit)));
  const maxInflateRatio = inflateRatioOf(flags['max-inflate-ratio']);
  const file = fileSourceOf(flags as Record<string, string | boolean | undefined>, split, maxInflateRatio);
  if (file) return { source: first(file.source), name: file.name, split, inputs: file.inputs };
  if (typeof flags.images === 'string' || typeof flags.labels === 'string') {
    if (typeof flags.images !== 'string' || typeof flags.labels !== 'string') throw new UsageError('Expected both --images FILE and --labels FILE');
    return { source: first(idx({ images: flags.images, labels: flags.labels, maxInflateRatio })), name: flags.images, split, inputs: [flags.images, flags.labels] };
  }
  const id = choice('dataset', String(flags.dataset ?? 'mnist'), datasetIds);
  const dir = typeof flags.dir === 'string' ? flags.dir : undefined;
  if (id === 'mnist-c') {
    if (split !== 'train' && split !== 'test') throw new UsageError(`Expected --split train or test for --dataset mnist-c but received ${shown(split)}`);
    const options = { dir: dir ?? '', corruption: String(flags.corruption), split };
    const { images, labels } = mnistCFiles(options);
    return { source: first(mnistC(options)), name: `mnist-c ${options.corruption} ${split}`, split, inputs: [images, labels] };
  }
  const entry = datasetEntry(id)!;
  const orientation = flags.orientation as 'upright' | 'stored' | undefined;
  if (!entry.splits.includes(split)) throw new UsageError(`Expected --split ${entry.splits.join(' or ')} for --dataset ${id} but received ${shown(split)}`);
  const skipped: string[] = []; // notMNIST's unreadable files, counted in the summary
  return { source: first(entry.open({ split, dir, onProgress, orientation, maxInflateRatio, onSkip: (file) => void skipped.push(file) })), name: `${id} ${split}`, split, skipped };
}
