import { createHash, randomBytes } from 'node:crypto';
import { open, rename, rm, rmdir } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ChecksumError, ConnectionError, DownloadError } from '../errors.js';
import { makeFolders } from '../folders.js';
import { HttpStatusError } from '../sources/url.js';

/** Progress of a dataset source: where each file came from, and download progress. */
export type DatasetProgress =
  | { kind: 'resolved'; file: string; path: string; from: 'dir' | 'cache' | 'package' | 'download' }
  | { kind: 'download'; file: string; url: string; received: number; total: number | undefined }
  | { kind: 'mirror-failed'; file: string; url: string; error: Error };

/** Options of `downloadFile()`. */
export interface DownloadOptions {
  /** URLs tried in order until one gives bytes with the expected checksum. */
  urls: readonly string[];
  /** Lower-case hex SHA-256 the bytes must have; empty when the publisher gives only `md5`. */
  sha256: string;
  /** Lower-case hex MD5 the bytes must have, checked when `sha256` is empty. */
  md5?: string;
  /** Final path; written under a temporary name beside it and renamed on success. */
  dest: string;
  /** Progress callback. */
  onProgress?: (event: DatasetProgress) => void;
}

/** fetch(), with a failure to connect saying why (fetch says only "fetch failed"; the cause says where). */
async function request(url: string): Promise<Response> {
  try {
    return await fetch(url);
  } catch (error) {
    const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : (error as Error).message;
    throw new ConnectionError({ file: url, expected: 'an HTTP response', found: `no response (${cause})` }, { cause: error });
  }
}

/** Removes the folders `makeFolders(dir)` made (`made`, the first, and those below it) while empty. */
async function removeMadeFolders(dir: string, made: string | undefined): Promise<void> {
  if (made === undefined) return;
  for (let at = dir; at.length >= made.length; at = dirname(at)) {
    if (!(await rmdir(at).then(() => true, () => false))) return; // not empty: someone else's files
  }
}

async function fetchTo(url: string, temp: string, file: string, options: DownloadOptions): Promise<{ sha256: string; md5: string }> {
  const response = await request(url);
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new HttpStatusError(url, response.status, response.statusText);
  }
  const length = Number(response.headers.get('content-length'));
  const total = Number.isFinite(length) && length > 0 ? length : undefined;
  const hash = createHash('sha256');
  const md5 = createHash('md5');
  const handle = await open(temp, 'w');
  let received = 0;
  try {
    const reader = response.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      md5.update(value);
      await handle.write(value);
      received += value.length;
      options.onProgress?.({ kind: 'download', file, url, received, total });
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
  return { sha256: hash.digest('hex'), md5: md5.digest('hex') };
}

/** The checksum the bytes are held to: SHA-256 when published, else the publisher's MD5. */
const pinned = (options: DownloadOptions): { kind: 'sha256' | 'md5'; value: string } =>
  options.sha256 === '' && options.md5 ? { kind: 'md5', value: options.md5 } : { kind: 'sha256', value: options.sha256 };


/**
 * Downloads a file from the first mirror that serves bytes with the expected SHA-256, and
 * moves it into place atomically. A failed attempt (HTTP error, network error, wrong
 * checksum) leaves nothing behind and the next mirror is tried; when every one fails, the
 * folders made for `dest` are removed too.
 *
 * @throws DownloadError when every mirror failed; its `attempts` say why each did.
 */
export async function downloadFile(options: DownloadOptions): Promise<string> {
  const file = basename(options.dest);
  const made = await makeFolders(dirname(options.dest));
  const attempts: Error[] = [];
  for (const url of options.urls) {
    const temp = join(dirname(options.dest), `.${file}.${randomBytes(6).toString('hex')}.partial`);
    try {
      const sums = await fetchTo(url, temp, file, options);
      const { kind, value } = pinned(options);
      const label = kind === 'sha256' ? 'SHA-256' : 'MD5';
      if (sums[kind] !== value) throw new ChecksumError({ file: url, expected: value === '' ? 'a published checksum to check the bytes against (none is known: put the file in the cache or a dir)' : `${label} ${value}`, found: `${label} ${sums[kind]}` });
      await rename(temp, options.dest);
      return options.dest;
    } catch (error) {
      await rm(temp, { force: true });
      const failure = error instanceof Error ? error : new Error(String(error));
      attempts.push(failure);
      options.onProgress?.({ kind: 'mirror-failed', file, url, error: failure });
    }
  }
  await removeMadeFolders(dirname(options.dest), made); // a failed download leaves no empty folder behind
  throw new DownloadError(
    {
      file,
      expected: `a mirror serving bytes with ${pinned(options).kind === 'md5' ? 'MD5' : 'SHA-256'} ${pinned(options).value}`,
      found: attempts.map((e, i) => `${options.urls[i]}: ${e.message}`).join('; ') || 'no mirrors',
    },
    attempts,
  );
}
