// Relative paths are taken from the directory the command was run from: `pnpm idxflow ...`
// runs the bin from the repository's root, with INIT_CWD set to where the user typed it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { invocationDir } from '../../packages/cli/src/flags.js';
import { CLI, raw, ROOT } from '../fixtures/mnist.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-paths-'));
/** The environment pnpm gives a root script run from `dir`. */
const fromScript = (dir: string): NodeJS.ProcessEnv => ({ ...process.env, INIT_CWD: dir, npm_lifecycle_event: 'idxflow', npm_package_json: join(ROOT, 'package.json') });

describe('relative paths', () => {
  it('through `pnpm idxflow` from another folder: read and written there', () => {
    const here = tmp();
    copyFileSync(raw('t10k-labels-idx1-ubyte'), join(here, 'labels'));
    const pnpm = (...args: string[]) => spawnSync('pnpm', ['--silent', '--dir', ROOT, 'idxflow', ...args], { cwd: here, encoding: 'utf8' });
    const info = pnpm('info', 'labels', '--json');
    expect(info.stderr).toBe('');
    expect(JSON.parse(info.stdout)).toEqual({ type: 'u8', dims: [10000], count: 10000 });
    const name = `${basename(here)}-out`; // a name nothing else uses, here or in the repository
    const r = pnpm('export', '--split', 'test', '--limit', '3', '--out', name);
    expect(r.stdout).toBe(`exported 3 images (idx) to ${join(here, name)}${r.stdout.slice(r.stdout.indexOf(' in '))}`);
    expect(readdirSync(join(here, name)).sort()).toEqual(['manifest.json', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']);
    expect(existsSync(join(ROOT, name))).toBe(false);
  });

  it('for every path flag and default: --images, --labels, --dir, --out, preview.png', () => {
    const here = tmp();
    for (const name of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const) copyFileSync(raw(name), join(here, name));
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env: fromScript(here), encoding: 'utf8' });
    expect(run('export', '--images', 't10k-images-idx3-ubyte', '--labels', 't10k-labels-idx1-ubyte', '--limit', '2', '--out', 'a').status).toBe(0);
    expect(run('export', '--dir', '.', '--split', 'test', '--limit', '2', '--out', 'b').status).toBe(0);
    expect(run('preview', '--split', 'test', '--grid', '1x2', '--zoom', '1').stdout).toBe(`wrote ${join(here, 'preview.png')}\n`);
    expect(readdirSync(here).sort()).toEqual(['a', 'b', 'preview.png', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']);
  });

  it('from the current directory when a script changed it, or without a package manager', () => {
    const [typed, moved] = [tmp(), tmp()];
    const r = spawnSync(process.execPath, [CLI, 'export', '--split', 'test', '--limit', '2', '--out', 'c'], { cwd: moved, env: fromScript(typed), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(readdirSync(moved)).toEqual(['c']);
    expect(readdirSync(typed)).toEqual([]);
    expect(invocationDir({ INIT_CWD: typed }, moved)).toBe(moved); // INIT_CWD alone: not run by a script
    expect(invocationDir({}, moved)).toBe(moved);
    expect(invocationDir({ INIT_CWD: typed, npm_lifecycle_event: 'x', npm_package_json: join(moved, 'package.json') }, moved)).toBe(typed);
    expect(invocationDir({ INIT_CWD: 'relative', npm_lifecycle_event: 'x', npm_package_json: join(moved, 'package.json') }, moved)).toBe(moved);
  });
});
