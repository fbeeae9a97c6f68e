// What the two bundlers of our code share (scripts/bundle-library.mjs, for core; packages/cli/
// scripts/bundle.mjs, for the idxflow bin): the condition a library's compiled modules are
// exported under, esbuild's options for split ES modules, and how the output is written.
//
// writeOutputs() writes a bundler's output files into their folder without ever leaving it
// incomplete: each file is written beside itself and renamed over the old one, a file whose bytes
// are unchanged is only touched, and only then are the files of an earlier build that this one
// did not write removed. Programs run while a bundle is rebuilt (a test packing the packages,
// whose prepack bundles, while others run the CLI): with the folder removed first, as it was,
// they found no bundle.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * The export condition under which a library that ships bundled (core) names each entry's
 * compiled module, beside the bundle its `default` names: scripts/bundle-library.mjs bundles
 * from it, and the CLI's bundler resolves our packages through it, so that each command takes
 * only the modules it uses.
 */
export const MODULES_CONDITION = 'idxflow-modules';

/**
 * esbuild's options both bundlers build with: code split into ES modules for Node 20, every
 * class and function keeping the name it was written with (an error's `name` and `code` come
 * from its class's name, and core's classes are bundled into the CLI too), and the output kept
 * in memory for writeOutputs().
 */
export const SPLIT_ESM = Object.freeze({
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  keepNames: true,
  legalComments: 'none',
  logLevel: 'warning',
  metafile: true,
  write: false,
});

/**
 * Makes `dir` hold exactly `files` (esbuild's `outputFiles`: `path` and `contents`, all in `dir`).
 * `modeOf(file)` gives a file's mode (default 0o644).
 */
export function writeOutputs(dir, files, modeOf = () => 0o644) {
  mkdirSync(dir, { recursive: true });
  const now = new Date();
  for (const file of files) {
    if (dirname(file.path) !== dir) throw new Error(`bundling: ${file.path} is not a file of ${dir}`);
    if (existsSync(file.path) && Buffer.compare(readFileSync(file.path), file.contents) === 0) {
      utimesSync(file.path, now, now); // as new as the build, for whoever compares times (the tests' set-up)
      continue;
    }
    const temporary = join(dir, `.${basename(file.path)}.${process.pid}.partial`);
    writeFileSync(temporary, file.contents, { mode: modeOf(file) });
    renameSync(temporary, file.path);
  }
  const kept = new Set(files.map((file) => basename(file.path)));
  for (const name of readdirSync(dir)) if (!kept.has(name) && !writing(name)) rmSync(join(dir, name), { recursive: true, force: true });
}

/** Whether `name` is a file another build is writing now: a `.partial` of a process that runs. */
function writing(name) {
  const pid = Number(name.match(/\.(\d+)\.partial$/)?.[1]);
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM'; // running, as another user
  }
}
