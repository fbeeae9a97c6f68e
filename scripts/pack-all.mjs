#!/usr/bin/env node
// `pnpm pack:all`: one installable tarball per package in dist-packages/ (or the directory
// given as the first argument). Each package is built afresh first (its dist/ removed), so no
// output of a deleted or renamed source file is shipped. pnpm pack, not npm pack, because it
// rewrites the `workspace:*` ranges between our packages into the version being packed. The
// repository's LICENSE is copied into each package for the pack, so every tarball carries it,
// and removed after; so is docs/cli.md into the CLI's, as cli.md.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MODULES_CONDITION } from './bundling.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dest = resolve(process.argv[2] ?? join(root, 'dist-packages'));
// The pnpm running this script (`npx -y pnpm@10 pack:all` has no pnpm on the PATH), else the PATH's.
const execpath = process.env.npm_execpath ?? '';
const pnpm = /pnpm\.c?js$/.test(execpath) ? [process.execPath, execpath] : ['pnpm'];

const packages = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')) && !JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private);

for (const dir of packages) {
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  rmSync(join(dir, 'tsconfig.tsbuildinfo'), { force: true });
}
execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', ...packages], { cwd: root, stdio: 'inherit' });
// The packages that ship bundled (an export under MODULES_CONDITION: core) are bundled before any
// is packed: the CLI's bundle (its prepack) resolves core's files from core's bundle, as Node will.
const shipsBundled = (dir) => Object.values(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).exports ?? {}).some((target) => target?.[MODULES_CONDITION]);
for (const dir of packages.filter(shipsBundled)) execFileSync(process.execPath, [join(root, 'scripts', 'bundle-library.mjs'), dir], { cwd: root, stdio: 'inherit' });

rmSync(dest, { recursive: true, force: true });
mkdirSync(dest, { recursive: true });
// Files of the repository each package ships, copied in for the pack (and listed in its `files`,
// or always packed, as LICENSE is): the CLI's full reference, which its --help names.
const shipped = (dir) => [['LICENSE', 'LICENSE'], ...(dir.endsWith(`${sep}cli`) ? [[join('docs', 'cli.md'), 'cli.md']] : [])];
for (const dir of packages) {
  const copies = shipped(dir).map(([from, to]) => [join(root, from), join(dir, to)]).filter(([, to]) => !existsSync(to));
  for (const [from, to] of copies) copyFileSync(from, to);
  try {
    execFileSync(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', dest], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    for (const [, to] of copies) rmSync(to);
  }
}
for (const file of readdirSync(dest).sort()) console.log(join(dest, file));
