// `mkdir -p` without Node 20's `mkdir(path, { recursive: true })`, which loops forever (and
// ignores SIGINT and SIGTERM, its loop never yielding to them) where a mkdir under an existing
// folder fails with ENOENT, as it does anywhere under /proc.
import { mkdir, stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

/**
 * Makes `path` and the folders above it that are missing, one mkdir each; returns the first it
 * made (as `mkdir(path, { recursive: true })` does), or undefined when `path` was there.
 * A folder that cannot be made is its mkdir error (ENOENT, EACCES), and a file in the way is
 * ENOTDIR, each naming the path.
 *
 * @param path The folder.
 *
 * ## Example
 * ```ts
 * await makeFolders('out/mnist/train'); // 'out' (absolute) when none of the three existed
 * ```
 */
export async function makeFolders(path: string): Promise<string | undefined> {
  const missing: string[] = [];
  for (let at = resolve(path); ; at = dirname(at)) {
    const found = await stat(at).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)));
    if (found && !found.isDirectory()) throw Object.assign(new Error(`ENOTDIR: not a directory, mkdir '${at}'`), { code: 'ENOTDIR', syscall: 'mkdir', path: at });
    if (found || dirname(at) === at) break;
    missing.push(at);
  }
  const topDown = missing.reverse();
  for (const folder of topDown) {
    await mkdir(folder).catch((error: NodeJS.ErrnoException) => (error.code === 'EEXIST' ? undefined : Promise.reject(error)));
  }
  return topDown[0];
}
