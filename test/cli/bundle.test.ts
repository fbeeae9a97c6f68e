// The idxflow bin is the esbuild bundle of the CLI (packages/cli/scripts/bundle.mjs): these run
// it, built afresh from dist/, beside the unbundled dist/main.js the other CLI tests run. What
// the bundle could get wrong: files found through import.meta.url (worker threads' modules,
// package.json, the explore page's assets), errors told apart by class across its chunks, the
// command each command line reaches, and what a command loads (its own flags, not every
// command's: the table imports a command's flags when that command is named).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, gz, raw, ROOT } from '../fixtures/mnist.js';

const CLI_PACKAGE = join(ROOT, 'packages', 'cli');
const BIN = join(CLI_PACKAGE, (JSON.parse(readFileSync(join(CLI_PACKAGE, 'package.json'), 'utf8')) as { bin: { idxflow: string } }).bin.idxflow);
const dir = mkdtempSync(join(tmpdir(), 'idxflow-cli-bundle-'));
const run = (entry: string, ...args: string[]) => spawnSync(process.execPath, [entry, ...args], { encoding: 'utf8', cwd: dir });

const METAFILE = join(dir, 'meta.json');

beforeAll(() => {
  const built = spawnSync(process.execPath, [join(CLI_PACKAGE, 'scripts', 'bundle.mjs'), '--metafile', METAFILE], { encoding: 'utf8', cwd: ROOT });
  expect(built.status, built.stderr).toBe(0);
});

// Node's module hooks, registered with --import: each module loaded appends its URL to $IDXFLOW_LOADED.
const HOOKS = `data:text/javascript,${encodeURIComponent("import { appendFileSync } from 'node:fs'; export async function load(url, context, next) { appendFileSync(process.env.IDXFLOW_LOADED, url + '\\n'); return next(url, context); }")}`;
const REGISTER = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(HOOKS)});`)}`;

/** The modules (paths from the repository's root, as esbuild's metafile names them) in the bundle's files that `idxflow ...args` loads. */
function modulesLoadedBy(...args: string[]): Set<string> {
  const log = join(dir, `loaded-${args.join('-').replace(/\W+/g, '_')}.txt`);
  const r = spawnSync(process.execPath, ['--import', REGISTER, BIN, ...args], { encoding: 'utf8', cwd: dir, env: { ...process.env, IDXFLOW_LOADED: log } });
  expect(r.status, r.stderr).toBe(0);
  const outputs = (JSON.parse(readFileSync(METAFILE, 'utf8')) as { outputs: Record<string, { inputs: Record<string, unknown> }> }).outputs;
  const files = readFileSync(log, 'utf8').split('\n').filter((url) => url.startsWith('file:')).map((url) => relative(ROOT, fileURLToPath(url)));
  expect(files).toContain(join('packages', 'cli', 'bundle', 'idxflow.js'));
  return new Set(files.flatMap((file) => Object.keys(outputs[file.split(sep).join('/')]?.inputs ?? {})));
}

/** The flag tables of the CLI, a module each: every command's own, and those its flags are made of. */
const FLAG_TABLES = ['commands/infoFlags', 'commands/previewFlags', 'commands/exportFlags', 'commands/serveFlags', 'commands/exploreFlags', 'commands/mergeManifestsFlags', 'options', 'augmentFlags', 'policyFlags', 'corruptFlags', 'mixFlags', 'taskFlags', 'serverFlags'];
const cliModule = (name: string): string => `packages/cli/dist/${name}.js`;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The IDX header of `file`: magic and dimensions, read with a DataView (big-endian). */
function idxHeader(file: string): { magic: number; dims: number[] } {
  const bytes = readFileSync(file);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0);
  return { magic, dims: Array.from({ length: magic & 0xff }, (_, i) => view.getUint32(4 + 4 * i)) };
}

