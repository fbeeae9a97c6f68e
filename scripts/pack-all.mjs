#!/usr/bin/env node
// `pnpm pack:all`: one installable tarball per package in dist-packages/ (or the directory
// given as the first argument). Each package is built afresh first (its dist/ removed), so no
// output of a deleted or renamed source file is shipped. pnpm pack, not npm pack, because it
// rewrites the `workspace:*` ranges between our packages into the version being packed. The
// repository's LICENSE is copied into each package for the pack, so every tarball carries it,
// and removed after.
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

rmSync(dest, { recursive: true, force: true });
mkdirSync(dest, { recursive: true });
for (const dir of packages) {
  const license = join(dir, 'LICENSE');
  const copied = !existsSync(license);
  if (copied) copyFileSync(join(root, 'LICENSE'), license);
  try {
    execFileSync(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', dest], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  } finally {
    if (copied) rmSync(license);
  }
}
for (const file of readdirSync(dest).sort()) console.log(join(dest, file));
