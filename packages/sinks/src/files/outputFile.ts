// One file of a program's own written as the exports write theirs: never over one of its inputs,
// its folder made if need be, and whole or not at all (`idxflow preview` writes its sheet so).
import { dirname } from 'node:path';
import { makeFolders } from '@idxflow/core/internal';
import { writeFileAtomic } from './atomic.js';
import { refuseOutputAmongInputs } from './exportDir.js';

/** Options of `writeOutputFile()`. */
export interface OutputFileOptions {
  /** Files and folders the program read: `path` may not be one of them, hold one, or lie inside one. Default: none. */
  inputs?: readonly string[];
}

/**
 * Writes `bytes` to `path` the way an export writes its files: refused (`ExportRefusedError`,
 * nothing written) when `path` is one of `inputs` or lies inside one; the folders above it made
 * when missing; written under a temporary name beside it and renamed into place, so that a
 * reader sees the whole file or none, and a failure leaves no temporary. File-system errors name
 * `path`. For a result of a pipeline that is not an export (a contact sheet, a report).
 *
 * @param path Where to write.
 * @param bytes The file's contents.
 * @param options See `OutputFileOptions`.
 *
 * ## Example
 * ```ts
 * import { writeOutputFile } from '@idxflow/sinks';
 * const report = new TextEncoder().encode(JSON.stringify({ count: 60000 }) + '\n');
 * await writeOutputFile('out/reports/count.json', report, { inputs: ['data/train-images-idx3-ubyte'] });
 * ```
 */
export async function writeOutputFile(path: string, bytes: Uint8Array, options: OutputFileOptions = {}): Promise<void> {
  await refuseOutputAmongInputs(path, options.inputs ?? []);
  await makeFolders(dirname(path));
  await writeFileAtomic(path, bytes);
}