describe('the bundled idxflow bin', () => {
  it('is the bundle, and prints the version of the CLI package', () => {
    expect(BIN).toBe(join(CLI_PACKAGE, 'bundle', 'idxflow.js'));
    const version = (JSON.parse(readFileSync(join(CLI_PACKAGE, 'package.json'), 'utf8')) as { version: string }).version;
    for (const flag of ['--version', '-v']) expect(run(BIN, flag)).toMatchObject({ status: 0, stdout: `${version}\n`, stderr: '' });
  });

  it('reports a raw IDX file as MNIST publishes it, and the help of a command', () => {
    expect(JSON.parse(run(BIN, 'info', '--json', raw('t10k-images-idx3-ubyte')).stdout)).toEqual({ type: 'u8', dims: [10000, 28, 28], count: 10000 });
    const help = run(BIN, 'help', 'info');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: idxflow info FILE/);
  });

  it('exits 2 for a command line that cannot run, 1 with the typed error of a file that is not IDX', () => {
    expect(run(BIN, '--version', 'x')).toMatchObject({ status: 2, stderr: 'idxflow: Expected nothing after --version but received "x"\n' });
    expect(run(BIN, 'export', '--bogus').status).toBe(2);
    const short = join(dir, 'short');
    writeFileSync(short, Uint8Array.of(0, 0, 8));
    // IdxFormatError is thrown by the info command's chunk and told apart in errorReport's.
    expect(run(BIN, 'info', short)).toMatchObject({ status: 1, stderr: `idxflow: IdxFormatError: ${short} at byte 3: expected a 4-byte IDX magic number, found end of data after 3 bytes\n` });
  });

  it('exports through worker threads (elastic on 2 workers, PNG encoders) the bytes dist/main.js exports', () => {
    const flags = ['export', '--dataset', 'mnist', '--split', 'test', '--limit', '3000', '--elastic', '34:4', '--rotate', '10', '--seed', '5', '--workers', '2'];
    for (const [format, out] of [['idx', 'idx'], ['png', 'png']] as const) {
      const bundled = run(BIN, ...flags, '--format', format, '--out', join(dir, `bundle-${out}`));
      expect(bundled.status, bundled.stderr).toBe(0);
      const unbundled = run(CLI, ...flags, '--format', format, '--out', join(dir, `dist-${out}`));
      expect(unbundled.status, unbundled.stderr).toBe(0);
    }
    const images = idxHeader(join(dir, 'bundle-idx', 't10k-images-idx3-ubyte'));
    expect(images).toEqual({ magic: 0x00000803, dims: [3000, 28, 28] });
    for (const name of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) {
      expect(readFileSync(join(dir, 'bundle-idx', name)).equals(readFileSync(join(dir, 'dist-idx', name))), name).toBe(true);
    }
    const pngs = (root: string): string[] => readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.png')).sort();
    expect(pngs(join(dir, 'bundle-png'))).toHaveLength(3000);
    expect(pngs(join(dir, 'bundle-png'))).toEqual(pngs(join(dir, 'dist-png')));
    for (const file of pngs(join(dir, 'bundle-png')).filter((_, i) => i % 97 === 0)) {
      expect(readFileSync(join(dir, 'bundle-png', file)).equals(readFileSync(join(dir, 'dist-png', file))), file).toBe(true);
    }
  });

  it("takes rxjs from its ES build: core's rx.js (which requires rxjs's CommonJS modules unbundled) is rewritten, and an export loads no CommonJS file of rxjs", () => {
    const inputs = Object.keys((JSON.parse(readFileSync(METAFILE, 'utf8')) as { inputs: Record<string, unknown> }).inputs);
    expect(inputs).toContain('packages/core/dist/rx.js');
    expect(inputs.some((f) => f.endsWith('/rxjs/dist/esm/internal/Observable.js'))).toBe(true);
    expect(inputs.filter((f) => f.includes('/rxjs/dist/cjs/'))).toEqual([]);
    // Preloaded with --require, a CommonJS script sees every CommonJS module the process loads, when it exits.
    const list = join(dir, 'required.json');
    const preload = join(dir, 'required.cjs');
    writeFileSync(preload, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, JSON.stringify(Object.keys(require.cache))));`);
    const r = spawnSync(process.execPath, ['--require', preload, BIN, 'export', '--split', 'test', '--limit', '100', '--rotate', '10', '--format', 'npy', '--out', join(dir, 'rx-npy')], { encoding: 'utf8', cwd: dir });
    expect([r.status, r.stderr]).toEqual([0, '']);
    const required = JSON.parse(readFileSync(list, 'utf8')) as string[];
    expect(required).toContain(preload);
    expect(required.filter((f) => f.includes('/rxjs/'))).toEqual([]);
  });

  it("serves the explore page from the CLI package's assets", async () => {
    const pair = ['--images', raw('t10k-images-idx3-ubyte'), '--labels', raw('t10k-labels-idx1-ubyte')];
    const child = spawn(process.execPath, [BIN, 'explore', '--port', '0', ...pair], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        let err = '';
        child.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const found = /exploring at (http:\/\/127\.0\.0\.1:\d+\/\S*)/.exec(out);
          if (found) resolve(found[1]);
        });
        child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
        child.once('exit', (code) => reject(new Error(`explore exited with ${code}: ${err}`)));
      });
      const page = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        get(url.split('#')[0], { agent: false }, (res) => {
          let body = '';
          res.on('data', (chunk: Buffer) => (body += chunk.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).on('error', reject);
      });
      expect(page.status).toBe(200);
      expect(page.body).toBe(readFileSync(join(CLI_PACKAGE, 'assets', 'explore.html'), 'utf8'));
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('what the bundled idxflow loads', () => {
  it("loads, for info, info's flags and info, and no other command's flags", () => {
    const loaded = modulesLoadedBy('info', raw('t10k-images-idx3-ubyte'));
    expect(loaded).toContain(cliModule('commands/infoFlags'));
    expect(loaded).toContain(cliModule('commands/info'));
    expect(FLAG_TABLES.filter((name) => name !== 'commands/infoFlags' && loaded.has(cliModule(name)))).toEqual([]);
  });

  it('loads gunzip for info on a .gz only: a raw file is read as stored', () => {
    const gunzipModules = (loaded: Set<string>): string[] => [...loaded].filter((m) => /^packages\/core\/dist\/(gunzip|gzip\/)/.test(m)).sort();
    expect(gunzipModules(modulesLoadedBy('info', raw('t10k-images-idx3-ubyte')))).toEqual([]);
    expect(gunzipModules(modulesLoadedBy('info', gz('t10k-images-idx3-ubyte')))).toEqual(['packages/core/dist/gunzip.js', 'packages/core/dist/gzip/decoder.js', 'packages/core/dist/gzip/header.js', 'packages/core/dist/gzip/huffman.js', 'packages/core/dist/gzip/inflate.js']);
  });

  it("reads a raw file's header for info from its first bytes: no stream, so no rxjs and no decoder", () => {
    const streaming = (loaded: Set<string>): string[] => [...loaded].filter((m) => m.includes('/rxjs/') || /^packages\/core\/dist\/(idx\/decode|idx\/streamedInfo|sources\/file)\.js$/.test(m));
    expect(streaming(modulesLoadedBy('info', raw('t10k-images-idx3-ubyte')))).toEqual([]);
    // A .gz is read as a stream: the check sees the modules that are.
    expect(streaming(modulesLoadedBy('info', gz('t10k-images-idx3-ubyte')))).toEqual(expect.arrayContaining(['packages/core/dist/idx/decode.js', 'packages/core/dist/idx/streamedInfo.js']));
  });

  it('lists every command for --help with no flag table loaded, and loads the one asked for by help COMMAND', () => {
    expect(FLAG_TABLES.filter((name) => modulesLoadedBy('--help').has(cliModule(name)))).toEqual([]);
    const help = modulesLoadedBy('help', 'merge-manifests');
    expect(FLAG_TABLES.filter((name) => help.has(cliModule(name)))).toEqual(['commands/mergeManifestsFlags']);
  });
});
